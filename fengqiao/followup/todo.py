"""待办 of 结果反馈 (四(四)), 跟踪回访 (四(五)) and 案卷归档 (四(七)) for ``core.todo``: decisions to
deliver to the payer and to the other party, other parties told but with no visit, visits and
remedy checks due (or near), and cases ready to seal — for the receiving department and the
group office (``permissions.may_follow_up`` as ``selectors.follow_up_scope``). The lists the
回访 page shows too are read through the same selectors, so the two cannot disagree."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.todo import CASE_ROW, REVIEWER_ROLES, case_item, lean
from fengqiao.core import todo
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.followup import selectors
from fengqiao.followup.models import Recipient, Remedy, RemedyStatus, Visit
from fengqiao.followup.selectors import follow_up_scope
from fengqiao.org.models import Staff


def _applies(user: Staff) -> bool:
    return user.has_role(*REVIEWER_ROLES)


def _horizon() -> object:
    return todo._horizon(timezone.localdate())


def _to_notify(user: Staff) -> QuerySet[Case]:
    """结果反馈 to the payer: decided cases (``cases_case_dept_state``), due on the feedback limit."""
    return lean(
        Case.objects.filter(follow_up_scope(user), state=CaseState.DECIDED)
        .select_related(*CASE_ROW)
        .order_by("due_on", "id"),
        "payer",
    )


def _to_notify_other(user: Staff) -> QuerySet[Case]:
    """向争议双方进行反馈 (四(四)): the payer was told, the other party not yet (the 回访 page's
    list, ``selectors.other_party_to_notify``)."""
    return lean(selectors.other_party_to_notify(user=user).select_related(*CASE_ROW), "payer", "other_party")


def _to_visit_other(user: Staff) -> QuerySet[Case]:
    """对被反馈的争议双方进行跟踪回访 (四(五)): the other party was told but no visit to it is done or
    scheduled (the 回访 page's 待安排回访争议另一方, ``selectors.other_party_to_visit``)."""
    return lean(selectors.other_party_to_visit(user=user).select_related(*CASE_ROW), "payer", "other_party")


def _visits_due(user: Staff) -> QuerySet[Visit]:
    """跟踪回访 not yet done, from the day it is scheduled, earliest date first: 四(五) 对被反馈的
    争议双方进行跟踪回访 sets no waiting time after the feedback, and a visit may be recorded as
    soon as it is scheduled, so it is work waiting on the receiving department at once (its date
    is the limit; near and overdue are marked). It was listed only from two working days before
    its date, while the follow-up limit is five (docs/todo.md). Visits of the current round only
    (``selectors.current_round``): one about a decision since changed waits on nobody."""
    return lean(
        Visit.objects.filter(
            follow_up_scope(user, "case__"),
            selectors.current_round(),
            done_at__isnull=True,
            case__state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related("case", "case__payer")
        .order_by("scheduled_on", "id"),
        "case__payer",
    )


def _remedies_due(user: Staff) -> QuerySet[Remedy]:
    """救济途径跟踪: pending remedies of the current round (``selectors.current_round``) whose next
    check falls on or before the near horizon."""
    return lean(
        Remedy.objects.filter(
            follow_up_scope(user, "case__"),
            selectors.current_round(),
            status=RemedyStatus.PENDING,
            next_check_on__lte=_horizon(),
        )
        .select_related("case", "case__payer")
        .order_by("next_check_on", "id"),
        "case__payer",
    )


def _ready_to_archive(user: Staff) -> QuerySet[Case]:
    """案卷归档 (四(七)): ``selectors.ready_to_archive`` — the 回访 page's and the API's 可以归档,
    ``archive_blocker``'s rule (both parties told and visited, no remedy window open)."""
    return lean(selectors.ready_to_archive(user=user, today=timezone.localdate()).select_related(*CASE_ROW), "payer")


def _feedback_url(case: Case, other: bool = False) -> str:
    url = reverse("followup-feedback", args=[case.number])
    return f"{url}?recipient={Recipient.OTHER_PARTY}" if other else url


register(
    TodoSource(
        key="followup.notify",
        label=_("待反馈处理结果"),
        queryset=_to_notify,
        item=lambda c: case_item("followup.notify", str(_("向缴费人反馈处理结果")), c, _feedback_url(c)),
        applies=_applies,
        order=60,
        list_url="followup-work",
    )
)
register(
    TodoSource(
        key="followup.notify_other",
        label=_("待向另一方反馈"),
        queryset=_to_notify_other,
        item=lambda c: TodoItem(
            source="followup.notify_other",
            what=str(_("向争议另一方反馈处理结果")),
            case_number=c.number,
            detail=c.payer.name,
            url=_feedback_url(c, other=True),
        ),
        applies=_applies,
        order=61,
        list_url="followup-work",
    )
)
register(
    TodoSource(
        key="followup.visit_other",
        label=_("待安排回访另一方"),
        queryset=_to_visit_other,
        item=lambda c: TodoItem(
            source="followup.visit_other",
            what=str(_("安排回访争议另一方")),
            case_number=c.number,
            detail=c.other_party.name if c.other_party else c.payer.name,
            url=reverse("case-detail", args=[c.number]) + "#followup",
        ),
        applies=_applies,
        order=61,
        list_url="followup-work",
    )
)
register(
    TodoSource(
        key="followup.visit",
        label=_("待跟踪回访"),
        queryset=_visits_due,
        item=lambda v: TodoItem(
            source="followup.visit",
            what=str(_("跟踪回访")),
            case_number=v.case.number,
            detail=v.case.payer.name,
            url=reverse("followup-visit", args=[v.pk]),
            due_on=v.scheduled_on,
            due_provisional=v.scheduled_provisional,
        ),
        applies=_applies,
        order=62,
        list_url="followup-work",
    )
)
register(
    TodoSource(
        key="followup.remedy",
        label=_("待跟踪救济途径"),
        queryset=_remedies_due,
        item=lambda r: TodoItem(
            source="followup.remedy",
            what=str(_("跟踪救济途径进展（%(kind)s）") % {"kind": r.get_kind_display()}),
            case_number=r.case.number,
            detail=r.case.payer.name,
            url=reverse("followup-remedy-check", args=[r.pk]),
            due_on=r.next_check_on,
        ),
        applies=_applies,
        order=63,
        list_url="followup-work",
    )
)
register(
    TodoSource(
        key="followup.archive",
        label=_("待归档"),
        queryset=_ready_to_archive,
        item=lambda c: TodoItem(
            source="followup.archive",
            what=str(_("封存归档")),
            case_number=c.number,
            detail=c.payer.name,
            url=reverse("case-detail", args=[c.number]) + "#archive",
        ),
        applies=_applies,
        order=64,
        list_url="followup-work",
    )
)
