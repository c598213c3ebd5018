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


def _fresh(event: CaseEvent) -> bool:
    """True when the event's case was inserted by this process and has had no event yet: its
    first event needs no read (the flag is set by ``Case.save`` and taken by the first event)."""
    from fengqiao.cases.models import CaseEvent

    if not CaseEvent.case.is_cached(event):
        return False
    return bool(event.case.__dict__.pop("_timeline_fresh", False))


def chain_events(events: Iterable[CaseEvent]) -> None:
    """Give each new event its ``seq``, ``key_id`` and ``link``, after its case's last event
    (and after the events before it in ``events``): at most one statement, none when every
    case is brand new."""
    from fengqiao.cases.models import CaseEvent

    events = list(events)
    start: dict[int, tuple[int, str]] = {}
    unknown: list[int] = []
    for event in events:
        if event.case_id in start or event.case_id in unknown:
            continue
        if _fresh(event):
            start[event.case_id] = (0, GENESIS)
        else:
            unknown.append(event.case_id)
    if unknown:
        found = heads(sorted(unknown), using=router.db_for_write(CaseEvent))
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
