"""待办 of 会商 (四(三)3) for ``core.todo``: the group leader's consent to a major consultation
(``permissions.may_approve``); for the group office (``may_organise``) the major matters in
special handling that no consultation covers yet — their decision follows the minutes
(四(三)2 3)) —, the planned consultations to put to the leader or to hold, and the held
consultations whose minutes are still to be issued."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.todo import CASE_ROW, case_item, lean
from fengqiao.core import todo
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.meetings.models import Consultation, ConsultationKind, ConsultationStatus
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


def _to_convene(user: Staff) -> QuerySet[Consultation]:
    """The consultations waiting on the group office between planning and minutes: a planned
    重大事项会商 is to be put to the group leader (经领导小组组长同意后召开专题会议); one the leader
    agreed to, or a planned 一般事项会商, is to be held — listed from the near horizon on, since it
    cannot be recorded as held before its day (``services._require_scheduled_date_reached``)."""
    county = user.jurisdiction
    if county is None:
        return Consultation.objects.none()
    horizon = todo._horizon(timezone.localdate()) + timedelta(days=1)
    before_horizon = datetime.combine(horizon, time.min, tzinfo=timezone.get_current_timezone())
    to_ask = Q(status=ConsultationStatus.PLANNED, kind=ConsultationKind.MAJOR)
    to_hold = Q(status=ConsultationStatus.APPROVED) | Q(
        status=ConsultationStatus.PLANNED, kind=ConsultationKind.GENERAL
    )
    return (
        Consultation.objects.filter(jurisdiction_id=county.pk)
        .filter(to_ask | (to_hold & Q(starts_at__lt=before_horizon)))
        .order_by("starts_at", "id")
    )


def _convene_item(c: Consultation) -> TodoItem:
    if c.status == ConsultationStatus.PLANNED and c.kind == ConsultationKind.MAJOR:
        return _item("meetings.convene", str(_("报请组长同意召开重大事项会商")), c)
    return _item("meetings.convene", str(_("召开会商并记录")), c)


register(
    TodoSource(
        key="meetings.convene",
        label=_("待报请同意或召开的会商"),
        queryset=_to_convene,
        item=_convene_item,
        applies=lambda u: u.has_role(Role.GROUP_OFFICE),
        order=35,
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
        order=36,
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
    return lean(
        Case.objects.filter(jurisdiction_id=county.pk, state=CaseState.SPECIAL_HANDLING)
        .exclude(Exists(covering))
        .select_related(*CASE_ROW)
        .order_by("due_on", "id"),
        "payer",
    )


def _plan_url(case: Case) -> str:
    """The new-consultation form set to 重大事项会商 with ``case`` ticked (``views._create_initial``)."""
    return reverse("consultation-create") + "?" + urlencode({"kind": ConsultationKind.MAJOR, "case": case.number})


register(
    TodoSource(
        key="meetings.plan",
        label=_("待组织专案会商"),
        queryset=_special_without_consultation,
        item=lambda c: case_item("meetings.plan", str(_("组织重大事项会商")), c, _plan_url(c)),
        applies=lambda u: u.has_role(Role.GROUP_OFFICE),
        order=34,
        list_url="consultation-list",
    )
)
