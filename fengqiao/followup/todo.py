"""待办 of 结果反馈 (四(四)), 跟踪回访 (四(五)) and 案卷归档 (四(七)) for ``core.todo``: decisions to
deliver to the payer and to the other party, visits and remedy checks due (or near), and cases
ready to seal — for the receiving department and the group office
(``permissions.may_follow_up`` as ``selectors.follow_up_scope``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.todo import CASE_ROW, REVIEWER_ROLES, case_item
from fengqiao.core import todo
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.followup.models import Recipient, Remedy, RemedyOutcome, RemedyStatus, Visit
from fengqiao.followup.selectors import _other_party_told, follow_up_scope
from fengqiao.org.models import Staff


def _applies(user: Staff) -> bool:
    return user.has_role(*REVIEWER_ROLES)


def _horizon() -> object:
    return todo._horizon(timezone.localdate())


def _to_notify(user: Staff) -> QuerySet[Case]:
    """结果反馈 to the payer: decided cases (``cases_case_dept_state``), due on the feedback limit."""
    return (
        Case.objects.filter(follow_up_scope(user), state=CaseState.DECIDED)
        .select_related(*CASE_ROW)
        .order_by("due_on", "id")
    )


def _to_notify_other(user: Staff) -> QuerySet[Case]:
    """向争议双方进行反馈 (四(四)): the payer was told, the other party not yet."""
    return (
        Case.objects.filter(
            follow_up_scope(user),
            ~Q(_other_party_told()),
            other_party__isnull=False,
            state__in=(CaseState.NOTIFIED, CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related(*CASE_ROW)
        .order_by("state_changed_at", "id")
    )


def _visits_due(user: Staff) -> QuerySet[Visit]:
    """跟踪回访 scheduled on or before the near horizon and not yet done."""
    return (
        Visit.objects.filter(
            follow_up_scope(user, "case__"),
            done_at__isnull=True,
            scheduled_on__lte=_horizon(),
            case__state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related("case", "case__payer")
        .order_by("scheduled_on", "id")
    )


def _remedies_due(user: Staff) -> QuerySet[Remedy]:
    """救济途径跟踪: pending remedies whose next check falls on or before the near horizon."""
    return (
        Remedy.objects.filter(
            follow_up_scope(user, "case__"), status=RemedyStatus.PENDING, next_check_on__lte=_horizon()
        )
        .select_related("case", "case__payer")
        .order_by("next_check_on", "id")
    )


def _ready_to_archive(user: Staff) -> QuerySet[Case]:
    """案卷归档 (四(七)): ``selectors.archive_blocker``'s rule for follow-up and remedy tracking,
    as one query (the same as the 回访 worklist's 可归档)."""
    done_visit = Visit.objects.filter(case=OuterRef("pk"), done_at__isnull=False)
    remedy = Remedy.objects.filter(case=OuterRef("pk"))
    both_told = Q(other_party__isnull=True) | Q(_other_party_told())
    return (
        Case.objects.filter(follow_up_scope(user))
        .filter(both_told)
        .filter(
            Q(Exists(done_visit), state=CaseState.FOLLOWING_UP)
            | Q(
                Exists(remedy),
                ~Exists(remedy.exclude(status=RemedyStatus.ENDED)),
                ~Exists(remedy.filter(outcome=RemedyOutcome.CHANGED)),
                state=CaseState.REMEDY_TRACKING,
            )
        )
        .select_related(*CASE_ROW)
        .order_by("state_changed_at", "id")
    )


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
