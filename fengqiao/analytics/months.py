"""Kept figures of closed months (issue 12 §3): a month's analysis and scorecard counts are
counted once, when the month is closed, kept in ``MonthSnapshot`` and read thereafter — a past
month is one indexed row, not a recount over the county's cases; the current month (and a
month still in its grace days) is counted live.

- **Closed**: a month is closed once it and ``CLOSING_DAYS`` days after it are over (local
  days, Asia/Shanghai). The grace days let the facts of the month's last days that are entered
  a little late (a visit done on the 30th and recorded on the 2nd) be in the kept figures.
- **Written** by the daily job (``months_close_task``, django-q2 schedule
  ``analytics.months_close``) for the month just closed, and on the first request for any other
  closed month (``month_snapshot``); two first requests at once write one row (the unique
  constraint; the second reads the first's).
- **Read** by the pages, the API, the spreadsheet and the monthly report (``figures_of``,
  ``scorecards_of``); the scorecards' points are applied on reading, by the rules in force.
- **Late changes**: a correction made after closing to a case of a closed month (rare: a
  category corrected, a duplicate merged, a visit recorded after the grace days) is not in the
  kept figures until the group office recounts the month (``month_recount``: the analysis page,
  the API, or ``manage.py analytics_months --recount --month YYYY-MM``), which rewrites the row
  and the kept months that compare with it, its ``taken_at``, and adds one to ``recounts``. The
  pages show ``taken_at`` ("统计于…"). Sealed (archived) cases cannot change at all.
- **Counted on the read replica** when one is configured (``core.db_routers.read_replica``,
  ``FENGQIAO_ANALYTICS_DATABASE_URL``): the live counts only (the current month, one in its
  closing days, one before the mechanism). A month being kept or recounted is counted on the
  primary, as its row is read from and written to it: what is kept for good must not miss a
  correction made a moment before (a recount right after it) for replication lag, and a month
  kept a moment ago is never missed either.
- The live count of the current month reads the previous month, the same month a year before
  and the surge's base months from their snapshots when kept (``monthly_figures(earlier=…)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.analytics.analysis import SURGE_BASE_MONTHS, MonthlyFigures, monthly_figures
from fengqiao.analytics.models import MonthSnapshot
from fengqiao.analytics.scorecards import Scorecard, department_counts, scorecards_from_counts
from fengqiao.core.dates import mechanism_start
from fengqiao.core.db_routers import read_replica
from fengqiao.org.models import Jurisdiction, JurisdictionLevel, Staff

#: Days after a month's end before it is closed and kept (default, unverified: long enough for
#: the last days' visits and deliveries to be recorded; the county may want another number).
CLOSING_DAYS = 5


def _first_day(year: int, month: int, shift: int = 0) -> date:
    index = year * 12 + (month - 1) + shift
    return date(index // 12, index % 12 + 1, 1)


def is_closed(year: int, month: int, *, today: date | None = None) -> bool:
    """The month and its ``CLOSING_DAYS`` grace days are over (``today``: local date, now by
    default)."""
    today = today or timezone.localdate()
    return today >= _first_day(year, month, 1) + timedelta(days=CLOSING_DAYS)


def is_kept(year: int, month: int) -> bool:
    """A closed month the mechanism was in force for: its figures are kept. A month before
    ``FENGQIAO_MECHANISM_START`` is counted live when asked (it holds nothing, unless cases are
    imported later — a kept row of zeros would then stay wrong without a sign)."""
    start = mechanism_start()
    return is_closed(year, month) and (year, month) >= (start.year, start.month)


#: The kept months that compare with month M (M+1: 上月; M+1..M+3: the surge's base months;
#: M+12: 去年同月) — recounted with M, so no page disagrees with another after a correction.
DEPENDENT_SHIFTS = (*range(1, SURGE_BASE_MONTHS + 1), 12)


def last_closed(today: date | None = None) -> tuple[int, int]:
    """The latest month closed on ``today``."""
    today = today or timezone.localdate()
    first = _first_day(today.year, today.month, -1 if is_closed(*_ym(today, -1), today=today) else -2)
    return first.year, first.month


def _ym(day: date, shift: int) -> tuple[int, int]:
    first = _first_day(day.year, day.month, shift)
    return first.year, first.month


@dataclass(frozen=True)
class Month:
    """A county's month as the pages show it: the figures, the scorecards' counts, and when they
    were counted (``taken_at`` None: live, now)."""

    figures: MonthlyFigures
    department_counts: list[dict[str, Any]]
    taken_at: datetime | None


def _earlier(county: Jurisdiction, year: int, month: int) -> dict[tuple[int, int], MonthlyFigures]:
    """The kept figures of the months ``monthly_figures`` compares with (the month before, the
    same month a year before, the surge's base months), those already kept: one query."""
    wanted = {_ym(_first_day(year, month), -shift) for shift in range(1, SURGE_BASE_MONTHS + 1)}
    wanted.add((year - 1, month))
    found: dict[tuple[int, int], MonthlyFigures] = {}
    rows = MonthSnapshot.objects.filter(jurisdiction=county, year__in={y for y, _m in wanted}).values_list(
        "year", "month", "figures"
    )
    for y, m, figures in rows:
        if (y, m) in wanted:
            found[(y, m)] = MonthlyFigures.from_dict(figures)
    return found


def count_live(county: Jurisdiction, year: int, month: int) -> Month:
    """Count the month now (aggregate queries; the comparison months read from their snapshots
    when kept), on the primary: what ``month_close`` keeps."""
    earlier = _earlier(county, year, month)
    figures = monthly_figures(county=county, year=year, month=month, earlier=earlier)
    counts = department_counts(county=county, year=year, month=month)
    return Month(figures, counts, None)


def month_close(*, county: Jurisdiction, year: int, month: int, recount: bool = False) -> MonthSnapshot:
    """Count a closed month and keep it (``recount``: count again and rewrite a kept one).
    Refuses a month not closed yet (``ValueError``): its figures are still moving."""
    if not is_kept(year, month):
        raise ValueError(f"{year}-{month:02d} is not closed yet (closing days: {CLOSING_DAYS}) or before the mechanism")
    counted = count_live(county, year, month)
    values = {
        "figures": counted.figures.as_dict(),
        "department_counts": counted.department_counts,
        "taken_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            snapshot, created = MonthSnapshot.objects.select_for_update().get_or_create(
                jurisdiction=county, year=year, month=month, defaults=values
            )
            if not created and recount:
                for name, value in values.items():
                    setattr(snapshot, name, value)
                snapshot.recounts += 1
                snapshot.save()
    except IntegrityError:  # another request kept it meanwhile
        snapshot = MonthSnapshot.objects.get(jurisdiction=county, year=year, month=month)
    else:
        if recount and not created:
            for shift in DEPENDENT_SHIFTS:
                later = _first_day(year, month, shift)
                if is_kept(later.year, later.month) and (
                    MonthSnapshot.objects.filter(jurisdiction=county, year=later.year, month=later.month).exists()
                ):
                    _recount_one(county, later.year, later.month)
    return snapshot


def _recount_one(county: Jurisdiction, year: int, month: int) -> None:
    """Rewrite one kept month (its comparisons read the months before it as now kept)."""
    counted = count_live(county, year, month)
    with transaction.atomic():
        snapshot = MonthSnapshot.objects.select_for_update().get(jurisdiction=county, year=year, month=month)
        snapshot.figures = counted.figures.as_dict()
        snapshot.department_counts = counted.department_counts
        snapshot.taken_at = timezone.now()
        snapshot.recounts += 1
        snapshot.save()


@transaction.atomic
def month_recount(*, county: Jurisdiction, year: int, month: int, actor: Staff, reason: str) -> MonthSnapshot:
    """重新统计: the group office counts a kept month again after a late correction to one of
    its cases (with the kept months that compare with it), saying why; who and why are kept on
    the row. A month not kept (the live month, one before the mechanism) has nothing to redo."""
    from fengqiao.analytics.permissions import may_generate_report

    if not may_generate_report(actor):
        raise PermissionDenied(_("只有领导小组办公室可以重新统计。"))
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请说明重新统计的原因（如：某案件的争议事项已更正）。")]
    elif len(reason) > 200:
        errors["reason"] = [_("原因不超过200字。")]
    if not is_kept(year, month):
        errors["month"] = [_("该月数据为实时统计，无需重新统计。")]
    if errors:
        raise ValidationError(errors)
    snapshot = month_close(county=county, year=year, month=month, recount=True)
    MonthSnapshot.objects.filter(pk=snapshot.pk).update(recounted_by=actor, recount_reason=reason)
    snapshot.refresh_from_db()
    return snapshot


def month_of(*, county: Jurisdiction, year: int, month: int) -> Month:
    """The month as the pages show it: a closed month from its snapshot (kept now if it is not
    yet), the current month (and one before the mechanism) counted live."""
    if not is_kept(year, month):
        earlier = _earlier(county, year, month)  # the primary: a month kept a moment ago is there
        with read_replica():
            figures = monthly_figures(county=county, year=year, month=month, earlier=earlier)
            counts = department_counts(county=county, year=year, month=month)
        return Month(figures, counts, None)
    snapshot = MonthSnapshot.objects.filter(jurisdiction=county, year=year, month=month).first()
    if snapshot is None:
        snapshot = month_close(county=county, year=year, month=month)
    return Month(MonthlyFigures.from_dict(snapshot.figures), snapshot.department_counts, snapshot.taken_at)


def figures_of(*, county: Jurisdiction, year: int, month: int) -> tuple[MonthlyFigures, datetime | None]:
    """The month's analysis and when it was counted (None: live). Reads no scorecard counts
    for a live month."""
    if not is_kept(year, month):
        earlier = _earlier(county, year, month)
        with read_replica():
            return monthly_figures(county=county, year=year, month=month, earlier=earlier), None
    kept = month_of(county=county, year=year, month=month)
    return kept.figures, kept.taken_at


def scorecards_of(*, county: Jurisdiction, year: int, month: int) -> tuple[list[Scorecard], datetime | None]:
    """The month's scorecards (points by the rules in force) and when they were counted."""
    if not is_kept(year, month):
        with read_replica():
            counts = department_counts(county=county, year=year, month=month)
        return scorecards_from_counts(counts), None
    snapshot = MonthSnapshot.objects.filter(jurisdiction=county, year=year, month=month).only(
        "department_counts", "taken_at"
    ).first() or month_close(county=county, year=year, month=month)
    return scorecards_from_counts(snapshot.department_counts), snapshot.taken_at


def months_close_task() -> list[int]:
    """The daily job (django-q2 schedule ``analytics.months_close``): keep, for every county,
    the month just closed and the closed months the live months (the current one, and the one
    before while in its closing days) compare with (the month before, the same month a year
    before, the surge's base months) that are not kept yet — after the
    first run on a database with history, one month a month. Safe to run twice."""
    today = timezone.localdate()
    wanted = {last_closed(today)}
    live = [(today.year, today.month)]
    if not is_closed(*_ym(today, -1), today=today):  # the month before, in its closing days
        live.append(_ym(today, -1))
    for year, month in live:
        first = _first_day(year, month)
        wanted |= {_ym(first, -shift) for shift in (*range(1, SURGE_BASE_MONTHS + 1), 12)}
    kept = []
    for county in Jurisdiction.objects.filter(level=JurisdictionLevel.COUNTY):
        have = set(MonthSnapshot.objects.filter(jurisdiction=county).values_list("year", "month"))
        for year, month in sorted(wanted - have):
            if is_kept(year, month):
                kept.append(month_close(county=county, year=year, month=month).pk)
    return kept
