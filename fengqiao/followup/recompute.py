"""Make provisional visit dates and remedy deadlines exact once a missing year is entered.

The followup side of ``calendar_year_completed`` (docs/calendar.md), connected in
``FollowupConfig.ready``:

- an open visit with ``scheduled_provisional`` of a case in 跟踪回访 took the case's deadline
  (``followup.services._visit_create``), so it takes the date recomputed from the case's
  recorded ``due_limit``/``due_from`` — from the inputs, not from ``Case.due_on``, so the
  result does not depend on whether the handling receiver ran first;
- a remedy with ``deadline_provisional`` is recomputed with ``services.remedy_deadline`` from
  its own row (kind, start, filing day, previous remedy), with ``filed_in_time`` and, when it
  was the deadline, ``next_check_on``.

Other provisional visits (no recorded case inputs) are left and counted in the log. One
timeline event per case; idempotent like ``handling.followthrough.recompute``. Archived cases are skipped in
every query (四(七): a sealed dossier stays as it was sealed, provisional dates included), and
again under the batch's row lock, so a case sealed meanwhile is not written either.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fengqiao.cases import kept
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.core import timelimits
from fengqiao.followup.models import Remedy, RemedyKind, Visit
from fengqiao.followup.services import follow_on_window, remedy_deadline
from fengqiao.handling.followthrough.recompute import change_text

logger = logging.getLogger(__name__)

#: Rows recomputed per transaction.
BATCH = 200


def provisional_followup_recompute(*, year: int) -> dict[str, int]:
    """Recompute provisional visit dates and remedy deadlines touching ``year``."""
    first = date(year, 1, 1)
    counts = {"visits": 0, "remedies": 0, "events": 0, "unrecorded": 0}
    # 四(七): a sealed case never changes, not even a provisional date left on one of its
    # visits or remedies (``cases.models.sealed_check`` would refuse the batch's event).
    unsealed = ~Q(case__state=CaseState.ARCHIVED)
    visits = Visit.objects.filter(unsealed, done_at=None, scheduled_provisional=True, scheduled_on__gte=first)
    recorded = visits.filter(case__state=CaseState.FOLLOWING_UP, case__due_from__isnull=False).exclude(
        case__due_limit=""
    )
    counts["unrecorded"] = visits.count() - recorded.count()
    visits = recorded
    remedies = Remedy.objects.filter(unsealed, deadline_provisional=True, statutory_deadline__gte=first)
    windows = Remedy.objects.filter(unsealed, window_provisional=True, window_ends_on__gte=first)
    last = 0
    while True:
        batch = sorted({*_case_ids(visits, last), *_case_ids(remedies, last), *_case_ids(windows, last)})[:BATCH]
        if not batch:
            break
        with transaction.atomic():
            changes: dict[int, list[str]] = defaultdict(list)
            # Re-read under the lock: a case sealed since the ids were read drops out here.
            cases = {
                c.pk: c
                for c in Case.objects.select_for_update(of=("self",))
                .filter(pk__in=batch)
                .exclude(state=CaseState.ARCHIVED)
                .order_by("pk")
            }
            ids = list(cases)
            for visit in visits.filter(case_id__in=ids).select_for_update(of=("self",)).order_by("pk"):
                case = cases[visit.case_id]
                assert case.due_from is not None
                due = timelimits.due(case.due_limit, case.due_from)
                if (due.day, due.provisional) != (visit.scheduled_on, visit.scheduled_provisional):
                    fields = {"scheduled_on": due.day, "scheduled_provisional": due.provisional}
                    Visit.objects.filter(pk=visit.pk).update(**fields)
                    changes[case.pk].append(change_text("回访日期", visit.scheduled_on, due.day, due.provisional))
                    counts["visits"] += 1
            for remedy in remedies.filter(case_id__in=ids).select_for_update(of=("self",)).order_by("pk"):
                moved = _remedy_recompute(remedy)
                if moved is not None:
                    label = f"{remedy.get_kind_display()}法定期限"
                    changes[remedy.case_id].append(change_text(label, remedy.statutory_deadline, *moved))
                    counts["remedies"] += 1
            for remedy in windows.filter(case_id__in=ids).select_for_update(of=("self",)).order_by("pk"):
                window = follow_on_window(remedy)
                was = remedy.window_ends_on
                if (
                    window is not None
                    and was is not None
                    and (window.day, window.provisional)
                    != (
                        was,
                        remedy.window_provisional,
                    )
                ):
                    Remedy.objects.filter(pk=remedy.pk).update(
                        window_ends_on=window.day, window_provisional=window.provisional
                    )
                    label = f"{remedy.get_kind_display()}后续救济期限"
                    changes[remedy.case_id].append(change_text(label, was, window.day, window.provisional))
                    counts["remedies"] += 1
            # A window for a further remedy moved: the day archiving may be done moves with it.
            kept.refresh(changes)
            for case_id, texts in changes.items():
                CaseEvent.objects.create(
                    case=cases[case_id],
                    at=timezone.now(),
                    actor=None,
                    kind=EventKind.NOTE,
                    summary="节假日安排已录入，" + "；".join(texts),
                    data={"calendar_year": year},
                )
                counts["events"] += 1
        last = batch[-1]
    logger.info("calendar year %s complete: follow-up dates recomputed %s", year, counts)
    return counts


def _case_ids(rows: Any, last: int) -> list[int]:
    """The first ``BATCH`` case ids after ``last`` that ``rows`` belong to."""
    return list(rows.filter(case_id__gt=last).order_by("case_id").values_list("case_id", flat=True).distinct()[:BATCH])


def _remedy_recompute(remedy: Remedy) -> tuple[date, bool] | None:
    """The remedy's new (deadline, provisional), written to the row; None if unchanged.

    ``deadline_start`` is the day ``remedy_deadline`` started from (knowing the act, or the
    previous remedy's outcome), so passing it as ``knew`` gives the same period."""
    _start, deadline = remedy_deadline(
        kind=remedy.kind, knew=remedy.deadline_start, filed_on=remedy.filed_on, previous=remedy.previous
    )
    day, provisional = deadline.day, deadline.provisional
    if (day, provisional) == (remedy.statutory_deadline, remedy.deadline_provisional):
        return None
    fields: dict[str, Any] = {
        "statutory_deadline": day,
        "deadline_provisional": provisional,
        "filed_in_time": remedy.kind == RemedyKind.MEDIATION or remedy.filed_on <= day,
    }
    if remedy.next_check_on == remedy.statutory_deadline:
        fields["next_check_on"] = day
    Remedy.objects.filter(pk=remedy.pk).update(**fields)
    return day, provisional


def calendar_year_completed_receiver(sender: object, year: int, **kwargs: Any) -> None:
    """``calendar.calendar_year_completed``: connected in ``FollowupConfig.ready``."""
    provisional_followup_recompute(year=year)
