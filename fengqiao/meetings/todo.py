"""待办 of 会商 (四(三)3) for ``core.todo``: the group leader's consent to a major consultation
(``permissions.may_approve``); for the group office (``may_organise``) the major matters in
special handling that no consultation covers yet — their decision follows the minutes
(四(三)2 3)) — and the held consultations whose minutes are still to be issued."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.todo import CASE_ROW, case_item
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.meetings.models import Consultation, ConsultationStatus
from fengqiao.org.models import Role, Staff


def _of_county(user: Staff, status: str) -> QuerySet[Consultation]:
    county = user.jurisdiction
    if county is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(jurisdiction_id=county.pk, status=status).order_by("starts_at", "id")


def _item(source: str, what: str, c: Consultation) -> TodoItem:
    return TodoItem(
        source=source,
        what=what,
        case_number="",
        detail=c.topic,
        url=reverse("consultation-detail", args=[c.pk]),
        due_on=timezone.localtime(c.starts_at).date(),
    )


register(
    TodoSource(
        key="meetings.approve",
        label=_("待同意召开重大事项会商"),
        queryset=lambda u: _of_county(u, ConsultationStatus.AWAITING_APPROVAL),
        item=lambda c: _item("meetings.approve", str(_("同意召开重大事项会商")), c),
        applies=lambda u: u.has_role(Role.GROUP_LEADER),
        order=33,
        list_url="consultation-list",
    )
)
register(
    TodoSource(
        key="meetings.minutes",
        label=_("待印发会议纪要"),
        queryset=lambda u: _of_county(u, ConsultationStatus.HELD),
        item=lambda c: _item("meetings.minutes", str(_("整理并印发会议纪要")), c),
        applies=lambda u: u.has_role(Role.GROUP_OFFICE),
        order=35,
        list_url="consultation-list",
    )
)


def _special_without_consultation(user: Staff) -> QuerySet[Case]:
    county = user.jurisdiction
    if county is None:
        return Case.objects.none()
    covering = Consultation.objects.filter(cases=OuterRef("pk")).exclude(
        status__in=(ConsultationStatus.CANCELLED, ConsultationStatus.DECLINED)
    )
    return (
        Case.objects.filter(jurisdiction_id=county.pk, state=CaseState.SPECIAL_HANDLING)
        .exclude(Exists(covering))
        .select_related(*CASE_ROW)
        .order_by("due_on", "id")
    )


register(
    TodoSource(
        key="meetings.plan",
        label=_("待组织专案会商"),
        queryset=_special_without_consultation,
        item=lambda c: case_item("meetings.plan", str(_("组织重大事项会商")), c, reverse("consultation-create")),
        applies=lambda u: u.has_role(Role.GROUP_OFFICE),
        order=34,
        list_url="consultation-list",
    )
)
