"""Writing the audit trail (五(三)(四)): :func:`record` is the one way a record is made."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from fengqiao.audit import chain
from fengqiao.audit.models import AuditRecord, CaseRef, ChainHead, Result
from fengqiao.core.signin import client_ip as address_of

# Stream of records outside any county (an administrator without a department, a failed sign-in
# of an unknown name).
SYSTEM_STREAM = 0


def client_ip(request: HttpRequest | None) -> str | None:
    """Where the request came from — the address the sign-in lockout and the throttles count
    by (``core.signin.client_ip``: REMOTE_ADDR, or the proxy's FENGQIAO_CLIENT_IP_HEADER)."""
    if request is None:
        return None
    address = address_of(request) or None
    try:  # stored as the column stores it (IPv6 shortened), so the link covers what is kept
        return AuditRecord._meta.get_field("ip").get_prep_value(address)
    except ValidationError:
        return None


def _stream_of(actor: Any, case: CaseRef | None) -> int:
    if case is not None:
        return int(case.jurisdiction_id)
    department_id = getattr(actor, "department_id", None)
    if department_id:
        from fengqiao.org.models import Department

        jurisdiction_id = Department.objects.filter(pk=department_id).values_list("jurisdiction_id", flat=True).first()
        return int(jurisdiction_id or SYSTEM_STREAM)
    return SYSTEM_STREAM


def _head(stream: int) -> ChainHead:
    """The stream's head, locked until the surrounding transaction ends (created at its first record)."""
    head = ChainHead.objects.select_for_update().filter(stream=stream).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            ChainHead.objects.create(stream=stream, seq=0, link=chain.GENESIS)
    except IntegrityError:  # another request created it first
        pass
    return ChainHead.objects.select_for_update().get(stream=stream)


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    result: str = Result.OK,
    case: CaseRef | None = None,
    object_type: str = "",
    object_id: object = "",
    summary: str = "",
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditRecord:
    """Append one record to its county's chain: who (``actor``, or ``actor_name`` for a name that
    is no account), when (now), from where (``request``), what (``action``, the case or object, a
    summary and details — never personal data in plaintext), and the ``result``.

    Runs in the caller's transaction when there is one (a step that rolls back takes its record
    with it); a denied or failed attempt is recorded outside the failing transaction."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_name is None:
        actor_name = actor.get_username() if actor is not None else ""
    entry = AuditRecord(
        at=timezone.now(),
        actor=actor,
        actor_name=actor_name[:150],
        action=action,
        result=result,
        ip=client_ip(request),
        case_id=case.pk if case is not None else None,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        summary=(summary or str(dict(AuditRecord._meta.get_field("action").flatchoices).get(action, action)))[:255],
        detail=detail or {},
    )
    entry.stream = _stream_of(actor, case)
    with transaction.atomic():
        head = _head(entry.stream)
        entry.seq = head.seq + 1
        entry.prev = head.link
        entry.key_id, entry.link = chain.link(entry.prev, entry.chain_fields())
        entry.save(force_insert=True)
        ChainHead.objects.filter(stream=entry.stream).update(seq=entry.seq, link=entry.link)
    return entry
