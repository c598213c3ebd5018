"""Every write of 责任追究 (五(四) 严格责任追究). Each function is one transaction; a decision locks
the record and refuses a stale page (``expected_version``); every write is in the audit trail
(``audit.services.record``) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accountability import permissions
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.audit.models import Action
from fengqiao.audit.services import record as audit_record
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import TransitionError
from fengqiao.org.models import Department, Jurisdiction, Staff

if TYPE_CHECKING:
    from fengqiao.opinion.models import OnlineItem

#: The audit trail's actions of this app (``audit.AuditRecord.action``).
AUDIT_PROPOSE = Action.ACCOUNTABILITY_PROPOSE
AUDIT_CONFIRM = Action.ACCOUNTABILITY_CONFIRM
AUDIT_DISMISS = Action.ACCOUNTABILITY_DISMISS
#: Longest facts, decision or reason accepted (a page of text).
TEXT_MAX = 4000


def _audit(action: str, record: AccountabilityRecord, actor: Staff | None, **detail: object) -> None:
    audit_record(
        action,
        actor=actor,
        case=record.case,
        object_type="accountability.record",
        object_id=record.pk,
        summary=f"{Action(action).label}：{record.department}（{record.get_failure_display()}）",
        detail={
            "department": record.department.code,
            "failure": record.failure,
            "source": record.source_key or "",
            "status": record.status,
            **detail,
        },
    )


def _text(value: str, field: str, *, required: bool, message: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [message]})
    if len(value) > TEXT_MAX:
        raise ValidationError({field: [_("不能超过%(n)d个字。") % {"n": TEXT_MAX}]})
    return value


@dataclass(frozen=True)
class RecordData:
    """What the hand-entry form and the API give: the department (and perhaps a person of it),
    the failure, the facts, perhaps a case or an online item, and perhaps the decision taken."""

    department: Department | None
    failure: str
    facts: str
    person: Staff | None = None
    case: Case | None = None
    item: OnlineItem | None = None
    decision: str = ""


def _checked(county: Jurisdiction, data: RecordData) -> dict[str, object]:
    """Every field checked at once, errors keyed by field; nothing is written before."""
    errors: dict[str, list[str]] = {}
    department = data.department
    if department is None:
        errors["department"] = [_("请选择责任部门。")]
    elif department.jurisdiction_id != county.pk or not department.active:
        errors["department"] = [_("该部门不属于本旗县或已停用。")]
    if data.failure not in Failure.values:
        errors["failure"] = [_("请选择追责事由。")]
    if data.person is not None and (department is None or data.person.department_id != department.pk):
        errors["person"] = [_("责任人须为责任部门的工作人员。")]
    if data.case is not None and data.case.jurisdiction_id != county.pk:
        errors["case"] = [_("案件不属于本旗县。")]
    item = data.item
    if item is not None and getattr(item, "jurisdiction_id", None) != county.pk:
        errors["item"] = [_("舆情不属于本旗县。")]
    cleaned: dict[str, object] = {}
    for field, required, message in (
        ("facts", True, _("请写明事实。")),
        ("decision", False, ""),
    ):
        try:
            cleaned[field] = _text(getattr(data, field), field, required=required, message=message)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def record_enter(*, actor: Staff, data: RecordData) -> AccountabilityRecord:
    """人工录入 a record (the group office): proposed, or confirmed at once when the decision
    taken is already written."""
    county = actor.jurisdiction
    if county is None or not permissions.may_decide(actor, county.pk):
        raise PermissionDenied
    cleaned = _checked(county, data)
    assert data.department is not None  # checked above
    now = timezone.now()
    decision = str(cleaned["decision"])
    record = AccountabilityRecord.objects.create(
        jurisdiction=county,
        department=data.department,
        person=data.person,
        failure=data.failure,
        case=data.case,
        item=data.item,
        facts=str(cleaned["facts"]),
        decision=decision,
        status=RecordStatus.CONFIRMED if decision else RecordStatus.PROPOSED,
        proposed_at=now,
        proposed_by=actor,
        decided_by=actor if decision else None,
        decided_at=now if decision else None,
    )
    _audit(AUDIT_PROPOSE, record, actor, by_hand=True)
    if decision:
        _audit(AUDIT_CONFIRM, record, actor)
    return record


def proposal_make(
    *,
    source_key: str,
    county: Jurisdiction,
    department: Department,
    failure: str,
    facts: str,
    case: Case | None = None,
    item: OnlineItem | None = None,
    person: Staff | None = None,
) -> AccountabilityRecord | None:
    """One proposal by the system from the event ``source_key``, once: None when that event was
    proposed before (by an earlier run or another worker at the same moment). The record and
    its audit record are one transaction."""
    if AccountabilityRecord.objects.filter(source_key=source_key).exists():
        return None
    try:
        with transaction.atomic():
            record = AccountabilityRecord.objects.create(
                jurisdiction=county,
                department=department,
                person=person,
                failure=failure,
                case=case,
                item=item,
                source_key=source_key,
                facts=facts[:TEXT_MAX],
                proposed_at=timezone.now(),
            )
            _audit(AUDIT_PROPOSE, record, None, by_hand=False)
    except IntegrityError:
        return None  # proposed a moment ago by another worker
    return record


def _lock(record: AccountabilityRecord, actor: Staff, expected_version: int | None) -> AccountabilityRecord:
    locked = (
        AccountabilityRecord.objects.select_for_update(of=("self",))
        .select_related("department", "case")
        .get(pk=record.pk)
    )
    if not permissions.may_decide(actor, locked.jurisdiction_id):
        raise PermissionDenied
    if expected_version is not None and expected_version != locked.version:
        raise TransitionError(_("该记录已被他人更新，请刷新页面后重试。"), code="stale")
    if locked.status != RecordStatus.PROPOSED:
        raise TransitionError(_("该记录已经%(s)s，不能再次决定。") % {"s": locked.get_status_display()}, code="state")
    return locked


@transaction.atomic
def record_confirm(
    *, record: AccountabilityRecord, actor: Staff, decision: str, expected_version: int | None = None
) -> AccountabilityRecord:
    """确认 a proposal with the decision taken (e.g. 约谈、通报批评、移送纪委监委处理); from then on the
    record counts in the department's scorecard of the month it was confirmed in."""
    text = _text(decision, "decision", required=True, message=_("请写明处理决定。"))
    locked = _lock(record, actor, expected_version)
    locked.decision = text
    locked.status = RecordStatus.CONFIRMED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.version += 1
    locked.save()
    _audit(AUDIT_CONFIRM, locked, actor)
    return locked


@transaction.atomic
def record_dismiss(
    *, record: AccountabilityRecord, actor: Staff, reason: str, expected_version: int | None = None
) -> AccountabilityRecord:
    """不予追究 a proposal, with the reason (e.g. 有正当理由、已另案处理); it counts nowhere."""
    text = _text(reason, "reason", required=True, message=_("请写明不予追究的理由。"))
    locked = _lock(record, actor, expected_version)
    locked.dismiss_reason = text
    locked.status = RecordStatus.DISMISSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.version += 1
    locked.save()
    _audit(AUDIT_DISMISS, locked, actor, reason_length=len(text))
    return locked
