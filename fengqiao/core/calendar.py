"""工作日历服务 — the one place where a 规定时限 (time limit) becomes a date.

Counting rules (docs/calendar.md, DOMAIN.md "Counting"):

- "N 个工作日" skips weekends and 法定节假日 and counts 调休上班日 (make-up working weekends)
  as working days. The start day is not counted.
- "N 日" counts calendar days; a period whose last day is not a working day ends on the next
  working day (信访工作条例: 期间届满的最后一日是节假日的，以节假日后的第一日为期间届满日期).

Where the days come from, for each year:

1. ``CalendarDay`` rows an administrator entered — they win over everything else;
2. the ``chinesecalendar`` package, for the years it knows;
3. otherwise, if the administrator has marked the year ``CalendarYear.complete``, the rows
   entered are the whole schedule;
4. otherwise the year has no data: Monday to Friday are counted as working days (plus any rows
   entered so far) and the result is marked ``provisional``. The system never guesses silently.

Each year is read from the database at most once per computation and then kept in this
process for ``CACHE_SECONDS``; saving or deleting a ``CalendarDay`` or ``CalendarYear`` clears
the cache (``fengqiao.core.signals``). The time limit bounds how long another process (a
second web worker, the job worker) can keep counting with data an administrator has changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import CalendarDay, CalendarYear

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CACHE_SECONDS",
    "MAX_DAYS",
    "WORKING_DAY_TZ",
    "CalendarSource",
    "DueDate",
    "add_calendar_days",
    "add_working_days",
    "calendar_cache_clear",
    "calendar_changed",
    "calendar_year_completed",
    "calendar_year_status",
    "is_working_day",
    "local_day",
    "missing_years",
    "month_bounds",
    "working_days_between",
]

#: Working days are days in China: an aware datetime is turned into a date in this zone.
WORKING_DAY_TZ = ZoneInfo("Asia/Shanghai")

#: Largest N accepted by ``add_working_days`` and ``add_calendar_days`` (about ten years of
#: calendar days); every time limit in DOMAIN.md is far below it. It bounds the loops.
MAX_DAYS = 3660

#: Longest span ``working_days_between`` counts over.
MAX_SPAN_DAYS = 2 * MAX_DAYS

#: How long a year's data stays in this process's cache before it is read again.
CACHE_SECONDS = 300

#: Sent (after commit) when a ``CalendarYear`` is saved with ``complete=True``, with
#: ``year=<int>``. Deadlines stored with ``provisional=True`` that fall in that year should be
#: recomputed by a receiver in the app that stores them.
calendar_year_completed = Signal()

#: Sent (after commit) whenever a ``CalendarDay`` or ``CalendarYear`` is saved or deleted,
#: with ``year=<int>``: an administrator corrected the schedule, so any deadline computed
#: across that year may have moved.
calendar_changed = Signal()

_ONE_DAY = timedelta(days=1)
# A marker row in the one query per year that tells "the year is complete" (see _read_year).
_COMPLETE = "__complete__"


class CalendarSource(models.TextChoices):
    """Where a year's holidays and make-up working days come from."""

    PACKAGE = "package", _("chinesecalendar 软件包")
    ENTERED = "entered", _("管理员录入")
    MISSING = "missing", _("缺少数据（按周一至周五计算，期限为暂定）")


@dataclass(frozen=True, slots=True)
class DueDate:
    """A computed deadline (期限届满日).

    ``provisional`` is True when the computation had to count through a year whose holiday
    schedule is not known yet (weekdays only); the date may move once an administrator enters
    that year. Store the flag with the deadline and show it to users.
    """

    day: date
    provisional: bool = False

    def __str__(self) -> str:
        text = gettext("%(year)d年%(month)d月%(day)d日") % {
            "year": self.day.year,
            "month": self.day.month,
            "day": self.day.day,
        }
        if self.provisional:
            text += gettext("（暂定）")
        return text


@dataclass(frozen=True, slots=True)
class _Year:
    """One year's schedule: the days whose status differs from the Monday–Friday week."""

    source: CalendarSource
    overrides: Mapping[date, bool]  # date -> is a working day
    loaded_at: float = field(compare=False)


_cache: dict[int, _Year] = {}
# Bumped by every clear, so a load that raced with a clear does not store stale data.
_generation = 0


def calendar_cache_clear() -> None:
    """Forget every cached year; called whenever the calendar tables change."""
    global _generation
    _generation += 1
    _cache.clear()


def local_day(moment: datetime) -> date:
    """The date in China of an aware datetime — the day the working-day rules apply to."""
    if timezone.is_naive(moment):
        raise ValueError("local_day() needs an aware datetime")
    return moment.astimezone(WORKING_DAY_TZ).date()


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month as [start, end) instants: midnight Asia/Shanghai of its first day and of the
    first day of the next month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (
        datetime.combine(first, clock.min, tzinfo=WORKING_DAY_TZ),
        datetime.combine(following, clock.min, tzinfo=WORKING_DAY_TZ),
    )


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a 工作日: a weekday that is not a 法定节假日, or a 调休上班日.

    For a year with no data this counts Monday to Friday; use ``calendar_year_status`` or the
    ``provisional`` flag of ``add_working_days`` when that matters.
    """
    _check_date(day, "day")
    return _Walk().is_working(day)


def add_working_days(start: date, n: int) -> DueDate:
    """The day ``n`` 工作日 after ``start``; ``start`` itself is not counted.

    Friday 2026-02-13 + 1 working day is Saturday 2026-02-14, a 调休上班日. ``n == 0`` means
    ``start`` if it is a working day, else the next working day ("on the spot").
    """
    _check_date(start, "start")
    _check_n(n)
    walk = _Walk()
    day = start
    if n == 0:
        day = walk.first_working_day_from(day)
    else:
        remaining = n
        while remaining:
            day = walk.step(day, start)
            if walk.is_working(day):
                remaining -= 1
    return DueDate(day=day, provisional=walk.provisional)


def add_calendar_days(start: date, n: int) -> DueDate:
    """The end of a period of ``n`` 日 (calendar days) beginning after ``start``.

    If ``start + n`` is a weekend day or a 法定节假日, the period ends on the next working day
    (信访工作条例: 期间届满的最后一日是节假日的，以节假日后的第一日为期间届满日期).
    """
    _check_date(start, "start")
    _check_n(n)
    walk = _Walk()
    day = walk.first_working_day_from(start + timedelta(days=n))
    return DueDate(day=day, provisional=walk.provisional)


def working_days_between(start: date, end: date) -> int:
    """How many 工作日 lie in (``start``, ``end``]: 0 when ``end`` is not after ``start``.

    Used for "overdue by N working days" (超期): a deadline on ``start`` that is still open on
    ``end``. For a year with no data it counts Monday to Friday.
    """
    _check_date(start, "start")
    _check_date(end, "end")
    if end <= start:
        return 0
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError(f"span from {start} to {end} is longer than {MAX_SPAN_DAYS} days")
    walk = _Walk()
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if walk.is_working(day):
            count += 1
    return count


def calendar_year_status(year: int) -> CalendarSource:
    """Where ``year``'s schedule comes from: the package, an administrator, or nowhere yet.

    A year the package knows reports ``PACKAGE`` even when an administrator has entered
    corrections for single days (those still win for their days).
    """
    return _get_year(year).source


def missing_years(*, through: date) -> list[int]:
    """Years from this year (in China) through ``through``'s year that have no data.

    A year has data when the ``chinesecalendar`` package knows it or an administrator has
    marked it ``CalendarYear.complete``. Administrators are warned about every year listed.
    """
    _check_date(through, "through")
    today = timezone.localdate(timezone=WORKING_DAY_TZ)
    return [year for year in range(today.year, through.year + 1) if _get_year(year).source == CalendarSource.MISSING]


# ---------------------------------------------------------------------------------------------
# internals


class _Walk:
    """One computation: reads each year it touches once, and notes whether any was missing."""

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}
        self.provisional = False

    def is_working(self, day: date) -> bool:
        year = self._years.get(day.year)
        if year is None:
            year = self._years[day.year] = _get_year(day.year)
            if year.source == CalendarSource.MISSING:
                self.provisional = True
        return year.overrides.get(day, day.weekday() < 5)

    def step(self, day: date, start: date) -> date:
        # Every year has weekdays that are not holidays, so a walk never needs more than
        # MAX_DAYS working days plus their holidays; this only stops runaway data.
        if (day - start).days > 2 * MAX_DAYS + 366:
            raise RuntimeError(f"no working day found after {start}; check the calendar data")
        return day + _ONE_DAY

    def first_working_day_from(self, day: date) -> date:
        start = day
        while not self.is_working(day):
            day = self.step(day, start)
        return day


def _check_date(value: object, name: str) -> None:
    # datetime is a date subclass, but 2026-02-14 00:00 is not equal to date(2026, 2, 14)
    # in a lookup, and which day an instant falls on depends on the zone: make callers say.
    if isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not a datetime; use local_day()")
    if not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"n must be between 0 and {MAX_DAYS}, got {n}")


def _get_year(year: int) -> _Year:
    now = time.monotonic()
    cached = _cache.get(year)
    if cached is not None and now - cached.loaded_at < CACHE_SECONDS:
        return cached
    generation = _generation
    entered, complete = _read_year(year)
    package = _package_year(year)
    if package is not None:
        source = CalendarSource.PACKAGE
        overrides = {**package, **entered}
    else:
        source = CalendarSource.ENTERED if complete else CalendarSource.MISSING
        overrides = entered
    loaded = _Year(source=source, overrides=MappingProxyType(overrides), loaded_at=now)
    if generation == _generation:
        _cache[year] = loaded
    return loaded


def _read_year(year: int) -> tuple[dict[date, bool], bool]:
    """The administrator's rows for ``year`` and whether the year is complete, in one query."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = CalendarDay.objects.filter(date__range=(first, last)).order_by().values_list("date", "kind")
    marker = (
        CalendarYear.objects.filter(year=year, complete=True)
        .order_by()
        .annotate(
            marker_date=models.Value(first, output_field=models.DateField()),
            marker_kind=models.Value(_COMPLETE, output_field=models.CharField()),
        )
        .values_list("marker_date", "marker_kind")
    )
    entered: dict[date, bool] = {}
    complete = False
    for day, kind in days.union(marker, all=True):
        if kind == _COMPLETE:
            complete = True
        else:
            entered[day] = kind == CalendarDay.Kind.WORKDAY
    return entered, complete


@lru_cache(maxsize=64)
def _package_year(year: int) -> dict[date, bool] | None:
    """The package's days for ``year`` that differ from Monday–Friday; None if it lacks it."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    overrides = {d: False for d in chinese_calendar.holidays if d.year == year and d.weekday() < 5}
    overrides.update({d: True for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5})
    return overrides
