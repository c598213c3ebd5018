"""The outbox: write a message in the business transaction, deliver it later, exactly once per
receiver that keeps the delivery keys it accepted.

Delivery (``outbox_deliver``, every minute through django-q2 and ``manage.py outbox_deliver``)
1. *claims* due messages in a short transaction: ``select_for_update(skip_locked=True)`` on
   PostgreSQL, so several workers share the work without waiting on each other (on SQLite the
   IMMEDIATE transaction serialises them). Claiming counts the attempt and leases the message
   (``next_attempt_at`` moves ``LEASE`` ahead), so no other worker takes it while it is sent;
2. sends it outside any transaction (a slow receiver holds no lock);
3. records the result: 2xx → delivered; otherwise it waits 1, 2, 4 … minutes (at most an hour)
   and is given up as failed after ``settings.OUTBOX_MAX_ATTEMPTS`` tries.

Order: of one ``group``'s pending messages only the oldest is claimed, so a case's status
reports arrive in the order of its events even when the first one needs retries.

A worker that dies between sending and recording leaves the lease to expire and the message
is sent again with the same ``X-Fengqiao-Delivery`` key: the receiver drops the repeat.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from fengqiao.integrations.models import Channel, Endpoint, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

#: How long a claimed message is reserved for the worker sending it.
LEASE = timedelta(minutes=5)
#: The longest wait between two tries.
MAX_BACKOFF = timedelta(hours=1)
USER_AGENT = "fengqiao-outbox/1"


class DeliveryError(Exception):
    """The receiver did not accept the message (non-2xx, timeout, connection error)."""


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SM3 (hex) over ``"<timestamp>.<body>"`` with the endpoint's secret."""
    mac = hmac.HMAC(secret.encode("utf-8"), hashes.SM3())
    mac.update(timestamp.encode("ascii") + b"." + body)
    return mac.finalize().hex()


def signature_verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does with ``X-Fengqiao-Signature`` (used by the tests and the docs)."""
    scheme, _, given = header.partition("=")
    if scheme != "hmac-sm3":
        return False
    mac = hmac.HMAC(secret.encode("utf-8"), hashes.SM3())
    mac.update(timestamp.encode("ascii") + b"." + body)
    try:
        mac.verify(bytes.fromhex(given))
    except Exception:
        return False
    return True


# --- Writing --------------------------------------------------------------------------------


def outbox_enqueue(
    *,
    channel: str,
    event_type: str,
    payload: dict[str, Any],
    idempotency_key: str,
    endpoint: Endpoint | None = None,
    recipient: str = "",
    group: str = "",
    now: datetime | None = None,
) -> OutboxMessage:
    """Put a message in the outbox, in the caller's transaction. The same key again is a no-op
    (the first message stands), so a step reported twice is sent once."""
    if channel == Channel.WEBHOOK and endpoint is None:
        raise ValueError("a webhook message needs an endpoint")
    message, _created = OutboxMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "endpoint": endpoint,
            "recipient": recipient,
            "event_type": event_type,
            "payload": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
            "group": group,
            "next_attempt_at": now or timezone.now(),
        },
    )
    return message


def outbox_retry(*, messages: Iterable[OutboxMessage], now: datetime | None = None) -> int:
    """Send failed messages again (the admin's "retry" action): back to pending, due now, with
    a fresh count of tries. Delivered messages are left alone."""
    pks = [m.pk for m in messages]
    return OutboxMessage.objects.filter(pk__in=pks, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now or timezone.now()
    )


# --- Delivering -----------------------------------------------------------------------------


@dataclass
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(*, now: datetime, limit: int) -> list[OutboxMessage]:
    earlier_pending = OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, group=OuterRef("group"), pk__lt=OuterRef("pk")
    ).exclude(group="")
    with transaction.atomic():
        due = (
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .exclude(Exists(earlier_pending))
            .order_by("id")
        )
        if connection.features.has_select_for_update_skip_locked:
            # ``of``: lock the messages only, not the endpoint rows every worker joins.
            due = due.select_for_update(skip_locked=True, of=("self",))
        claimed = list(due.select_related("endpoint")[:limit])
        for message in claimed:
            message.attempts += 1
            message.next_attempt_at = now + LEASE
        OutboxMessage.objects.bulk_update(claimed, ["attempts", "next_attempt_at"])
    return claimed


def _post(message: OutboxMessage) -> None:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.active:
        raise DeliveryError("端点不存在或已停用")
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the URL is an administrator's configured endpoint
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Fengqiao-Event": message.event_type,
            "X-Fengqiao-Delivery": message.idempotency_key,
            "X-Fengqiao-Timestamp": timestamp,
            "X-Fengqiao-Signature": f"hmac-sm3={signature(endpoint.secret, timestamp, body)}",
        },
    )
    if not endpoint.url.lower().startswith(("http://", "https://")):
        raise DeliveryError(f"不支持的地址：{endpoint.url}")
    try:
        with urllib.request.urlopen(request, timeout=settings.OUTBOX_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def _send(message: OutboxMessage) -> None:
    if message.channel == Channel.WEBHOOK:
        _post(message)
    elif message.channel == Channel.EMAIL:
        payload = message.payload
        try:
            send_mail(
                str(payload.get("subject", "")),
                str(payload.get("body", "")),
                None,
                [message.recipient],
            )
        except OSError as exc:
            # Not the exception's text: SMTPRecipientsRefused spells out the mailbox, and the
            # error is kept in ``last_error`` and logged (五(三): no personal data in either).
            code = getattr(exc, "smtp_code", None)
            raise DeliveryError(f"{type(exc).__name__}" + (f" {code}" if code else "")) from exc
    elif message.channel == Channel.SMS:
        # The SMS gateway adapter is not configured yet: the console is the gateway. The log
        # names the message, never the number (五(三): logs hold no personal data).
        logger.info("SMS %s sent (%d characters)", message.idempotency_key, len(str(message.payload.get("text", ""))))
    else:
        raise DeliveryError(f"未知渠道：{message.channel}")


def _record(message: OutboxMessage, *, error: str | None, now: datetime) -> str:
    current = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING)
    if error is None:
        current.update(status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error="")
        return OutboxStatus.DELIVERED
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        current.update(status=OutboxStatus.FAILED, last_error=error[:2000])
        logger.warning("outbox: %s given up after %d tries: %s", message, message.attempts, error)
        return OutboxStatus.FAILED
    current.update(next_attempt_at=now + backoff(message.attempts), last_error=error[:2000])
    return OutboxStatus.PENDING


def outbox_deliver(*, now: datetime | None = None, limit: int = 100) -> DeliveryRun:
    """Deliver up to ``limit`` due messages (see the module docstring). Safe to run on several
    workers at once, and again while a run is still going."""
    run = DeliveryRun()
    clock = now or timezone.now()
    handled = 0
    while handled < limit:
        batch = _claim(now=clock, limit=limit - handled)
        if not batch:
            break
        for message in batch:
            handled += 1
            try:
                _send(message)
            except DeliveryError as exc:
                error: str | None = str(exc)
            else:
                error = None
            outcome = _record(message, error=error, now=clock)
            if outcome == OutboxStatus.DELIVERED:
                run.delivered += 1
            elif outcome == OutboxStatus.FAILED:
                run.failed += 1
            else:
                run.retrying += 1
    return run


def outbox_deliver_task() -> str:
    """The django-q2 entry point (scheduled every minute)."""
    run = outbox_deliver()
    return f"delivered {run.delivered}, retrying {run.retrying}, failed {run.failed}"
