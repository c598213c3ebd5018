"""调解 (issue 5 item 6; 三(二)2): a department resolves a matter by mediation, e.g. through
the tax bureau's 公职律师涉税争议咨询调解中心 or its 云服务中心线上团队 (org.Division kinds
``mediation_centre`` / ``online_team``).

A session names the parties and the mediator; its result is an agreement — which becomes the
case's draft decision (``Decision.from_mediation``), ready to be issued by the decision flow
— or no agreement, and handling goes on. Both are on the timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import kept
from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.core import dates
from fengqiao.handling.models import (
    Decision,
    DecisionResult,
    DecisionStatus,
    MediationResult,
    MediationSession,
)
from fengqiao.org.models import Division, DivisionKind, Role, Staff

#: The states in which a matter is being handled and may be mediated.
MEDIATION_STATES = frozenset({CaseState.OWN_HANDLING, CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING})
MEDIATION_DIVISION_KINDS = (DivisionKind.MEDIATION_CENTRE, DivisionKind.ONLINE_TEAM)


def mediation_divisions(county_id: int) -> list[Division]:
    """The county's mediation bodies: 调解中心 and 线上团队."""
    return list(
        Division.objects.filter(department__jurisdiction_id=county_id, kind__in=MEDIATION_DIVISION_KINDS)
        .select_related("department")
        .order_by("department__sort_order", "sort_order")
    )


def may_mediate(staff: Staff, case: Case) -> bool:
    """Handlers and heads of a department involved in the case, and the group office."""
    if not staff.is_active or staff.department_id is None or staff.jurisdiction != case.jurisdiction:
        return False
    if staff.has_role(Role.GROUP_OFFICE):
        return True
    if not staff.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD):
        return False
    return CaseDepartment.objects.filter(case=case, department_id=staff.department_id).exists()


def may_record(staff: Staff, session: MediationSession) -> bool:
    if staff.pk == session.mediator_id:
        return True
    if staff.department_id == session.department_id and staff.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD):
        return True
    return staff.has_role(Role.GROUP_OFFICE) and staff.jurisdiction == session.case.jurisdiction


@transaction.atomic
def mediation_open(
    *,
    case: Case,
    actor: Staff,
    mediator: Staff,
    held_at: datetime,
    parties: str,
    division: Division | None = None,
    place: str = "",
    notes: str = "",
) -> MediationSession:
    """组织调解: a session with the parties and the mediator, by the actor's department or
    through a mediation body (调解中心/线上团队) of the county."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not may_mediate(actor, case):
        raise PermissionDenied(_("您无权组织本案调解。"))
    if case.state not in MEDIATION_STATES:
        raise ValidationError(_("案件当前状态不能组织调解。"), code="state")
    errors: dict[str, list[str]] = {}
    if not (parties or "").strip():
        errors["parties"] = [_("请填写参加调解的当事人。")]
    if division is not None and (
        division.kind not in MEDIATION_DIVISION_KINDS or division.department.jurisdiction_id != case.jurisdiction_id
    ):
        errors["division"] = [_("请选择本旗县的调解中心或线上团队。")]
    if mediator.department_id is None or mediator.jurisdiction != case.jurisdiction or not mediator.is_active:
        errors["mediator"] = [_("调解员应为本旗县的工作人员。")]
    # 调解时间: a session of this case (not before it was received), planned within reach.
    label = _("调解时间")
    dates.collect(
        errors, dates.not_before_received, held_at, received_at=case.received_at, field="held_at", label=label
    )
    dates.collect(errors, dates.within_plan_horizon, held_at, field="held_at", label=label)
    if errors:
        raise ValidationError(errors)
    if MediationSession.objects.filter(case=case, result=MediationResult.PENDING).exists():
        raise ValidationError(_("本案已有进行中的调解，请先记录其结果。"), code="state")
    department_id = division.department_id if division is not None else actor.department_id
    assert department_id is not None  # may_mediate checked the actor has a department
    session = MediationSession.objects.create(
        case=case,
        department_id=department_id,
        division=division,
        mediator=mediator,
        held_at=held_at,
        place=place.strip(),
        parties=parties.strip(),
        notes=notes.strip(),
    )
    body = str(division) if division else str(actor.department)
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.MEDIATION,
        summary=f"组织调解（{body}，调解员{mediator}）",
        data={"mediation": session.pk, "step": "opened", "held_at": held_at.isoformat()},
    )
    return session


@transaction.atomic
def mediation_record_result(
    *,
    session: MediationSession,
    actor: Staff,
    result: str,
    agreement: str = "",
    notes: str = "",
    decision_result: str = "",
    legal_basis: str = "",
) -> MediationSession:
    """记录调解结果. An agreement becomes the case's draft decision (created, or the current
    draft updated) with ``from_mediation``; no agreement leaves handling to go on."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=session.case_id)
    session = MediationSession.objects.select_for_update(of=("self",)).select_related("case").get(pk=session.pk)
    if not may_record(actor, session):
        raise PermissionDenied(_("您无权记录该调解的结果。"))
    if session.result != MediationResult.PENDING:
        raise ValidationError(_("该调解已记录结果。"), code="state")
    now = timezone.now()
    if session.held_at > now + dates.CLOCK_TOLERANCE:  # a result is recorded once the session is held
        dates.refuse(
            "result",
            _("调解定于%(at)s举行，举行后才能记录结果。") % {"at": dates.shown(session.held_at)},
            "not_held",
        )
    notes = (notes or "").strip()
    if result == MediationResult.AGREEMENT:
        errors: dict[str, list[str]] = {}
        if not (agreement or "").strip():
            errors["agreement"] = [_("请填写调解协议内容。")]
        if decision_result not in DecisionResult.values:
            errors["decision_result"] = [_("请选择调解协议对应的处理结论。")]
        if errors:
            raise ValidationError(errors)
        if case.decisions.filter(status=DecisionStatus.ISSUED).exists():
            raise ValidationError(_("本案处理意见已出具，调解协议不能再形成处理意见。"), code="state")
        decision = _decision_from_agreement(
            case=case,
            actor=actor,
            agreement=agreement.strip(),
            result=decision_result,
            legal_basis=legal_basis.strip(),
            now=now,
        )
        MediationSession.objects.filter(pk=session.pk).update(
            result=result, agreement=agreement.strip(), notes=notes or session.notes
        )
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=EventKind.MEDIATION,
            summary=f"调解达成协议，形成处理意见草稿（{DecisionResult(decision_result).label}）",
            data={"mediation": session.pk, "step": "agreement", "decision": decision.pk},
        )
        kept.refresh([case])  # a mediation agreement: the decision waits on the receiving department
    elif result == MediationResult.NO_AGREEMENT:
        MediationSession.objects.filter(pk=session.pk).update(result=result, notes=notes or session.notes)
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=EventKind.MEDIATION,
            summary="调解未达成协议，继续办理",
            data={"mediation": session.pk, "step": "no_agreement", "reason": notes},
        )
    else:
        raise ValidationError({"result": [_("请选择调解结果。")]})
    session.refresh_from_db()
    return session


def _decision_from_agreement(
    *, case: Case, actor: Staff, agreement: str, result: str, legal_basis: str, now: datetime
) -> Decision:
    facts = f"经调解，双方达成协议：{agreement}"
    draft = case.decisions.select_for_update().filter(status=DecisionStatus.DRAFT).order_by("-id").first()
    if draft is None:
        return Decision.objects.create(
            case=case,
            request=case.claims or case.summary,
            facts_and_reasons=facts,
            result=result,
            legal_basis=legal_basis,
            drafted_by=actor,
            updated_at=now,
            from_mediation=True,
        )
    changes: dict[str, object] = {
        "facts_and_reasons": facts,
        "result": result,
        "from_mediation": True,
        "drafted_by": actor,
        "updated_at": now,
        "version": F("version") + 1,  # a legal review of the old text no longer counts
    }
    if legal_basis:
        changes["legal_basis"] = legal_basis
    Decision.objects.filter(pk=draft.pk).update(**changes)
    draft.refresh_from_db()
    # The digest of the content a 司法局 review covers (``Decision.save`` keeps it; this UPDATE
    # bypasses save): a review of the text before the agreement must not count for the new one.
    digest = draft.compute_digest()
    if digest != draft.content_digest:
        Decision.objects.filter(pk=draft.pk).update(content_digest=digest)
        draft.content_digest = digest
    return draft
