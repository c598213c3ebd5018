"""Verifying the keyed chains (五(三); issue 13 §1): every county's audit stream and every case's
timeline, recomputed link by link, and the first record changed, removed or inserted named.

What is walked, in order and streamed (bounded memory at a million cases: rows are read in
``(stream, seq)`` and ``(case, seq)`` order through ``.iterator()``; only one case's events are
held at a time):

- **audit streams** — each record's ``seq`` follows the one before (a gap: records removed),
  its ``prev`` is the link of the one before (else removed or inserted), its ``link`` is
  HMAC-SM3 of ``prev`` and its fields under its key (else changed; a record whose successor
  still links to the record before it was inserted). A stream starts at seq 1 after
  ``GENESIS``, or where the newest retention purge says it starts (:mod:`.retention`). The last
  record must be the stream's ``ChainHead``.
- **case timelines** — the same without a stored ``prev``: the link of an event is computed
  after the previous event's link.
- **checkpoints** — a removed *last* record leaves no gap. Each verification run that writes a
  checkpoint (the daily job, ``audit_verify --checkpoint``) appends one ``CHAIN_CHECK`` record to
  the system stream whose detail holds every stream's head ``(seq, link)`` and, for the events
  added since the previous checkpoint (ids ``after < id <= upto``), an SM3 digest of the heads
  of the cases they belong to, as of ``upto``. The walk recomputes every kept checkpoint's
  digest and the heads of the newest, so a stream's tail or a case's last events removed after a
  checkpoint are found; the checkpoints' windows follow one another (a removed checkpoint
  leaves a hole), and each checkpoint is itself a keyed, chained record.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import connections, models, router, transaction

from fengqiao.audit import chain
from fengqiao.audit.models import Action, AuditRecord, ChainHead, Result

logger = logging.getLogger("fengqiao.audit")

#: The stream the checkpoints are written to (``services.SYSTEM_STREAM``).
CHECKPOINT_STREAM = 0
#: ``object_type`` of a verification's checkpoint record (a purge's is ``"purge"``).
VERIFY_OBJECT = "verification"
PURGE_OBJECT = "purge"
#: Breaks listed at most (the count goes on).
MAX_LISTED = 100

#: The columns of ``AuditRecord.chain_fields``, read straight from the rows.
_RECORD_COLUMNS = (
    "id",
    "stream",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "result",
    "ip",
    "case_id",
    "object_type",
    "object_id",
    "summary",
    "detail",
    "key_id",
    "prev",
    "link",
)


def record_fields(row: tuple[Any, ...]) -> dict[str, Any]:
    """``AuditRecord.chain_fields`` of a row of ``_RECORD_COLUMNS`` (no model instance: a
    verification reads millions)."""
    _id, stream, seq, at, actor, actor_name, action, result, ip, case, otype, oid, summary, detail = row[:14]
    return {
        "stream": stream,
        "seq": seq,
        "at": at,
        "actor": actor,
        "actor_name": actor_name,
        "action": action,
        "result": result,
        "ip": ip or "",
        "case": case,
        "object_type": otype,
        "object_id": oid,
        "summary": summary,
        "detail": detail,
    }


@dataclass(frozen=True)
class Break:
    """The first broken record of one chain. ``what``: changed, removed, inserted, or
    checkpoint (a head a checkpoint recorded is gone). Ids and sequence numbers only — never
    a record's content (it may hold personal data)."""

    chain: str  # "audit" or "case"
    what: str
    chain_id: int  # the stream, or the case id
    seq: int | None
    record_id: int | None
    note: str = ""

    def describe(self) -> str:
        where = f"审计链 {self.chain_id}" if self.chain == "audit" else f"案件 {self.chain_id} 的办理记录链"
        what = {
            "changed": "被修改",
            "removed": "之前有记录被删除",
            "inserted": "为插入的记录",
            "checkpoint": "与校验点不符",
        }
        record = f"记录 id={self.record_id}" if self.record_id is not None else "记录"
        seq = f" 序号 {self.seq}" if self.seq is not None else ""
        note = f"（{self.note}）" if self.note else ""
        return f"{where}：{record}{seq} {what.get(self.what, self.what)}{note}"


@dataclass
class Report:
    breaks: list[Break] = field(default_factory=list)
    count: int = 0
    streams: dict[int, tuple[int, str]] = field(default_factory=dict)
    records: int = 0
    cases: int = 0
    events: int = 0
    #: The window of the checkpoint this run may write: events ``after < id <= upto``.
    window: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.count == 0

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None

    def add(self, brk: Break) -> None:
        self.count += 1
        if len(self.breaks) < MAX_LISTED:
            self.breaks.append(brk)


# --- the case timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """The case timeline's chain as the walk reads it: one chain per case, each event linked
    after the one before without a stored ``prev``. The case is above audit, so ``cases``
    describes its chain here from its ``AppConfig.ready()`` (``timeline_register``)."""

    #: The events' model.
    model: type[models.Model]
    #: The columns an event's link covers, the case's id first and ``seq`` second.
    columns: tuple[str, ...]
    #: The fields the link covers, from those columns' values in that order.
    fields: Callable[..., dict[str, Any]]
    #: The ids of one county's cases (a query, or values).
    of_county: Callable[[Any], Any]

    @property
    def key_at(self) -> int:
        """Where a row of ``_event_rows`` holds the key id (the link follows)."""
        return len(self.columns) + 1


_timeline: Timeline | None = None


def timeline_register(timeline: Timeline) -> None:
    """Walk ``timeline`` with the audit streams (the case timeline, registered by ``cases``)."""
    global _timeline
    _timeline = timeline


# --- checkpoints --------------------------------------------------------------------------


@dataclass
class _Checkpoints:
    """The kept checkpoints: the newest one's stream heads, every purge's stream starts, and
    the event windows with their digests (recomputed during the walk)."""

    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    heads_record: int | None = None
    starts: dict[int, tuple[int, str]] = field(default_factory=dict)
    # (upto, after, digest, record id, seq), sorted by upto
    windows: list[tuple[int, int, str, int, int]] = field(default_factory=list)


def _checkpoints() -> _Checkpoints:
    found = _Checkpoints()
    rows = (
        AuditRecord.objects.filter(stream=CHECKPOINT_STREAM, action=Action.CHAIN_CHECK)
        .order_by("seq")
        .values_list("id", "seq", "object_type", "detail")
    )
    for pk, seq, otype, detail in rows.iterator(chunk_size=500):
        detail = detail or {}
        for stream, (s, prev) in (detail.get("starts") or {}).items():
            found.starts[int(stream)] = (int(s), str(prev))
        if otype != VERIFY_OBJECT:
            continue
        if detail.get("streams") is not None:
            found.heads = {int(k): (int(v[0]), str(v[1])) for k, v in detail["streams"].items()}
            found.heads_record = pk
        events = detail.get("events")
        if events:
            found.windows.append((int(events["upto"]), int(events["after"]), str(events["digest"]), pk, seq))
    found.windows.sort()
    return found


def _event_upto(tl: Timeline, using: str) -> int:
    """The highest event id below which every event is committed (or never will be): on
    PostgreSQL read while the table is briefly locked against inserts (``SHARE``), which waits
    for the transactions inserting now; on SQLite writers are serialized and ids taken inside
    the write lock, so the highest visible id is such a bound."""
    connection = connections[using]
    table = connection.ops.quote_name(tl.model._meta.db_table)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (model's table)
        return int(cursor.fetchone()[0])


class _Digests:
    """One SM3 digest per checkpoint window (plus this run's new window), fed case by case in
    case order: ``case_id:seq:link`` of each case's last event with id ≤ the window's ``upto``,
    for every case with an event inside the window."""

    def __init__(self, windows: list[tuple[int, int]]) -> None:
        self.windows = windows  # (upto, after), sorted by upto, contiguous
        self.uptos = [w[0] for w in windows]
        self.hashers = [hashes.Hash(hashes.SM3()) for _ in windows]
        self.counts = [0] * len(windows)

    def case(self, case_id: int, events: list[tuple[int, int, str]]) -> None:
        """``events``: ``(id, seq, link)`` of one case, in seq order."""
        touched: set[int] = set()
        for pk, _seq, _link in events:
            i = bisect.bisect_left(self.uptos, pk)
            if i < len(self.windows) and pk > self.windows[i][1]:
                touched.add(i)
        for i in sorted(touched):
            upto = self.windows[i][0]
            seq, link = max((s, lk) for pk, s, lk in events if pk <= upto)
            self.hashers[i].update(f"{case_id}:{seq}:{link}\n".encode())
            self.counts[i] += 1

    def results(self) -> list[tuple[str, int]]:
        return [(h.finalize().hex(), n) for h, n in zip(self.hashers, self.counts, strict=True)]


# --- the walks ----------------------------------------------------------------------------


def _reading(using: str) -> Any:
    """PostgreSQL: one read transaction per walk, so the rows stream through a plain server-side
    cursor (outside one Django declares it WITH HOLD, which copies the whole result at once).
    SQLite: none (its transactions are IMMEDIATE: one would hold off every writer)."""
    if connections[using].vendor == "postgresql":
        return transaction.atomic(using=using)
    return contextlib.nullcontext()


def _record_rows(stream: int | None) -> Iterator[tuple[Any, ...]]:
    qs = AuditRecord.objects.order_by("stream", "seq")
    if stream is not None:
        qs = qs.filter(stream=stream)
    return qs.values_list(*_RECORD_COLUMNS).iterator(chunk_size=2000)


def _records_walk(report: Report, points: _Checkpoints, stream: int | None) -> None:
    """Walk every audit stream (or one): the first break of each is reported. The streams'
    ``ChainHead`` rows are read after the walk (a record added meanwhile moves a head on, never
    back), and a head beyond the walked tail is a removed tail only if that record is gone."""
    current: int | None = None
    start_seq, last_seq, last_link = 1, 0, chain.GENESIS
    tails: dict[int, tuple[int, str]] = {}
    broken: set[int] = set()
    suspect: tuple[Any, ...] | None = None  # a record whose link failed, judged by its successor

    def close(s: int | None) -> None:
        nonlocal suspect
        if s is None:
            return
        if suspect is not None:
            report.add(Break("audit", "changed", s, suspect[2], suspect[0], "链尾记录"))
            broken.add(s)
            suspect = None
        checked = points.heads.get(s)
        if s not in broken and checked is not None and checked[0] >= start_seq and checked[0] > tails[s][0]:
            report.add(Break("audit", "checkpoint", s, checked[0], points.heads_record, "校验点记录的链尾已不在"))
            broken.add(s)

    for row in _record_rows(stream):
        pk, s, seq, key_id, prev, link = row[0], row[1], row[2], row[14], row[15], row[16]
        report.records += 1
        if s != current:
            close(current)
            current = s
            start_seq, start_prev = points.starts.get(s, (1, chain.GENESIS))
            last_seq, last_link = start_seq - 1, start_prev
        if seq < start_seq:
            # Below a retention purge's start only checkpoints are kept: each is checked on its own.
            if s not in broken and not chain.link_ok(prev, record_fields(row), key_id=key_id, value=link):
                report.add(Break("audit", "changed", s, seq, pk, "清理后保留的校验点"))
                broken.add(s)
            continue
        tails[s] = (seq, link)
        if s in broken:
            continue
        if suspect is not None:
            # The successor still links to the suspect's link: the suspect was edited; it links
            # to the suspect's predecessor: the suspect was inserted.
            what = "inserted" if prev == suspect[15] else "changed"
            report.add(Break("audit", what, s, suspect[2], suspect[0]))
            suspect = None
            broken.add(s)
        elif seq != last_seq + 1:
            report.add(Break("audit", "removed" if seq > last_seq + 1 else "inserted", s, seq, pk))
            broken.add(s)
        elif prev != last_link:
            report.add(Break("audit", "removed", s, seq, pk, "前一链值不符"))
            broken.add(s)
        elif not chain.link_ok(prev, record_fields(row), key_id=key_id, value=link):
            suspect = row
        else:
            checked = points.heads.get(s)
            if checked is not None and checked[0] == seq and checked[1] != link:
                report.add(Break("audit", "checkpoint", s, seq, pk, "与校验点记录的链值不符"))
                broken.add(s)
        last_seq, last_link = seq, link
    close(current)
    report.streams.update(tails)
    heads = ChainHead.objects.all() if stream is None else ChainHead.objects.filter(stream=stream)
    for head in heads:
        if head.stream in broken:
            continue
        tail = tails.get(head.stream, (points.starts.get(head.stream, (1, ""))[0] - 1, ""))
        if head.seq < tail[0]:
            report.add(Break("audit", "inserted", head.stream, head.seq + 1, None, f"链头为序号 {head.seq}"))
        elif head.seq > tail[0] and not AuditRecord.objects.filter(stream=head.stream, seq=tail[0] + 1).exists():
            report.add(Break("audit", "removed", head.stream, tail[0] + 1, None, f"链尾应至序号 {head.seq}"))


def _event_rows(tl: Timeline, case_ids: Any) -> Iterator[tuple[Any, ...]]:
    """``(id, *tl.columns, key_id, link)`` of the events, in ``(case, seq)`` order."""
    owner = tl.columns[0]
    qs = tl.model._default_manager.order_by(owner, "seq")
    if case_ids is not None:
        qs = qs.filter(**{f"{owner}__in": case_ids})
    return qs.values_list("id", *tl.columns, "key_id", "link").iterator(chunk_size=5000)


def _case_check(tl: Timeline, report: Report, case_id: int, events: list[tuple[Any, ...]]) -> None:
    """One case's timeline: ``events`` rows of ``_event_rows``, in seq order."""
    prev = chain.GENESIS
    expected = 1
    k = tl.key_at
    for i, row in enumerate(events):
        pk, seq, key_id, link = row[0], row[2], row[k], row[k + 1]
        if seq != expected:
            report.add(Break("case", "removed" if seq > expected else "inserted", case_id, seq, pk))
            return
        if not chain.link_ok(prev, tl.fields(*row[1:k]), key_id=key_id, value=link):
            what = "changed"
            if i + 1 < len(events):
                after = events[i + 1]
                fields = tl.fields(*after[1:k])
                if not chain.link_ok(link, fields, key_id=after[k], value=after[k + 1]):
                    renumbered = tl.fields(after[1], seq, *after[3:k])
                    if chain.link_ok(prev, renumbered, key_id=after[k], value=after[k + 1]) or chain.link_ok(
                        prev, fields, key_id=after[k], value=after[k + 1]
                    ):
                        what = "inserted"
            report.add(Break("case", what, case_id, seq, pk))
            return
        prev, expected = link, expected + 1


def _events_walk(tl: Timeline, report: Report, digests: _Digests | None, case_ids: Any) -> None:
    current: int | None = None
    events: list[tuple[Any, ...]] = []
    link_at = tl.key_at + 1

    def close() -> None:
        if current is None:
            return
        report.cases += 1
        _case_check(tl, report, current, events)
        if digests is not None:
            digests.case(current, [(r[0], r[2], r[link_at]) for r in events])

    for row in _event_rows(tl, case_ids):
        report.events += 1
        if row[1] != current:
            close()
            current, events = row[1], []
        events.append(row)
    close()


# --- the run ------------------------------------------------------------------------------


def verify(*, county: Any = None, records: bool = True, cases: bool = True) -> Report:
    """Walk the chains (all, or one county's stream and cases) and report the first break of
    each. A full run (no county, both kinds) also prepares this run's checkpoint window."""
    report = Report()
    points = _checkpoints()
    using = router.db_for_read(AuditRecord)
    full = county is None and records and cases
    if records:
        with _reading(using):
            _records_walk(report, points, None if county is None else int(county.pk))
    tl = _timeline
    if cases and tl is not None:
        digests: _Digests | None = None
        if full:
            after = points.windows[-1][0] if points.windows else 0
            expected_after = 0
            for upto, w_after, _digest, pk, seq in points.windows:
                if w_after != expected_after:
                    report.add(Break("audit", "removed", CHECKPOINT_STREAM, seq, pk, "校验点缺失（事件区间不连续）"))
                expected_after = upto
            upto = _event_upto(tl, router.db_for_write(tl.model))
            windows = [(w[0], w[1]) for w in points.windows]
            if upto > after:
                windows.append((upto, after))
            digests = _Digests(windows)
            report.window = {"after": after, "upto": upto}
        case_ids = None
        if county is not None:
            case_ids = tl.of_county(county)
        with _reading(using):
            _events_walk(tl, report, digests, case_ids)
        if digests is not None:
            results = digests.results()
            for (upto, after, digest, pk, seq), (found, _n) in zip(points.windows, results, strict=False):
                if found != digest:
                    note = f"事件 id {after + 1}–{upto} 所属案件的最后记录已变（末尾记录被删除或改动）"
                    report.add(Break("case", "checkpoint", CHECKPOINT_STREAM, seq, pk, note))
            if len(results) > len(points.windows):
                new_digest, new_count = results[-1]
                report.window.update(digest=new_digest, cases=new_count)
            else:
                report.window = {}
    return report


def checkpoint(report: Report) -> AuditRecord:
    """Append this run's ``CHAIN_CHECK`` record: the streams' heads, the new events' window and
    digest, and the result (FAILED naming the first break). Its line in the log is the
    external anchor an operator keeps (docs/audit.md)."""
    from fengqiao.audit.services import record

    detail: dict[str, Any] = {
        "streams": {str(s): [seq, link] for s, (seq, link) in sorted(report.streams.items())},
        "records": report.records,
        "cases": report.cases,
        "events": report.window or None,
        "breaks": report.count,
    }
    first = report.first
    if first is not None:
        detail["first"] = {
            "chain": first.chain,
            "what": first.what,
            "chain_id": first.chain_id,
            "seq": first.seq,
            "record_id": first.record_id,
        }
    entry = record(
        Action.CHAIN_CHECK,
        actor_name="system",
        result=Result.OK if report.ok else Result.FAILED,
        object_type=VERIFY_OBJECT,
        summary=(
            "审计链校验通过"
            if report.ok
            else f"审计链校验发现 {report.count} 处断裂：{first.describe() if first else ''}"
        )[:255],
        detail=detail,
    )
    line = f"CHAIN_CHECK id={entry.pk} stream={entry.stream} seq={entry.seq} link={entry.link} breaks={report.count}"
    if report.ok:
        logger.info(line)
    else:
        logger.error("%s first=%s", line, first.describe() if first else "")
    return entry


# --- the daily job ------------------------------------------------------------------------

#: The django-q2 schedule of the daily verification (made once after migrate; docs/audit.md).
VERIFY_SCHEDULE_NAME = "audit.verify"
VERIFY_SCHEDULE_FUNC = "fengqiao.audit.verify.scheduled_verify_task"


def scheduled_verify_task() -> str:
    """The django-q2 entry point: verify everything and write the checkpoint; a break is logged
    at ERROR (ids only) and shows on every 系统管理员's to-do list (``audit.todo``) until a
    later verification passes."""
    report = verify()
    entry = checkpoint(report)
    return f"CHAIN_CHECK id={entry.pk} seq={entry.seq} link={entry.link} breaks={report.count}"


def verify_schedule_ensure(**kwargs: Any) -> None:
    """After migrate: the daily verification, 03:30 Asia/Shanghai (after the 02:00 backup),
    created once — an administrator may have retimed it."""
    from datetime import time as clock

    from django_q.models import Schedule

    from fengqiao.core.schedules import next_daily, schedule_ensure

    schedule_ensure(
        VERIFY_SCHEDULE_NAME, VERIFY_SCHEDULE_FUNC, schedule_type=Schedule.DAILY, next_run=next_daily(clock(3, 30))
    )
