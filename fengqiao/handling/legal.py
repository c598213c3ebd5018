"""司法局把关 (三(二)5): the justice bureau reviews the legal basis of a decision.

Required before a major matter's decision is issued (classification major or state
special_handling), optional for a general one. A review binds to WHAT was reviewed: the SM3
digest of the decision's substantive content (``Decision.content_digest``: request, facts and
reasons, result, legal basis, remedies) is stored on the review. Saving the same content again
keeps the review; another content needs another review, which the receiving department asks
for from the decision's page (``legal_review_request``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import kept
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState, Classification
from fengqiao.core import timelimits
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    Decision,
    DecisionStatus,
    LegalReview,
    LegalReviewConclusion,
    Task,
    TaskKind,
    TaskStatus,
)
from fengqiao.org.models import Department, Role, Staff


def review_required(decision: Decision) -> bool:
    """Is a 司法局 review required before this decision is issued? (major matters only)"""
    case = decision.case
    return case.classification == Classification.MAJOR or case.state == CaseState.SPECIAL_HANDLING


def review_required_q(prefix: str = "") -> Q:
    """``review_required`` as a filter; ``prefix`` is the path to the case (``"case__"`` from a
    decision, ``""`` on cases)."""
    return Q(**{f"{prefix}classification": Classification.MAJOR}) | Q(**{f"{prefix}state": CaseState.SPECIAL_HANDLING})


def current_reviews() -> QuerySet[LegalReview]:
    """The reviews of the current content of the decision ``OuterRef`` points at (its pk and
    ``content_digest``, which ``Decision.save`` keeps): what ``legal_review_blocking`` asks of
    one decision, for a filter on decisions (the review queue, the to-do list)."""
    latest = (
        LegalReview.objects.filter(decision=OuterRef("decision"), content_digest=OuterRef("content_digest"))
        .order_by("-at", "-id")
        .values("pk")[:1]
    )
    # The latest review of that content decides (a 需修改 after an approval withdraws it).
    return LegalReview.objects.filter(
        decision=OuterRef("pk"), content_digest=OuterRef("content_digest"), pk=Subquery(latest)
    )


def content_digest(decision: Decision) -> str:
    """The SM3 digest of the decision's substantive content as it is now (what a review covers)."""
    return decision.compute_digest()


@dataclass(frozen=True)
class ReviewState:
    """What the decision's page and API say about its legal review.

    ``current`` is the latest review of the current content; ``needs_new_review`` that the
    content was reviewed before but changed since; ``requested`` that a review of the current
    content was asked for; ``requestable`` that asking now makes sense (a draft whose current
    content is neither reviewed nor asked for)."""

    required: bool
    status: str
    content_digest: str
    current: LegalReview | None
    approved: bool
    needs_new_review: bool
    requested: bool
    requestable: bool


def review_state(decision: Decision) -> ReviewState:
    """The review state of ``decision`` in two queries (its reviews, its requests)."""
    digest = content_digest(decision)
    reviews = list(decision.legal_reviews.select_related("reviewer").order_by("-at", "-id"))
    current = next((r for r in reviews if r.content_digest == digest), None)
    approved = current is not None and current.conclusion == LegalReviewConclusion.APPROVED
    asked = list(CaseEvent.objects.filter(_requested(decision)).values_list("data", flat=True))
    requested = any(isinstance(d, dict) and d.get("digest") == digest for d in asked)
    needs_new = bool(reviews) and current is None
    required = review_required(decision)
    if current is not None:
        status = str(current.get_conclusion_display())
    elif needs_new and requested:
        status = _("处理意见内容已修改，已申请司法局重新审查")
    elif needs_new:
        status = _("处理意见内容已修改，需重新审查")
    elif requested:
        status = _("已申请司法局审查")
    elif required:
        status = _("待司法局审查（必需）")
    else:
        status = _("无需审查（可申请）")
    return ReviewState(
        required=required,
        status=status,
        content_digest=digest,
        current=current,
        approved=approved,
        needs_new_review=needs_new,
        requested=requested,
        requestable=decision.status == DecisionStatus.DRAFT and current is None and not requested,
    )


def legal_review_blocking(decision: Decision) -> str | None:
    """A Chinese message if issuing ``decision`` must wait for the 司法局's review, else None.

    Major matters need an APPROVED review of the decision's current content — the latest review
    of that content, so a 需修改 recorded after an approval withdraws it."""
    if not review_required(decision):
        return None
    digest = content_digest(decision)
    reviews = LegalReview.objects.filter(decision=decision)
    latest = reviews.filter(content_digest=digest).order_by("-at", "-id").first()
    if latest is not None and latest.conclusion == LegalReviewConclusion.APPROVED:
        return None
    if latest is not None:
        return _("司法局对处理意见的现有内容审查结论为“需修改”：请按审查意见修改后申请重新审查。")
    if reviews.exists():
        return _("处理意见的内容在司法局法律审查后已修改，需重新审查：请申请司法局重新审查，审查无误后方可出具。")
    return _("重大疑难事项的处理意见须经司法局法律审查（法律适用无误）后方可出具。")


# --- who ---------------------------------------------------------------------------------

JUSTICE_CODE = "justice"


def is_reviewer(staff: Staff) -> bool:
    """司法局 staff who review: a handler or the department head of the department ``justice``."""
    dept = staff.department
    return (
        staff.is_active
        and dept is not None
        and dept.code == JUSTICE_CODE
        and staff.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD)
    )


def may_request_review(staff: Staff, case: Case) -> bool:
    """The receiving department (its clerks, handlers and head, the first receiver) and the
    group office may ask the 司法局 to review a general matter's decision."""
    if not staff.is_active or staff.jurisdiction != case.jurisdiction:
        return False
    if staff.has_role(Role.GROUP_OFFICE) or case.owner_id == staff.pk:
        return True
    return staff.department_id == case.receiving_department_id and staff.has_role(
        Role.INTAKE_CLERK, Role.HANDLER, Role.DEPARTMENT_HEAD
    )


def _requested(decision: Decision) -> Q:
    """Every request to review ``decision`` (each names the digest of the content it asked about)."""
    return Q(case=decision.case_id, kind=EventKind.LEGAL_REVIEW, data__step="requested", data__decision=decision.pk)


# --- reads -------------------------------------------------------------------------------


def review_queue(*, user: Staff) -> QuerySet[Decision]:
    """待审查: draft decisions of the reviewer's county that need or asked for a review, and
    have no review of their current content — neither 法律适用无误 nor 需修改: after 需修改 the
    draft waits on the receiving department to revise it (its to-do row says so), and comes
    back once its content changed. Empty for anyone else."""
    if not is_reviewer(user):
        return Decision.objects.none()
    county_id = user.department.jurisdiction_id  # type: ignore[union-attr]
    # Decisions someone asked the 司法局 to review (a JSON key is compared in Python: the
    # databases disagree on comparing a JSON number with a column). Read by the event kind's
    # index alone: joining the case for its county made SQLite walk the county's cases
    # (0.3–4.6 s at 1,000,000 cases); the decisions below are the county's anyway.
    requested = [
        int(pk)
        for pk in CaseEvent.objects.filter(kind=EventKind.LEGAL_REVIEW, data__step="requested").values_list(
            "data__decision", flat=True
        )
        if pk is not None
    ]
    return (
        Decision.objects.filter(case__jurisdiction_id=county_id, status=DecisionStatus.DRAFT)
        .filter(review_required_q("case__") | Q(pk__in=requested))
        .exclude(Exists(current_reviews()))
        .select_related("case", "case__receiving_department")
        .order_by("updated_at", "id")
    )


def decision_for_review(*, user: Staff, decision_id: int) -> Decision:
    """One decision the 司法局 reviewer may review (any decision of their county that needs
    or asked for review, or was reviewed), else 404 like one that does not exist."""
    if not is_reviewer(user):
        raise Http404("no such decision")
    decision = (
        Decision.objects.filter(pk=decision_id, case__jurisdiction_id=user.department.jurisdiction_id)  # type: ignore[union-attr]
        .select_related("case", "case__receiving_department", "case__payer")
        .first()
    )
    if decision is None:
        raise Http404("no such decision")
    asked = CaseEvent.objects.filter(_requested(decision)).exists()
    if not (review_required(decision) or asked or decision.legal_reviews.exists()):
        raise Http404("no such decision")
    return decision


def reviews_of(decision: Decision) -> QuerySet[LegalReview]:
    return decision.legal_reviews.select_related("reviewer").order_by("-at", "-id")


def review_status(decision: Decision) -> str:
    """For the case page: 无需审查 / 待审查 / 法律适用无误 / 需修改 / 已申请审查 / 内容已修改需重新审查."""
    return review_state(decision).status


# --- writes ------------------------------------------------------------------------------


@transaction.atomic
def legal_review_record(
    *,
    decision: Decision,
    reviewer: Staff,
    conclusion: str,
    notes: str = "",
    expected_version: int | None = None,
) -> LegalReview:
    """司法局把关: record the review of the decision's current content (its SM3 digest is stored
    with the review). "需修改" needs the reviewer's notes; an APPROVED review of the current
    content lets a major matter's decision be issued (``legal_review_blocking``). Changing the
    content afterwards needs another review; saving it unchanged does not."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=decision.case_id)
    decision = Decision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    if not is_reviewer(reviewer) or reviewer.jurisdiction != case.jurisdiction:
        raise PermissionDenied(_("只有司法局的经办人或负责人可以进行法律审查。"))
    if expected_version is not None and expected_version != decision.version:
        raise ValidationError(_("处理意见已被修改，请刷新后按最新内容审查。"), code="stale")
    if decision.status != DecisionStatus.DRAFT:
        raise ValidationError(_("处理意见已出具，不能再审查。"), code="state")
    if conclusion not in LegalReviewConclusion.values:
        raise ValidationError({"conclusion": [_("请选择审查结论。")]})
    notes = (notes or "").strip()
    if conclusion == LegalReviewConclusion.CHANGES and not notes:
        raise ValidationError({"notes": [_("需修改的，请写明审查意见。")]})
    now = timezone.now()
    digest = content_digest(decision)
    review = LegalReview.objects.create(
        decision=decision,
        decision_version=decision.version,
        content_digest=digest,
        reviewer=reviewer,
        conclusion=conclusion,
        notes=notes,
        at=now,
    )
    # The 司法局's task from a request (if any) is done once the review is recorded.
    task_ids = [
        e.data.get("task")
        for e in CaseEvent.objects.filter(_requested(decision)).only("data")
        if isinstance(e.data, dict) and e.data.get("task")
    ]
    # A request's task sent on to another unit (转交) is replaced by a new one: close the chain.
    chain = set(task_ids)
    frontier = list(chain)
    while frontier:
        frontier = [
            pk
            for pk in Task.objects.filter(pk__in=frontier, replaced_by__isnull=False).values_list(
                "replaced_by_id", flat=True
            )
            if pk not in chain
        ]
        chain.update(frontier)
    task_ids = list(chain)
    if task_ids:
        Task.objects.filter(pk__in=task_ids, status__in=OPEN_TASK_STATUSES).update(
            status=TaskStatus.DONE, completed_at=now, version=F("version") + 1
        )
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=reviewer,
        kind=EventKind.LEGAL_REVIEW,
        summary=f"司法局法律审查：{review.get_conclusion_display()}（处理意见第{decision.version}版）"[:255],
        data={
            "step": "reviewed",
            "decision": decision.pk,
            "review": review.pk,
            "conclusion": conclusion,
            "decision_version": decision.version,
            "digest": digest,
            "reason": notes,
        },
    )
    kept.refresh([case])  # the review of the current draft: the decision may be issued, or revised
    return review


@transaction.atomic
def legal_review_request(*, decision: Decision, actor: Staff, note: str = "") -> CaseEvent:
    """申请司法局审查 the decision's current content: optional for a general matter; for a major
    one it is required, and asked again once the content changed after a review. Gives the
    司法局 a task (``handling.services.task_create``; an open task of an earlier request is
    reused), so its people see the case and the deadline is followed up, and puts the request,
    with the digest of the content, on the timeline. Refused when this content was already
    asked about or reviewed."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=decision.case_id)
    decision = Decision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    decision.case = case
    if not may_request_review(actor, case):
        raise PermissionDenied(_("您无权申请法律审查。"))
    if decision.status != DecisionStatus.DRAFT:
        raise ValidationError(_("处理意见已出具，不能再申请审查。"), code="state")
    state = review_state(decision)
    if state.requested:
        raise ValidationError(_("已就处理意见的当前内容申请司法局审查。"), code="state")
    if state.current is not None:
        raise ValidationError(
            _("司法局已审查处理意见的当前内容（%(c)s），无需再申请。") % {"c": state.current.get_conclusion_display()},
            code="state",
        )
    justice = Department.objects.filter(jurisdiction_id=case.jurisdiction_id, code=JUSTICE_CODE, active=True).first()
    earlier = [
        d.get("task")
        for d in CaseEvent.objects.filter(_requested(decision)).values_list("data", flat=True)
        if isinstance(d, dict) and d.get("task")
    ]
    open_task = Task.objects.filter(pk__in=earlier, status__in=OPEN_TASK_STATUSES).order_by("-id").first()
    task_id = open_task.pk if open_task is not None else None
    if justice is not None and open_task is None:
        from fengqiao.handling import services

        task = services.task_create(
            case=case,
            department=justice,
            kind=TaskKind.RESOLUTION,
            actor=actor,
            limit=timelimits.JOINT_OPINION,
            instructions=f"法律审查：请对处理意见（第{decision.version}版）适用法律法规进行把关。{note.strip()}".strip(),
        )
        task_id = task.pk
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.LEGAL_REVIEW,
        summary=(
            _("申请司法局重新审查（处理意见第%(v)d版）")
            if state.needs_new_review
            else _("申请司法局法律审查（处理意见第%(v)d版）")
        )
        % {"v": decision.version},
        data={
            "step": "requested",
            "decision": decision.pk,
            "task": task_id,
            "digest": state.content_digest,
            "decision_version": decision.version,
            "reason": note.strip(),
        },
    )
