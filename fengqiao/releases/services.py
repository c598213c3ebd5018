"""Every write of 信息发布审批 (五(三)): request, decide, withdraw, and use an approval.

The state moves by one table (``TRANSITIONS``); each step locks the request, checks its state
and actor, and writes its audit record in the same transaction. A refused attempt (not an
approver, self-approval, another county, a release without approval) is recorded as denied
outside the failing transaction and raised as ``PermissionDenied`` with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import trail
from fengqiao.audit.models import Action, Result
from fengqiao.releases import permissions, selectors
from fengqiao.releases.models import CASE_KINDS, ReleaseKind, ReleaseRequest, ReleaseState

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff

OBJECT_TYPE = "releases.releaserequest"
MAX_USES = 10
MAX_VALIDITY_DAYS = 90
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: What a release of a case's information refers to, for a kind an app above releases holds,
#: registered by that app in its ``AppConfig.ready()`` (archive: a dossier, by its archive
#: number). The function gives the reference, or raises ``ValidationError`` with the message
#: the case field shows (nothing to release yet). Other case kinds refer to the case's number.
_case_references: dict[str, Callable[[Case], str]] = {}


def case_reference_register(kind: str, reference: Callable[[Case], str]) -> None:
    _case_references[kind] = reference


#: step → (from states, to state). ``use`` keeps the request approved until its last use.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({ReleaseState.PENDING}), ReleaseState.APPROVED),
    "refuse": (frozenset({ReleaseState.PENDING}), ReleaseState.REFUSED),
    "withdraw": (frozenset({ReleaseState.PENDING, ReleaseState.APPROVED}), ReleaseState.WITHDRAWN),
    "use": (frozenset({ReleaseState.APPROVED}), ReleaseState.RELEASED),
}


class ReleaseRequired(PermissionDenied):
    """Personal data may not go out without an approved, unexpired information release."""


def _check_state(release: ReleaseRequest, step: str) -> None:
    sources, _target = TRANSITIONS[step]
    if release.state not in sources:
        raise ValidationError(
            _("信息发布申请当前状态为“%(s)s”，不能执行此操作。") % {"s": release.get_state_display()}, code="state"
        )


def _denied(action: str, *, actor: Staff, release: ReleaseRequest | None, case: Case | None, reason: str) -> None:
    """Record a refused step (outside the refused transaction), then raise it."""
    trail.note(
        action,
        actor=actor,
        result=Result.DENIED,
        case=case,
        object_type=OBJECT_TYPE if release is not None else "",
        object_id=release.pk if release is not None else "",
        summary=reason,
    )
    raise PermissionDenied(reason)


def _detail(release: ReleaseRequest) -> dict[str, Any]:
    """What the audit chain keeps of a request: kind, object and recipient — never personal
    data of a party."""
    return {
        "kind": release.kind,
        "reference": release.reference,
        "recipient_organisation": release.recipient_organisation,
        "recipient_person": release.recipient_person,
        "state": release.state,
    }


def _clean_text(errors: dict[str, list[str]], field: str, value: str, label: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(_("请填写%(l)s。") % {"l": label})
    elif limit is not None and len(value) > limit:
        errors.setdefault(field, []).append(_("%(l)s不能超过%(n)d个字。") % {"l": label, "n": limit})
    return value


@transaction.atomic
def release_request(
    *,
    actor: Staff,
    kind: str,
    case: Case | None,
    description: str,
    recipient_organisation: str,
    recipient_person: str,
    purpose: str,
    legal_basis: str,
    reference: str = "",
    uses: int = 1,
    validity_days: int = 30,
) -> ReleaseRequest:
    """信息发布申请: ask to give ``description`` to ``recipient_organisation`` /
    ``recipient_person`` for ``purpose`` under ``legal_basis``. ``case`` (fetched through
    ``case_get_for``) for a case's dossier or documents; a dossier must be sealed (its archive
    number becomes the reference); a month's analysis names its month (YYYY-MM)."""
    if kind not in ReleaseKind.values:
        raise ValidationError({"kind": [_("请选择信息类别。")]})
    if kind not in CASE_KINDS:
        case = None
    elif case is None:
        raise ValidationError({"case": [_("请填写案件编号。")]})
    if not permissions.may_request(actor, kind, case):
        raise PermissionDenied(_("您无权申请发布该信息。"))
    errors: dict[str, list[str]] = {}
    description = _clean_text(errors, "description", description, _("发布或提供的信息"), 2000)
    recipient_organisation = _clean_text(errors, "recipient_organisation", recipient_organisation, _("接收单位"), 128)
    recipient_person = _clean_text(errors, "recipient_person", recipient_person, _("接收人"), 64)
    purpose = _clean_text(errors, "purpose", purpose, _("用途"), 2000)
    legal_basis = _clean_text(errors, "legal_basis", legal_basis, _("依据"), 255)
    reference = (reference or "").strip()[:64]
    if not 1 <= uses <= MAX_USES:
        errors["uses"] = [_("批准使用次数须在1至%(n)d之间。") % {"n": MAX_USES}]
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        errors["validity_days"] = [_("批准有效期须在1至%(n)d天之间。") % {"n": MAX_VALIDITY_DAYS}]
    if kind in _case_references and case is not None:
        try:
            reference = _case_references[kind](case)
        except ValidationError as exc:
            errors["case"] = list(exc.messages)
    elif kind in CASE_KINDS and case is not None:
        reference = case.number
    if kind == ReleaseKind.ANALYSIS and not MONTH.match(reference):
        errors["reference"] = [_("请填写月份，格式为YYYY-MM。")]
    if errors:
        raise ValidationError(errors)
    county = case.jurisdiction if case is not None else actor.jurisdiction
    assert county is not None  # may_request: the actor works in a county
    release = ReleaseRequest.objects.create(
        jurisdiction=county,
        kind=kind,
        case=case,
        reference=reference,
        description=description,
        recipient_organisation=recipient_organisation,
        recipient_person=recipient_person,
        purpose=purpose,
        legal_basis=legal_basis,
        uses=uses,
        validity_days=validity_days,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    trail.note(
        Action.RELEASE_REQUEST,
        actor=actor,
        case=case,
        object_type=OBJECT_TYPE,
        object_id=release.pk,
        summary=_("申请向%(o)s提供%(k)s") % {"o": recipient_organisation, "k": release.get_kind_display()},
        detail=_detail(release),
    )
    return release


def release_decide(*, release: ReleaseRequest, actor: Staff, approve: bool, reason: str) -> ReleaseRequest:
    """信息发布审批: an approver of the county (not the requester) approves or refuses with a
    reason; an approval runs ``validity_days`` from now."""
    if not permissions.may_decide(actor, release):
        message = (
            _("不能审批本人提出的信息发布申请。")
            if release.requested_by_id == actor.pk
            else _("您不是本旗县信息发布的审批人。")
        )
        _denied(Action.RELEASE_DECISION, actor=actor, release=release, case=release.case, reason=message)
    return _decide(release=release, actor=actor, approve=approve, reason=reason)


@transaction.atomic
def _decide(*, release: ReleaseRequest, actor: Staff, approve: bool, reason: str) -> ReleaseRequest:
    release = ReleaseRequest.objects.select_for_update().get(pk=release.pk)
    step = "approve" if approve else "refuse"
    _check_state(release, step)
    reason = (reason or "").strip()
    if not reason and not approve:
        raise ValidationError({"reason": [_("不予批准须写明理由。")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("审批意见不能超过2000个字。")]})
    now = timezone.now()
    release.state = TRANSITIONS[step][1]
    release.decided_by = actor
    release.decided_at = now
    release.decision_reason = reason or _("同意。")
    release.expires_at = now + timedelta(days=release.validity_days) if approve else None
    release.save(update_fields=["state", "decided_by", "decided_at", "decision_reason", "expires_at"])
    trail.note(
        Action.RELEASE_DECISION,
        actor=actor,
        case=release.case,
        object_type=OBJECT_TYPE,
        object_id=release.pk,
        summary=(_("批准信息发布申请") if approve else _("不予批准信息发布申请")),
        detail={**_detail(release), "expires_at": release.expires_at.isoformat() if release.expires_at else ""},
    )
    return release


@transaction.atomic
def release_withdraw(*, release: ReleaseRequest, actor: Staff) -> ReleaseRequest:
    """撤回: the requester withdraws a request not yet decided, or an approval not yet used up."""
    release = ReleaseRequest.objects.select_for_update().get(pk=release.pk)
    if release.requested_by_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以撤回信息发布申请。"))
    _check_state(release, "withdraw")
    release.state = ReleaseState.WITHDRAWN
    release.save(update_fields=["state"])
    trail.note(
        Action.RELEASE_REQUEST,
        actor=actor,
        case=release.case,
        object_type=OBJECT_TYPE,
        object_id=release.pk,
        summary=_("撤回信息发布申请"),
        detail=_detail(release),
    )
    return release


def _use(release: ReleaseRequest, *, actor: Staff, note: str) -> ReleaseRequest:
    """One use of a locked, usable approval: counted, the last one closes it, recorded."""
    now = timezone.now()
    release.used += 1
    release.released_at = now
    if release.used >= release.uses:
        release.state = TRANSITIONS["use"][1]
    release.save(update_fields=["used", "released_at", "state"])
    trail.note(
        Action.RELEASE,
        actor=actor,
        case=release.case,
        object_type=OBJECT_TYPE,
        object_id=release.pk,
        summary=(_("依批准向%(o)s提供%(k)s") % {"o": release.recipient_organisation, "k": release.get_kind_display()}),
        detail={**_detail(release), "use": release.used, "uses": release.uses, "note": note[:255]},
    )
    return release


def _not_usable_reason(release: ReleaseRequest) -> str | None:
    if release.state == ReleaseState.PENDING:
        return _("该信息发布申请尚未审批。")
    if release.state == ReleaseState.REFUSED:
        return _("该信息发布申请未获批准。")
    if release.state == ReleaseState.WITHDRAWN:
        return _("该信息发布申请已撤回。")
    if release.state == ReleaseState.RELEASED or release.used >= release.uses:
        return _("该批准的使用次数已用完。")
    if release.expired:
        return _("该批准已过有效期。")
    return None


def release_record(*, release: ReleaseRequest, actor: Staff, note: str = "") -> ReleaseRequest:
    """记录发布: the requester records that the approved information was given (documents, a
    month's analysis, other information, handed over outside the system) — one use."""
    if release.requested_by_id != actor.pk:
        _denied(Action.RELEASE, actor=actor, release=release, case=release.case, reason=_("只有申请人可以记录发布。"))
    if release.kind == ReleaseKind.DOSSIER:
        raise ValidationError({"kind": [_("归档包在案件页下载，下载即记录发布。")]})
    with transaction.atomic():
        locked = ReleaseRequest.objects.select_for_update().get(pk=release.pk)
        reason = _not_usable_reason(locked)
        if reason is None:
            return _use(locked, actor=actor, note=note)
    _denied(Action.RELEASE, actor=actor, release=release, case=release.case, reason=reason)
    raise AssertionError("unreachable")


def release_use_for(*, actor: Staff, kind: str, case: Case | None, what: str) -> ReleaseRequest:
    """Called inside the transaction that lets the information go out (e.g. the dossier's
    export package): use the actor's approved, unexpired request of ``kind`` for ``case``, or
    raise ``ReleaseRequired`` — the caller records the denial outside its transaction."""
    found = selectors.usable_for(user=actor, kind=kind, case=case)
    if found is not None:
        locked = ReleaseRequest.objects.select_for_update().get(pk=found.pk)
        if _not_usable_reason(locked) is None:
            return _use(locked, actor=actor, note=what)
    raise ReleaseRequired(
        _("%(w)s含个人信息，须经信息发布审批：请先提出申请，经审批人批准后在有效期内导出。") % {"w": what}
    )
