"""待办 of 调查处理 (四(三)) for ``core.todo``: tasks to sign for, written opinions to write and
to sign, the leader's approvals of special handling, the 司法局's legal reviews, and decisions
to draft and issue. Each source is the app's own permission rule written as one filter
(``permissions``, ``legal.review_queue``). The follow-through's sources (延期审批) are in
``followthrough.todo``, imported at the end: ``core.todo`` discovers only this module."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.kept import as_flag, keep
from fengqiao.cases.models import Case
from fengqiao.cases.selectors import review_scope
from fengqiao.cases.states import CaseState
from fengqiao.cases.todo import CASE_ROW, PARTY_SECRETS, REVIEWER_ROLES, case_item, lean
from fengqiao.core import calendar
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.handling import legal, permissions

# The follow-through's sources (延期审批) register when core.todo discovers this module.
from fengqiao.handling.followthrough import todo as _followthrough_todo  # noqa: F401
from fengqiao.handling.models import (
    Decision,
    DecisionStatus,
    LegalReviewConclusion,
    OpinionStatus,
    SpecialHandlingRequest,
    SpecialHandlingStatus,
    Task,
    TaskStatus,
)
from fengqiao.handling.selectors import OPINION_KINDS, _rerouted, minutes_issued_of
from fengqiao.org.models import Role, SigningDelegation, Staff

TASK_ROW = ("case", "case__payer", "department")


def _task_item(source: str, what: str, task: Task) -> TodoItem:
    return TodoItem(
        source=source,
        what=f"{what}（{task.get_kind_display()}）",
        case_number=task.case.number,
        detail=task.case.payer.name,
        url=reverse("task-detail", args=[task.pk]),
        due_on=task.due_on,
        due_provisional=task.due_provisional,
    )


def _department_tasks(user: Staff) -> QuerySet[Task]:
    """The tasks of ``user``'s department (``handling_task_inbox``: department, status, due)."""
    if user.department_id is None:
        return Task.objects.none()
    return lean(
        Task.objects.filter(department_id=user.department_id).select_related(*TASK_ROW).order_by("due_on", "id"),
        "case__payer",
    )


def _to_sign_for(user: Staff) -> QuerySet[Task]:
    """签收 (``permissions.may_work_task``): any handler or the head of the task's department."""
    return _department_tasks(user).filter(status=TaskStatus.PENDING)


def _opinions_to_write(user: Staff) -> QuerySet[Task]:
    """书面意见 to write: a signed-for task without a submitted opinion, for the handler who
    signed for it (经办人) — or for anyone of the department when nobody holds it — and again
    after the head sent it back for changes (the draft returns to its author)."""
    unwritten = Q(opinion__isnull=True) | Q(opinion__status=OpinionStatus.DRAFT)
    holder = Q(assignee=user) | Q(assignee__isnull=True)
    return _department_tasks(user).filter(unwritten, holder, status=TaskStatus.SIGNED)


def _opinions_to_sign(user: Staff) -> QuerySet[Task]:
    """部门负责人签发 (``permissions.may_sign_opinion``): submitted opinions of the head's
    department — and of a handler the head authorised to sign for today (代签,
    ``org.SigningDelegation``: not revoked, today within its period, the principal still the
    department's active head), checked inside the same query."""
    qs = _department_tasks(user).filter(status=TaskStatus.SIGNED, opinion__status=OpinionStatus.SUBMITTED)
    if user.has_role(Role.DEPARTMENT_HEAD):
        return qs
    if user.department_id is None:
        return Task.objects.none()
    today = calendar.local_day(timezone.now())
    authorised = SigningDelegation.objects.filter(
        deputy_id=user.pk,
        department_id=user.department_id,
        revoked_at__isnull=True,
        starts_on__lte=today,
        ends_on__gte=today,
        principal__department_id=user.department_id,
        principal__is_active=True,
        principal__roles__role=Role.DEPARTMENT_HEAD,
    )
    return qs.filter(Exists(authorised)).exclude(opinion__author_id=user.pk)  # never one's own


def _task_source(key: str, label: Any, what: Any, qs: Any, roles: tuple[str, ...], order: int) -> None:
    def item(task: Task) -> TodoItem:
        return _task_item(key, str(what), task)

    def applies(user: Staff) -> bool:
        return user.department_id is not None and user.has_role(*roles)

    register(
        TodoSource(key=key, label=label, queryset=qs, item=item, applies=applies, order=order, list_url="task-inbox")
    )


_task_source("handling.sign_for", _("待签收任务"), _("签收任务"), _to_sign_for, permissions.TASK_ROLES, 20)
_task_source(
    "handling.write_opinion", _("待撰写书面意见"), _("撰写书面意见"), _opinions_to_write, permissions.TASK_ROLES, 21
)
_task_source(
    "handling.sign_opinion", _("待签发书面意见"), _("签发书面意见"), _opinions_to_sign, permissions.TASK_ROLES, 22
)


def _special_approvals(user: Staff) -> QuerySet[SpecialHandlingRequest]:
    """报请领导小组组长同意 (四(三)2 2)): the group office forwards requests, the group leader
    approves or declines forwarded ones (``may_forward_special`` / ``may_approve_special``)."""
    county = user.jurisdiction
    statuses = []
    if user.has_role(Role.GROUP_OFFICE):
        statuses.append(SpecialHandlingStatus.REQUESTED)
    if user.has_role(Role.GROUP_LEADER):
        statuses.append(SpecialHandlingStatus.FORWARDED)
    if county is None or not statuses:
        return SpecialHandlingRequest.objects.none()
    return lean(
        SpecialHandlingRequest.objects.filter(case__jurisdiction_id=county.pk, status__in=statuses)
        .select_related("case", "case__payer")
        .order_by("requested_at", "id"),
        "case__payer",
    )


def _special_item(r: SpecialHandlingRequest) -> TodoItem:
    what = _("转报专案处理申请") if r.status == SpecialHandlingStatus.REQUESTED else _("审批专案处理")
    return TodoItem(
        source="handling.special",
        what=str(what),
        case_number=r.case.number,
        detail=r.case.payer.name,
        url=reverse("approval-queue") + f"#request-{r.pk}",
        due_on=r.case.due_on,
        due_provisional=r.case.due_provisional,
    )


register(
    TodoSource(
        key="handling.special",
        label=_("待审批专案处理"),
        queryset=_special_approvals,
        item=_special_item,
        applies=lambda u: u.has_role(Role.GROUP_OFFICE, Role.GROUP_LEADER),
        order=30,
        list_url="approval-queue",
    )
)


def _legal_reviews(user: Staff) -> QuerySet[Decision]:
    """司法局把关 (三(二)5): ``legal.review_queue`` — the drafts of the county that need or asked
    for a review and have none approving their current version."""
    return lean(
        legal.review_queue(user=user).select_related("case__payer").order_by("case__due_on", "id"), "case__payer"
    )


register(
    TodoSource(
        key="handling.legal_review",
        label=_("待法律审查"),
        queryset=_legal_reviews,
        item=lambda d: TodoItem(
            source="handling.legal_review",
            what=str(_("法律审查处理意见")),
            case_number=d.case.number,
            detail=d.case.payer.name,
            url=reverse("followthrough-legal-review", args=[d.pk]),
            due_on=d.case.due_on,
            due_provisional=d.case.due_provisional,
        ),
        applies=legal.is_reviewer,
        order=32,
        list_url="followthrough-legal-queue",
    )
)


def _minutes_awaited() -> Q:
    """四(三)2 3) 经小组会商后形成会议纪要: a case in special handling whose decision is not a
    mediation agreement waits for a consultation's minutes — the decide step's guard
    (``meetings.selectors.minutes_before_decision``) on one case, here as a filter, with the same
    definition of issued minutes (``selectors.minutes_issued_of``, meetings')."""
    mediated = Exists(Decision.objects.filter(case=OuterRef("pk"), status=DecisionStatus.DRAFT, from_mediation=True))
    return Q(state=CaseState.SPECIAL_HANDLING) & ~Q(mediated) & ~Q(Exists(minutes_issued_of(OuterRef("pk"))))


def _drafts_with_current_review(**review: Any) -> Exists:
    """The case's draft decision has a 司法局 review of its current content (with ``review``'s
    conclusion, when given) — ``legal.current_reviews``, what ``legal_review_blocking`` checks."""
    reviews = legal.current_reviews().filter(**review)
    return Exists(Decision.objects.filter(case=OuterRef("pk"), status=DecisionStatus.DRAFT).filter(Exists(reviews)))


def decision_ready_q() -> Q:
    """受理部门负责综合各联办单位的意见 (``permissions.may_decide``): a case in handling whose
    opinion tasks are all done (at least one signed; none open, none returned and not yet
    re-routed) — the same rule as the ``decide`` step's guard —, or whose mediation reached an
    agreement, waits for the receiving department (or the group office) to write and issue the
    处理意见书. A referred matter is answered through its referral instead.

    Only when the decision can be issued once written: not while it waits on someone else,
    by the rules ``decision_issue`` checks — a major matter's minutes (四(三)2 3), the group
    office's 组织会商 / 印发会议纪要 rows meanwhile) or, for a major matter's draft, the
    司法局's review of its current content (三(二)5; ``handling.legal_review`` meanwhile).

    The one definition of ``Case.decision_ready``, kept per case by ``cases.kept`` (the rule
    as a filter on cases, evaluated there for the cases a service touched)."""
    opinion_tasks = Task.objects.filter(case=OuterRef("pk"), kind__in=OPINION_KINDS)
    open_or_unrouted = opinion_tasks.filter(
        Q(status__in=(TaskStatus.PENDING, TaskStatus.SIGNED)) | (Q(status=TaskStatus.RETURNED) & ~Q(_rerouted()))
    )
    agreed = Decision.objects.filter(case=OuterRef("pk"), status=DecisionStatus.DRAFT, from_mediation=True)
    draft = Decision.objects.filter(case=OuterRef("pk"), status=DecisionStatus.DRAFT)
    with_the_justice_bureau = legal.review_required_q() & Q(Exists(draft)) & ~Q(_drafts_with_current_review())
    return (
        Q(state__in=(CaseState.OWN_HANDLING, CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING))
        & (Q(Exists(opinion_tasks.filter(status=TaskStatus.DONE)), ~Exists(open_or_unrouted)) | Q(Exists(agreed)))
        & ~_minutes_awaited()
        & ~with_the_justice_bureau
    )


keep("decision_ready", lambda: as_flag(decision_ready_q()))


def _decisions_to_draft(user: Staff) -> QuerySet[Case]:
    """The cases of ``user``'s scope (``review_scope``) whose decision waits on the receiving
    department: ``decision_ready_q``, read from its kept value (``Case.decision_ready``, by the
    partial indexes ``cases_case_dept_decide`` / ``cases_case_county_decide``). A draft the
    司法局 found wanting (需修改) is the department's again, to revise (``_revise``, computed for
    the rows read only)."""
    approved = _drafts_with_current_review(conclusion=LegalReviewConclusion.APPROVED)
    return (
        Case.objects.filter(review_scope(user), decision_ready=True)
        .annotate(
            _revise=ExpressionWrapper(
                legal.review_required_q() & Q(_drafts_with_current_review()) & ~Q(approved),
                output_field=BooleanField(),
            )
        )
        .select_related(*CASE_ROW)
        .order_by("due_on", "id")
        .defer(*(f"payer__{name}" for name in PARTY_SECRETS))
    )


def _decision_item(case: Case) -> TodoItem:
    what = _("按司法局审查意见修改处理意见书") if getattr(case, "_revise", False) else _("综合意见、出具处理意见书")
    return case_item("handling.decision", str(what), case, reverse("case-decision", args=[case.number]))


register(
    TodoSource(
        key="handling.decision",
        label=_("待出具处理意见"),
        queryset=_decisions_to_draft,
        item=_decision_item,
        applies=lambda u: u.has_role(*REVIEWER_ROLES),
        order=40,
    )
)
