"""The case timeline as a keyed SM3 hash chain (五(三) 落实保密责任; issue 13 §1).

Every ``CaseEvent`` carries ``seq`` (1, 2, … within its case), the id of the key that linked it
and ``link`` = HMAC-SM3 over the previous event's link (``GENESIS`` for the first) and the
event's fields (:func:`event_fields`). An event edited in the database, removed, or inserted
breaks its case's chain at that event; ``manage.py audit_verify`` walks every case.

The links are computed in one place — ``CaseEvent.save()`` and ``CaseEventQuerySet.bulk_create``
call :func:`chain_events` — and the migration that filled the links of existing events and the
demo generator, which writes rows directly, use :func:`event_link` as well.

Concurrency: the previous link is read in the writer's transaction. On SQLite every write
transaction is ``BEGIN IMMEDIATE``, so two writers of one case queue. On PostgreSQL the read is
one call of ``fengqiao_timeline_heads`` (migration ``cases`` 0024), a volatile function that
first locks the cases' rows ``FOR UPDATE`` (as the write services do) and only then reads the
heads with a fresh snapshot, so a second writer waits for the first and sees its event. The
unique constraint ``(case, seq)`` backs this up: a fork can never be stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connections, router

from fengqiao.audit import chain

if TYPE_CHECKING:
    from fengqiao.cases.models import CaseEvent

GENESIS = chain.GENESIS

#: The columns of an event its link covers, in the order :func:`event_fields` takes them
#: (``case_id`` … ``data``); the verifier reads exactly these.
EVENT_CHAIN_COLUMNS = ("case_id", "seq", "at", "actor_id", "kind", "from_state", "to_state", "summary", "data")

#: PostgreSQL: lock the cases' rows, then read each case's last event with a fresh snapshot
#: (a VOLATILE function's statements each take a new one under READ COMMITTED).
PG_HEADS_FUNCTION = """
CREATE OR REPLACE FUNCTION fengqiao_timeline_heads(case_ids bigint[])
RETURNS TABLE(head_case bigint, head_seq bigint, head_link varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM cases_case c WHERE c.id = ANY(case_ids) ORDER BY c.id FOR UPDATE;
    RETURN QUERY
        SELECT DISTINCT ON (e.case_id) e.case_id::bigint, e.seq::bigint, e.link::varchar
        FROM cases_caseevent e
        WHERE e.case_id = ANY(case_ids)
        ORDER BY e.case_id, e.seq DESC;
END
$$;
"""
PG_HEADS_DROP = "DROP FUNCTION IF EXISTS fengqiao_timeline_heads(bigint[]);"


def event_fields(
    case_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    kind: str,
    from_state: str,
    to_state: str,
    summary: str,
    data: Any,
) -> dict[str, Any]:
    """What an event's link covers: every column but the id, the key id and the link."""
    return {
        "case": case_id,
        "seq": seq,
        "at": at,
        "actor": actor_id,
        "kind": str(kind),
        "from_state": str(from_state),
        "to_state": str(to_state),
        "summary": str(summary),
        "data": data,
    }


def stored_json(data: Any) -> Any:
    """``data`` as it reads back from the JSON column (keys become strings, tuples lists), so
    the link made before the insert is the link the verifier recomputes from the row."""
    return json.loads(json.dumps(data))


def event_link(prev: str, *values: Any) -> tuple[str, str]:
    """``(key id, link)`` of one event after ``prev``; ``values`` as :func:`event_fields`."""
    return chain.link(prev, event_fields(*values))


def heads(case_ids: Sequence[int], *, using: str) -> dict[int, tuple[int, str]]:
    """The last ``(seq, link)`` of each case's timeline (absent: no event yet), in one statement;
    on PostgreSQL the cases' rows are locked first (see the module's docstring)."""
    if not case_ids:
        return {}
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT head_case, head_seq, head_link FROM fengqiao_timeline_heads(%s)", [list(case_ids)])
        else:
            marks = ", ".join(["%s"] * len(case_ids))
            cursor.execute(
                "SELECT e.case_id, e.seq, e.link FROM cases_caseevent e "  # noqa: S608 (placeholders only)
                f"WHERE e.case_id IN ({marks}) AND e.seq = "
                "(SELECT MAX(l.seq) FROM cases_caseevent l WHERE l.case_id = e.case_id)",
                list(case_ids),
            )
        return {int(c): (int(s), str(lk)) for c, s, lk in cursor.fetchall()}


# --- heads known to the current transaction -----------------------------------------------
#
# A case's last (seq, link) once this transaction has written or read it under the case's
# lock (or inserted the case: nobody else sees it before the commit), so the next event of the
# same case in the same transaction needs no read — a registration writes two or three events.
# Kept per connection and case id (any instance of the case), and valid only while a marker
# callback registered with ``on_commit`` is still pending: Django drops it when the transaction
# commits or rolls back and when the savepoint it was registered in rolls back, so a head
# written in a rolled-back savepoint or in an earlier transaction is never trusted.

_KNOWN = "_fengqiao_timeline_heads"


def _pending(connection: Any, marker: Any) -> bool:
    return connection.in_atomic_block and any(entry[1] is marker for entry in connection.run_on_commit)


def _known(connection: Any, case_id: int) -> tuple[int, str] | None:
    known = getattr(connection, _KNOWN, {}).get(case_id)
    if known is None or not _pending(connection, known[2]):
        return None
    return known[0], known[1]


def remember(case_id: int, seq: int, link: str, *, using: str) -> None:
    """Note ``case_id``'s last ``(seq, link)`` for the rest of this transaction (nothing outside
    one). ``Case.save`` calls it with ``(0, GENESIS)`` for a case it inserts."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return
    known: dict[int, tuple[int, str, Any, frozenset[str]]] = connection.__dict__.setdefault(_KNOWN, {})
    sids = frozenset(connection.savepoint_ids)
    old = known.get(case_id)
    if old is not None and old[3] == sids and _pending(connection, old[2]):
        marker = old[2]
    else:
        if len(known) > 256:  # drop what rolled-back transactions left behind
            for stale in [k for k, v in known.items() if not _pending(connection, v[2])]:
                del known[stale]

        def marker() -> None:
            known.pop(case_id, None)

        connection.on_commit(marker)
    known[case_id] = (seq, link, marker, sids)


def chain_events(events: Iterable[CaseEvent]) -> None:
    """Give each new event its ``seq``, ``key_id`` and ``link``, after its case's last event
    (and after the events before it in ``events``): at most one statement, none when every
    case is brand new."""
    from fengqiao.cases.models import CaseEvent

    events = list(events)
    using = router.db_for_write(CaseEvent)
    connection = connections[using]
    start: dict[int, tuple[int, str]] = {}
    unknown: list[int] = []
    for event in events:
        if event.case_id in start or event.case_id in unknown:
            continue
        known = _known(connection, event.case_id)
        if known is not None:
            start[event.case_id] = known
        else:
            unknown.append(event.case_id)
    if unknown:
        found = heads(sorted(unknown), using=using)
        for case_id in unknown:
            start[case_id] = found.get(case_id, (0, GENESIS))
    for event in events:
        seq, prev = start[event.case_id]
        event.seq = seq + 1
        event.key_id, event.link = event_link(
            prev,
            event.case_id,
            event.seq,
            event.at,
            event.actor_id,
            event.kind,
            event.from_state,
            event.to_state,
            event.summary,
            stored_json(event.data),
        )
        start[event.case_id] = (event.seq, event.link)
    for case_id, (seq, link) in start.items():
        remember(case_id, seq, link, using=using)
