"""Make provisional case and task deadlines exact once a missing year's holidays are entered.

A deadline counted through a year with no holiday data is stored with ``due_provisional``
(docs/calendar.md). When an administrator marks that year complete, ``core.signals`` sends
``calendar_year_completed``; this receiver recomputes, from the recorded ``due_limit`` and
``due_from``, every provisional ``Case.due_on`` and ``Task.due_on`` (with the task's
``return_due_on``) that ends in or after that year, and writes one timeline event per case.
Rows without a recorded limit (a date set by an approved extension, or rows older than the
fields) are left as they are and counted in the log.

Idempotent: a recomputed row that is exact is no longer selected, and a row whose date and
flag do not change is not written. Cases are handled in batches of ``BATCH`` in their own
transaction, with the rows locked and re-checked, so a step taken meanwhile wins.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.core import timelimits
from fengqiao.handling.models import Task

logger = logging.getLogger(__name__)

#: Cases recomputed per transaction.
BATCH = 200


def _provisional(model: type[Case] | type[Task], year: int) -> Any:
    first = date(year, 1, 1)
    rows = model.objects.filter(Q(due_on__gte=first) | Q(due_from__gte=first), due_provisional=True)
    # 四(七): a sealed case never changes, not even a date left on one of its tasks.
    return rows.exclude(**{"state" if model is Case else "case__state": "archived"})


def provisional_deadlines_recompute(*, year: int) -> dict[str, int]:
    """Recompute the provisional case and task deadlines touching ``year``; returns counts."""
    counts = {"cases": 0, "tasks": 0, "events": 0, "unrecorded": 0}
    for model in (Case, Task):
        counts["unrecorded"] += _provisional(model, year).filter(Q(due_limit="") | Q(due_from=None)).count()
    last = 0
    while True:
        ids = sorted(
            {
                *_recorded(Case, year).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH],
                *_recorded(Task, year)
                .filter(case_id__gt=last)
                .order_by("case_id")
                .values_list("case_id", flat=True)
                .distinct()[:BATCH],
            }
        )[:BATCH]
        if not ids:
            break
        with transaction.atomic():
            # Re-checked under the lock: a case sealed since its id was read is left as sealed.
            locked = Case.objects.select_for_update(of=("self",)).filter(pk__in=ids).exclude(state="archived")
            for case in locked.order_by("pk"):
                changes = _case_recompute(case, year, counts)
                if changes:
                    CaseEvent.objects.create(
                        case=case,
                        at=timezone.now(),
                        actor=None,
                        kind=EventKind.NOTE,
                        summary="节假日安排已录入，" + "；".join(text for text, _data in changes),
                        data={"calendar_year": year, "deadlines": [data for _text, data in changes]},
                    )
                    counts["events"] += 1
        last = ids[-1]
    logger.info("calendar year %s complete: deadlines recomputed %s", year, counts)
    return counts


def _recorded(model: type[Case] | type[Task], year: int) -> Any:
    return _provisional(model, year).exclude(due_limit="").exclude(due_from=None)


def _case_recompute(case: Case, year: int, counts: dict[str, int]) -> list[tuple[str, dict[str, Any]]]:
    changes: list[tuple[str, dict[str, Any]]] = []
    if case.due_provisional and case.due_limit and case.due_from and case.due_on:
        due = timelimits.due(case.due_limit, case.due_from)
        if (due.day, due.provisional) != (case.due_on, case.due_provisional):
            Case.objects.filter(pk=case.pk).update(
                due_on=due.day, due_provisional=due.provisional, version=F("version") + 1
            )
            changes.append(_change("办理期限", case.due_on, due.day, due.provisional, {}))
            counts["cases"] += 1
    tasks = _recorded(Task, year).filter(case=case).select_for_update().select_related("department")
    for task in tasks.order_by("pk"):
        assert task.due_from is not None
        due = timelimits.due(task.due_limit, task.due_from)
        returning = timelimits.due(timelimits.TASK_RETURN, task.due_from)
        provisional = due.provisional or returning.provisional
        if (due.day, returning.day, provisional) == (task.due_on, task.return_due_on, task.due_provisional):
            continue
        Task.objects.filter(pk=task.pk).update(
            due_on=due.day, return_due_on=returning.day, due_provisional=provisional, version=F("version") + 1
        )
        label = f"{task.department}任务办理期限"
        changes.append(_change(label, task.due_on, due.day, provisional, {"task": task.pk}))
        counts["tasks"] += 1
    return changes


def change_text(label: str, old: date, new: date, provisional: bool) -> str:
    """ "办理期限由2027-01-19调整为2027-01-20", or "…已确定" when only the flag changed."""
    text = f"{label}由{old.isoformat()}调整为{new.isoformat()}" if old != new else f"{label}{new.isoformat()}已确定"
    return text + ("（仍为暂定）" if provisional else "")


def _change(label: str, old: date, new: date, provisional: bool, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data = {**data, "due_was": old.isoformat(), "due_on": new.isoformat(), "provisional": provisional}
    return change_text(label, old, new, provisional), data


def calendar_year_completed_receiver(sender: object, year: int, **kwargs: Any) -> None:
    """``calendar.calendar_year_completed``: connected in ``HandlingConfig.ready``."""
    provisional_deadlines_recompute(year=year)
