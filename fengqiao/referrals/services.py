"""Every write of 报送办理 (四(八)). Each function is one transaction: the case row is locked
first, then the referral (always in that order); ``expected_version`` is the referral's
version as read and refuses a stale page; every step writes a ``referral`` event on the case
timeline (the timeline of a refusal is read back from these events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, EventKind, sealed_check
from fengqiao.cases.states import CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.core import calendar, timelimits
from fengqiao.org.models import Department, Staff
from fengqiao.referrals import permissions
from fengqiao.referrals.models import (
    DisciplineTransfer,
    Referral,
    ReferralKind,
    ReferralStatus,
    TransferGround,
)

# After this many returns the hotline office designates the handling department (12345 practice).
DESIGNATE_AFTER_RETURNS = 3
KIND_LIMITS = {
    ReferralKind.COMPLAINT: timelimits.REFERRAL_COMPLAINT,
    ReferralKind.CONSULTATION: timelimits.REFERRAL_CONSULTATION,
}


def _for_update(qs: Any) -> Any:
    if connection.features.has_select_for_update_of:
        return qs.select_for_update(of=("self",))
    return qs.select_for_update()


def _lock(referral: Referral) -> Referral:
    """Lock the case, then the referral, and return the fresh referral."""
    case: Case = _for_update(Case.objects.filter(pk=referral.case_id).select_related("jurisdiction")).get()
    sealed_check(case)  # 四(七): a sealed case is refused before the step's own state check
    locked: Referral = _for_update(Referral.objects.filter(pk=referral.pk).select_related("department")).get()
    locked.case = case
    return locked


def _stale_check(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != referral.version:
        raise TransitionError(_("该报送单已被他人更新，请刷新页面后重试。"), code="stale")


def _state_error(message: str) -> TransitionError:
    return TransitionError(message, code="state")


def _today() -> date:
    return calendar.local_day(timezone.now())


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("请写明理由。")]})
    return reason


def _save(
    referral: Referral, *, actor: Staff, summary: str, step: str, kind: str = EventKind.REFERRAL, **data: Any
) -> None:
    referral.version += 1
    referral.save()
    CaseEvent.objects.create(
        case=referral.case,
        at=timezone.now(),
        actor=actor,
        kind=kind,
        summary=summary[:255],
        data={
            "referral": referral.pk,
            "step": step,
            "status": referral.status,
            "department": referral.department.code if referral.department else "",
            **data,
        },
    )


def _case_due_set(referral: Referral, code: str, start: date) -> date:
    """The case's deadline follows the referral: 承办部门应在规定时限内进行办理并反馈 (四(八)).

    ``Case.due_on`` is the limit of the case's current step (docs/deadlines.md) — what the
    workbench, the overdue lists, the 催办 job and the decision's ``due_was`` read — so each
    referral step sets it to the step's ``core.TimeLimit`` counted from ``start``, with the
    limit and start recorded (``due_limit``/``due_from``) so a missing year's holidays
    recompute it (``handling.followthrough.recompute``), and ``version + 1`` as an extension does. Returns
    the due day, for the referral's own ``sign_due_on`` / ``handle_due_on``. The case row is
    locked (``_lock``) and a referred case is never sealed."""
    due = timelimits.due(code, start)
    case = referral.case
    fields: dict[str, Any] = {
        "due_on": due.day,
        "due_provisional": due.provisional,
        "due_limit": code,
        "due_from": start,
    }
    Case.objects.filter(pk=case.pk).update(**fields, version=F("version") + 1)
    for name, value in fields.items():
        setattr(case, name, value)
    case.version += 1
    return due.day


def _department_check(referral: Referral, department: Department) -> None:
    if department.jurisdiction_id != referral.jurisdiction_id or not department.active:
        raise ValidationError({"department": [_("承办部门须是本旗县的在用部门。")]})
    if department.pk == referral.case.receiving_department_id:
        raise ValidationError({"department": [_("不能派回受理部门（职责不清的事项由受理部门报送）。")]})


@transaction.atomic
def referral_create(*, case: Case, actor: Staff, reason: str) -> Referral:
    """填写报送单，移交旗政府办: called by ``cases.services.case_review`` when the matter is
    classified as unclear. The form is rendered by the document engine; the case waits in
    state referred."""
    from fengqiao.documents.services import document_issue

    sealed_check(case)  # 四(七): the archive's message before the state's
    if case.state != CaseState.REFERRED:
        raise _state_error(_("只有职责不清、已报送办理的案件可以填写报送单。"))
    now = timezone.now()
    referral = Referral.objects.create(
        case=case, jurisdiction_id=case.jurisdiction_id, reason=_reason(reason), sent_by=actor, sent_at=now
    )
    document = document_issue(doc_type="referral_form", case=case, actor=actor)
    referral.form_document = document
    _save(
        referral,
        actor=actor,
        step="sent",
        summary=_("填写报送单（%(n)s），移交旗政府办12345热线办") % {"n": document.number},
        document=document.pk,
    )
    return referral


@transaction.atomic
def referral_work_order_set(
    *, referral: Referral, actor: Staff, work_order_number: str, expected_version: int | None = None
) -> Referral:
    """登记12345工单号 (the hotline office, or later the platform integration)."""
    referral = _lock(referral)
    if not permissions.may_dispatch(actor, referral):
        raise PermissionDenied(_("只有本旗县12345热线办可以登记工单号。"))
    _stale_check(referral, expected_version)
    number = (work_order_number or "").strip()
    if not number:
        raise ValidationError({"work_order_number": [_("请填写12345工单号。")]})
    if (
        Referral.objects.filter(jurisdiction_id=referral.jurisdiction_id, work_order_number=number)
        .exclude(pk=referral.pk)
        .exists()
    ):
        raise ValidationError({"work_order_number": [_("工单号“%(n)s”已用于本旗县的其他报送单。") % {"n": number}]})
    referral.work_order_number = number
    try:
        with transaction.atomic():
            _save(referral, actor=actor, step="work_order", summary=_("登记12345工单号 %(n)s") % {"n": number})
    except IntegrityError:
        raise ValidationError(
            {"work_order_number": [_("工单号“%(n)s”已用于本旗县的其他报送单。") % {"n": number}]}
        ) from None
    return referral


def _send_to(referral: Referral, department: Department, kind: str | None) -> None:
    if kind:
        if kind not in ReferralKind.values:
            raise ValidationError({"kind": [_("请选择类别（投诉类 / 咨询类）。")]})
        referral.kind = kind
    referral.department = department
    referral.status = ReferralStatus.DISPATCHED
    referral.dispatched_at = timezone.now()
    referral.sign_due_on = _case_due_set(referral, timelimits.REFERRAL_SIGN, _today())
    referral.handle_due_on = None
    CaseDepartment.objects.get_or_create(case=referral.case, department=department, role=CaseDepartment.Role.CO)


@transaction.atomic
def referral_dispatch(
    *,
    referral: Referral,
    actor: Staff,
    department: Department,
    kind: str | None = None,
    expected_version: int | None = None,
) -> Referral:
    """派单 / 重新派单: 按照部门职责转交承办部门办理 — a new referral, a returned one, or one not
    yet signed for, goes to ``department``, which signs within 1 working day."""
    referral = _lock(referral)
    if not permissions.may_dispatch(actor, referral):
        raise PermissionDenied(_("只有本旗县12345热线办可以派单。"))
    _stale_check(referral, expected_version)
    if referral.status not in (ReferralStatus.SENT, ReferralStatus.RETURNED, ReferralStatus.DISPATCHED):
        raise _state_error(_("报送单当前状态为“%(s)s”，不能派单。") % {"s": referral.get_status_display()})
    if referral.designated:
        raise _state_error(_("已指定承办部门，不能再派单。"))
    if referral.returns >= DESIGNATE_AFTER_RETURNS:
        raise _state_error(_("已退回%(n)d次，应由热线办指定承办部门。") % {"n": referral.returns})
    _department_check(referral, department)
    again = referral.status != ReferralStatus.SENT
    _send_to(referral, department, kind)
    referral.return_rejected = False
    _save(
        referral,
        actor=actor,
        step="redispatched" if again else "dispatched",
        summary=(_("热线办重新派单至%(d)s") if again else _("热线办派单至%(d)s")) % {"d": department.name},
        sign_due_on=referral.sign_due_on.isoformat() if referral.sign_due_on else "",
    )
    return referral


@transaction.atomic
def referral_designate(
    *,
    referral: Referral,
    actor: Staff,
    department: Department,
    kind: str | None = None,
    expected_version: int | None = None,
) -> Referral:
    """指定承办: after three returns the hotline office designates the handling department,
    which may not return it (12345 practice)."""
    referral = _lock(referral)
    if not permissions.may_dispatch(actor, referral):
        raise PermissionDenied(_("只有本旗县12345热线办可以指定承办部门。"))
    _stale_check(referral, expected_version)
    if referral.status != ReferralStatus.RETURNED or referral.returns < DESIGNATE_AFTER_RETURNS:
        raise _state_error(_("退回满%(n)d次后方可指定承办部门。") % {"n": DESIGNATE_AFTER_RETURNS})
    _department_check(referral, department)
    _send_to(referral, department, kind)
    referral.designated = True
    _save(
        referral, actor=actor, step="designated", summary=_("热线办指定%(d)s承办（不得退回）") % {"d": department.name}
    )
    return referral


@transaction.atomic
def referral_sign(*, referral: Referral, actor: Staff, expected_version: int | None = None) -> Referral:
    """签收: the department accepts the referral; its handling limit starts (15 working days
    for a complaint, 5 for a consultation)."""
    referral = _lock(referral)
    if not permissions.may_work(actor, referral):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以签收。"))
    _stale_check(referral, expected_version)
    if referral.status != ReferralStatus.DISPATCHED:
        raise _state_error(_("只有待签收的报送单可以签收。"))
    referral.status = ReferralStatus.SIGNED
    referral.signed_at = timezone.now()
    referral.handle_due_on = _case_due_set(referral, KIND_LIMITS[ReferralKind(referral.kind)], _today())
    _save(
        referral,
        actor=actor,
        step="signed",
        summary=_("%(d)s签收报送单，%(k)s，办理期限%(due)s")
        % {"d": referral.department, "k": referral.get_kind_display(), "due": referral.handle_due_on},
        handle_due_on=referral.handle_due_on.isoformat(),
    )
    return referral


@transaction.atomic
def referral_return(*, referral: Referral, actor: Staff, reason: str, expected_version: int | None = None) -> Referral:
    """退回: a department returns a referral that is not its duty, with reasons, within 1
    working day. A designated department, or one whose reasons the office rejected, may not."""
    referral = _lock(referral)
    if not permissions.may_work(actor, referral):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以退回。"))
    _stale_check(referral, expected_version)
    if referral.status != ReferralStatus.DISPATCHED:
        raise _state_error(_("只有待签收的报送单可以退回。"))
    if referral.designated:
        raise _state_error(_("指定承办的事项不得退回。"))
    if referral.return_rejected:
        raise _state_error(_("热线办已认定退回理由不成立，应当签收办理。"))
    if referral.sign_due_on and _today() > referral.sign_due_on:
        raise _state_error(_("已超过退回期限（%(d)s），应当签收办理。") % {"d": referral.sign_due_on})
    referral.return_reason = _reason(reason)
    referral.status = ReferralStatus.RETURNED
    referral.returns += 1
    # Back with the office to re-dispatch: the limit the case had on first reaching it
    # (``cases.workflow`` ``route_unclear``), from today — not the department's passed one.
    _case_due_set(referral, timelimits.REFERRAL_SIGN, _today())
    _save(
        referral,
        actor=actor,
        step="returned",
        summary=_("%(d)s退回报送单（第%(n)d次）：%(r)s")
        % {"d": referral.department, "n": referral.returns, "r": referral.return_reason},
        reason=referral.return_reason,
        returns=referral.returns,
    )
    return referral


@transaction.atomic
def referral_return_reject(
    *, referral: Referral, actor: Staff, reason: str, expected_version: int | None = None
) -> Referral:
    """退回理由不成立: the office rejects the department's reasons and sends it back to the same
    department, which must now sign for and handle it (a new 1-working-day limit to sign)."""
    referral = _lock(referral)
    if not permissions.may_dispatch(actor, referral):
        raise PermissionDenied(_("只有本旗县12345热线办可以认定退回理由不成立。"))
    _stale_check(referral, expected_version)
    if referral.status != ReferralStatus.RETURNED or referral.department is None:
        raise _state_error(_("只有已退回的报送单可以认定退回理由不成立。"))
    text = _reason(reason)
    _send_to(referral, referral.department, None)
    referral.return_rejected = True
    _save(
        referral,
        actor=actor,
        step="return_rejected",
        summary=_("热线办认定%(d)s的退回理由不成立，发回办理：%(r)s") % {"d": referral.department, "r": text},
        reason=text,
    )
    return referral


@transaction.atomic
def referral_feedback(
    *,
    referral: Referral,
    actor: Staff,
    request: str,
    facts_and_reasons: str,
    result: str,
    legal_basis: str,
    remedies: Sequence[dict[str, str]],
    feedback_to_office: str,
    expected_version: int | None = None,
) -> Referral:
    """办理反馈: the department's answer to the payer and to the 12345 hotline office. The answer
    becomes the case's decision (``handling.services.decision_save`` and ``decision_issue``: the
    处理意见书 is issued, the case moves to decided) and the normal feedback and follow-up path
    continues."""
    from fengqiao.handling import services as handling

    referral = _lock(referral)
    if not permissions.may_work(actor, referral):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以反馈办理结果。"))
    _stale_check(referral, expected_version)
    if referral.status != ReferralStatus.SIGNED:
        raise _state_error(_("签收后方可反馈办理结果。"))
    office_text = (feedback_to_office or "").strip()
    if not office_text:
        raise ValidationError({"feedback_to_office": [_("请填写向12345热线办反馈的办理情况。")]})
    draft = handling.decision_save(
        case=referral.case,
        actor=actor,
        request=request,
        facts_and_reasons=facts_and_reasons,
        result=result,
        legal_basis=legal_basis,
        remedies=remedies,
    )
    decision = handling.decision_issue(decision=draft, actor=actor)
    referral.case.refresh_from_db()
    referral.decision = decision
    referral.status = ReferralStatus.ANSWERED
    referral.answered_at = timezone.now()
    referral.feedback_to_office = office_text
    _save(
        referral,
        actor=actor,
        step="answered",
        summary=_("%(d)s办理完毕，已反馈缴费人和12345热线办") % {"d": referral.department},
        decision=decision.pk,
    )
    return referral


def refusal_ground(referral: Referral, today: date | None = None) -> str | None:
    """Whether the department refuses without justification (四(八)): the office rejected its
    reasons for returning it and it still has not signed by the new limit; or it let the
    signing or handling limit pass by the configured margin (``referral_refusal_margin``)."""
    today = today or _today()
    if referral.status not in (ReferralStatus.DISPATCHED, ReferralStatus.SIGNED) or referral.department_id is None:
        return None
    if (
        referral.status == ReferralStatus.DISPATCHED
        and referral.return_rejected
        and referral.sign_due_on
        and today > referral.sign_due_on
    ):
        return TransferGround.RETURN_REJECTED
    deadline = referral.handle_due_on if referral.status == ReferralStatus.SIGNED else referral.sign_due_on
    if deadline is not None:
        margin = timelimits.due(timelimits.REFERRAL_REFUSAL_MARGIN, deadline).day
        if today > margin:
            return TransferGround.OVERDUE
    return None


@transaction.atomic
def discipline_transfer(
    *, referral: Referral, actor: Staff, note: str = "", expected_version: int | None = None
) -> DisciplineTransfer:
    """移交纪委监委: 若无正当理由且拒不处理属于本职能部门的争议，由受理部门将案件线索移交给纪委监委
    处理 (四(八)). The transfer record and the 移交函 (the case's facts, the timeline of the
    refusal, the list of documents) are made together."""
    from fengqiao.documents.services import document_issue

    referral = _lock(referral)
    case = referral.case
    if not permissions.may_transfer(actor, case):
        raise PermissionDenied(_("只有受理部门可以将案件线索移交纪委监委。"))
    _stale_check(referral, expected_version)
    if DisciplineTransfer.objects.filter(referral=referral).exists():
        raise _state_error(_("该案件线索已移交纪委监委。"))
    ground = refusal_ground(referral)
    if ground is None:
        raise _state_error(_("承办部门尚不构成无正当理由拒不处理，不能移交纪委监委。"))
    assert referral.department is not None
    transfer = DisciplineTransfer.objects.create(
        referral=referral,
        case=case,
        jurisdiction_id=referral.jurisdiction_id,
        refusing_department=referral.department,
        ground=ground,
        note=(note or "").strip(),
        transferred_by=actor,
        transferred_at=timezone.now(),
    )
    letter = document_issue(doc_type="discipline_transfer_letter", case=case, actor=actor)
    DisciplineTransfer.objects.filter(pk=transfer.pk).update(letter=letter)
    transfer.letter = letter
    _save(
        referral,
        actor=actor,
        step="transferred",
        kind=EventKind.TRANSFER,
        summary=_("受理部门将%(d)s拒不办理的案件线索移交纪委监委（%(n)s）")
        % {"d": referral.department, "n": letter.number},
        transfer=transfer.pk,
        ground=ground,
        document=letter.pk,
    )
    return transfer
