"""Keeping the audit trail (网络安全法 第二十一条: network logs kept no less than six months).

``manage.py audit_purge --before YYYY-MM-DD`` removes each county stream's records older than
the day, never a day less than ``FENGQIAO_AUDIT_KEEP_DAYS`` ago (default 365, never below 183).
In one transaction it first appends a checkpoint (``CHAIN_CHECK``, object ``purge``) that records
each purged stream's new start ``(seq, prev link)`` and how many records go, then removes them —
so the verification afterwards starts each stream there and still passes, and the purge itself
is in the chain. Checkpoints are kept (they are the anchors of the case timelines' digests).
Case timelines are never purged: they go with the sealed dossier (四(七)).

:func:`audit_records_remove` is the one place that bypasses the append-only guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from fengqiao.audit.models import Action, AuditRecord, ChainHead
from fengqiao.audit.verify import CHECKPOINT_STREAM, PURGE_OBJECT

#: 网络安全法 第二十一条(三): 留存相关的网络日志不少于六个月 — 183 days is six months at most.
LEGAL_MINIMUM_DAYS = 183


def keep_days() -> int:
    """The days audit records are kept at least: FENGQIAO_AUDIT_KEEP_DAYS, never below 183."""
    return max(int(getattr(settings, "FENGQIAO_AUDIT_KEEP_DAYS", 365)), LEGAL_MINIMUM_DAYS)


def earliest_cut(today: date | None = None) -> date:
    """The latest ``before`` day a purge may take: records of the last ``keep_days()`` stay."""
    return (today or timezone.localdate()) - timedelta(days=keep_days())


@dataclass
class PurgeSummary:
    before: date
    removed: dict[int, int] = field(default_factory=dict)
    checkpoint_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def audit_records_remove(stream: int, below_seq: int) -> int:
    """Remove the records of ``stream`` below ``below_seq`` — bypassing ``AppendOnlyQuerySet``
    on purpose, for the retention purge only (the system stream's checkpoints stay)."""
    plain: models.QuerySet[AuditRecord] = models.QuerySet(model=AuditRecord)
    rows = plain.filter(stream=stream, seq__lt=below_seq)
    if stream == CHECKPOINT_STREAM:
        rows = rows.exclude(action=Action.CHAIN_CHECK)
    deleted, _ = rows.delete()
    return int(deleted)


def audit_purge(before: date, *, today: date | None = None) -> PurgeSummary:
    """Remove the audit records made before ``before`` (local day), after a checkpoint naming
    each stream's new start. Refused for a day less than ``keep_days()`` ago."""
    from fengqiao.audit.services import record

    limit = earliest_cut(today)
    if before > limit:
        raise ValidationError(
            {
                "before": [
                    f"审计记录至少保留 {keep_days()} 天（网络安全法第二十一条：不少于六个月），"
                    f"最晚只能清理 {limit.isoformat()} 之前的记录。"
                ]
            }
        )
    cut = timezone.make_aware(datetime.combine(before, time.min))
    summary = PurgeSummary(before=before)
    with transaction.atomic():
        starts: dict[str, list[object]] = {}
        for head in ChainHead.objects.select_for_update().order_by("stream"):
            first = (
                AuditRecord.objects.filter(stream=head.stream, at__gte=cut)
                .order_by("seq")
                .values_list("seq", "prev")
                .first()
            )
            start = (int(first[0]), str(first[1])) if first else (head.seq + 1, head.link)
            old = AuditRecord.objects.filter(stream=head.stream, seq__lt=start[0])
            if head.stream == CHECKPOINT_STREAM:
                old = old.exclude(action=Action.CHAIN_CHECK)
            count = old.count()
            if count:
                starts[str(head.stream)] = list(start)
                summary.removed[head.stream] = count
        if not starts:
            return summary
        entry = record(
            Action.CHAIN_CHECK,
            actor_name="system",
            object_type=PURGE_OBJECT,
            summary=f"清理 {before.isoformat()} 之前的审计记录 {summary.total} 条",
            detail={
                "before": before.isoformat(),
                "starts": starts,
                "removed": {k: summary.removed[int(k)] for k in starts},
            },
        )
        summary.checkpoint_id = entry.pk
        for stream, (seq, _prev) in starts.items():
            audit_records_remove(int(stream), int(str(seq)))
    return summary
