"""Tests for the working-day calendar service (fengqiao.core.calendar).

Rules: DOMAIN.md "Counting" — "N working days" skips weekends and statutory holidays and counts
make-up working weekends; "N days" counts calendar days and a period whose last day is a
holiday ends on the next working day (信访工作条例). The 2026 days come from
国务院办公厅关于2026年部分节假日安排的通知 through the ``chinesecalendar`` package; the 2027 rows
below are test data entered the way an administrator would, not the real 2027 schedule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from fengqiao.core import calendar
from fengqiao.core.calendar import (
    CalendarSource,
    DueDate,
    add_calendar_days,
    add_working_days,
    calendar_changed,
    calendar_year_completed,
    calendar_year_status,
    is_working_day,
    local_day,
    missing_years,
    working_days_between,
)
from fengqiao.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

D = date.fromisoformat


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Test transactions roll back without post_delete signals, so a year cached in one test
    # could carry rows that no longer exist into the next.
    calendar.calendar_cache_clear()
    yield
    calendar.calendar_cache_clear()


def _enter_2027(*, complete: bool = True) -> None:
    """Enter an illustrative 2027 schedule as an administrator would (not the real one)."""
    CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D("2027-02-08"), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date=D("2027-02-20"), kind=CalendarDay.Kind.WORKDAY, name="春节")
    if complete:
        CalendarYear.objects.create(year=2027, complete=True, source="测试数据")


# --- the 2026 schedule from the package ------------------------------------------------------


def test_2026_spring_festival_schedule():
    """2026 春节: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班.

    Source: 国务院办公厅关于2026年部分节假日安排的通知, via chinesecalendar.
    """
    assert is_working_day(D("2026-02-13"))
    assert is_working_day(D("2026-02-14"))  # Saturday, make-up working day
    for offset in range(9):
        assert not is_working_day(D("2026-02-15") + timedelta(days=offset))
    assert is_working_day(D("2026-02-24"))
    assert not is_working_day(D("2026-02-22"))  # Sunday inside the holiday
    assert is_working_day(D("2026-02-28"))  # Saturday, make-up working day
    assert not is_working_day(D("2026-03-01"))  # ordinary Sunday
    assert calendar_year_status(2026) == CalendarSource.PACKAGE


def test_2026_national_day_schedule():
    """2026 国庆节: 10月1日至7日放假调休，共7天；9月20日（周日）、10月10日（周六）上班.

    Source: 国务院办公厅关于2026年部分节假日安排的通知, via chinesecalendar.
    """
    for offset in range(7):
        assert not is_working_day(D("2026-10-01") + timedelta(days=offset))
    assert is_working_day(D("2026-09-20"))
    assert is_working_day(D("2026-10-10"))
    assert add_working_days(D("2026-09-30"), 1) == DueDate(D("2026-10-08"), provisional=False)
    assert add_working_days(D("2026-10-09"), 1).day == D("2026-10-10")
    assert add_working_days(D("2026-09-19"), 1).day == D("2026-09-20")


# --- N working days ----------------------------------------------------------------------------


def test_friday_plus_one_working_day_is_the_make_up_saturday():
    """Start day not counted; 调休上班日 count (DOMAIN.md "Counting"; 2026 notice: 2月14日上班)."""
    assert add_working_days(D("2026-02-13"), 1) == DueDate(D("2026-02-14"), provisional=False)


def test_working_day_period_across_the_spring_festival():
    """ "N working days" skips the 2026 春节 holiday and counts both make-up Saturdays.

    Thu 2026-02-12 + 5: 13, 14 (Sat, 调休), then 24, 25, 26 after the holiday. From Tue
    2026-02-10, 15 working days (DOMAIN.md: whole general matter) end on Mon 2026-03-09:
    11–14, 24–28 (28 is a 调休 Saturday), 3月2–6, 3月9.
    """
    assert add_working_days(D("2026-02-12"), 5).day == D("2026-02-26")
    due = add_working_days(D("2026-02-10"), 15)
    assert due == DueDate(D("2026-03-09"), provisional=False)
    assert str(due) == "2026年3月9日"


def test_zero_working_days_is_the_same_or_next_working_day():
    """ "On the spot (same working day)" (DOMAIN.md, 社会保险法 art. 82): n=0 keeps a working day
    and moves a holiday to the next working day (2026 notice: 春节 ends 2月23日)."""
    assert add_working_days(D("2026-02-13"), 0).day == D("2026-02-13")
    assert add_working_days(D("2026-02-15"), 0).day == D("2026-02-24")
    assert add_working_days(D("2026-03-01"), 0).day == D("2026-03-02")  # Sunday


def test_working_day_count_across_the_spring_festival():
    """working_days_between counts (start, end] with the 2026 schedule (2026 notice).

    February 2026: 2–6, 9–13, 14 (调休), 24–27, 28 (调休) = 16 working days.
    """
    assert working_days_between(D("2026-02-13"), D("2026-02-24")) == 2
    assert working_days_between(D("2026-01-31"), D("2026-02-28")) == 16
    assert working_days_between(D("2026-02-24"), D("2026-02-13")) == 0
    assert working_days_between(D("2026-02-24"), D("2026-02-24")) == 0
    start = D("2026-01-05")
    for n in (1, 5, 15, 60):
        assert working_days_between(start, add_working_days(start, n).day) == n


# --- N calendar days -------------------------------------------------------------------------


def test_calendar_day_period_ending_on_a_holiday_moves_to_the_next_working_day():
    """信访工作条例: 期间届满的最后一日是节假日的，以节假日后的第一日为期间届满日期.

    2026-09-01 + 30 日 = 2026-10-01 (国庆节, 2026 notice) → 2026-10-08. A period ending on an
    ordinary Saturday moves to Monday; one ending on a 调休 Saturday stays.
    """
    assert add_calendar_days(D("2026-09-01"), 30) == DueDate(D("2026-10-08"), provisional=False)
    assert add_calendar_days(D("2026-03-07"), 7).day == D("2026-03-16")  # Sat 14th → Mon 16th
    assert add_calendar_days(D("2026-02-21"), 7).day == D("2026-02-28")  # 调休 Saturday
    assert add_calendar_days(D("2026-03-02"), 60).day == D("2026-05-06")  # 5月1日–5日 劳动节


# --- a year without data -----------------------------------------------------------------------


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_year_without_data_counts_weekdays_and_is_provisional():
    """ARCHITECTURE.md: a year with no data is an explicit warning, never a guess.

    chinesecalendar 1.11 knows 2004–2026 only; for 2027 Monday–Friday count, the result is
    provisional and the year is reported missing for the administrator warning.
    """
    assert calendar_year_status(2027) == CalendarSource.MISSING
    assert missing_years(through=D("2027-03-01")) == [2027]
    assert missing_years(through=D("2026-12-31")) == []

    due = add_working_days(D("2026-12-31"), 1)
    assert due == DueDate(D("2027-01-01"), provisional=True)  # Friday, no holiday known
    assert str(due) == "2027年1月1日（暂定）"
    assert add_calendar_days(D("2026-12-20"), 30) == DueDate(D("2027-01-19"), provisional=True)
    # A period that stays in a known year is not provisional.
    assert add_working_days(D("2026-12-01"), 5).provisional is False
    # Rows entered so far are honoured even before the year is complete.
    CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    assert add_working_days(D("2026-12-31"), 1) == DueDate(D("2027-01-04"), provisional=True)
    assert missing_years(through=D("2027-03-01")) == [2027]


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_entering_a_year_makes_its_deadlines_final(django_capture_on_commit_callbacks):
    """Once an administrator enters the year and marks it complete (CalendarYear.complete),
    its holidays and make-up days count and deadlines are no longer provisional; the
    calendar_year_completed signal lets stored provisional deadlines be recomputed.
    """
    assert add_working_days(D("2026-12-31"), 1).provisional  # warms the cache with "missing"
    completed: list[int] = []
    changed: list[int] = []

    def on_completed(sender, year, **kwargs):
        completed.append(year)

    def on_changed(sender, year, **kwargs):
        changed.append(year)

    calendar_year_completed.connect(on_completed)
    calendar_changed.connect(on_changed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _enter_2027()
    finally:
        calendar_year_completed.disconnect(on_completed)
        calendar_changed.disconnect(on_changed)

    assert completed == [2027]
    assert set(changed) == {2027}
    assert calendar_year_status(2027) == CalendarSource.ENTERED
    assert missing_years(through=D("2027-12-31")) == []
    assert add_working_days(D("2026-12-31"), 1) == DueDate(D("2027-01-04"), provisional=False)
    assert not is_working_day(D("2027-02-08"))
    assert is_working_day(D("2027-02-20"))  # entered make-up Saturday
    assert add_working_days(D("2027-02-05"), 2) == DueDate(D("2027-02-10"), provisional=False)


def test_incomplete_year_record_is_still_missing():
    """Only CalendarYear.complete=True says the whole schedule is in (ARCHITECTURE.md)."""
    _enter_2027(complete=False)
    CalendarYear.objects.create(year=2027, complete=False)
    assert calendar_year_status(2027) == CalendarSource.MISSING
    assert add_working_days(D("2026-12-31"), 1) == DueDate(D("2027-01-04"), provisional=True)


# --- administrator overrides -------------------------------------------------------------------


def test_admin_rows_override_the_package_for_a_known_year():
    """Rows an administrator enters win over chinesecalendar for their day (ARCHITECTURE.md,
    "Deadlines"): a package holiday entered as a working day counts, and the reverse."""
    assert not is_working_day(D("2026-02-23"))
    row = CalendarDay.objects.create(date=D("2026-02-23"), kind=CalendarDay.Kind.WORKDAY)
    CalendarDay.objects.create(date=D("2026-03-02"), kind=CalendarDay.Kind.HOLIDAY, name="测试")
    assert is_working_day(D("2026-02-23"))
    assert not is_working_day(D("2026-03-02"))
    assert add_working_days(D("2026-02-14"), 1).day == D("2026-02-23")
    assert calendar_year_status(2026) == CalendarSource.PACKAGE
    row.delete()
    assert not is_working_day(D("2026-02-23"))


def test_cache_expires_for_changes_made_without_signals(monkeypatch):
    """Another process's edit (or a bulk update) reaches this process once the cache expires
    (calendar.CACHE_SECONDS)."""
    row = CalendarDay.objects.create(date=D("2026-03-02"), kind=CalendarDay.Kind.HOLIDAY)
    assert not is_working_day(D("2026-03-02"))
    CalendarDay.objects.filter(pk=row.pk).update(kind=CalendarDay.Kind.WORKDAY)
    assert not is_working_day(D("2026-03-02"))  # still cached
    monkeypatch.setattr(calendar, "CACHE_SECONDS", 0)
    assert is_working_day(D("2026-03-02"))


# --- input checks and cost ---------------------------------------------------------------------


def test_bad_input_is_rejected():
    """Loops are bounded: n must be 0..MAX_DAYS; a datetime must be turned into a day in
    China first (CONVENTIONS.md 6: Asia/Shanghai for working days)."""
    with pytest.raises(ValueError):
        add_working_days(D("2026-02-13"), -1)
    with pytest.raises(ValueError):
        add_calendar_days(D("2026-02-13"), -1)
    with pytest.raises(ValueError):
        add_working_days(D("2026-02-13"), calendar.MAX_DAYS + 1)
    with pytest.raises(ValueError):
        working_days_between(D("2000-01-01"), D("2030-01-01"))
    with pytest.raises(TypeError):
        add_working_days(datetime(2026, 2, 13, tzinfo=UTC), 1)
    with pytest.raises(TypeError):
        add_working_days(D("2026-02-13"), 1.5)  # type: ignore[arg-type]
    assert add_working_days(D("2026-01-05"), calendar.MAX_DAYS).day.year > 2035


def test_local_day_uses_china_time():
    """Working days are days in China (CONVENTIONS.md 6): 17:00 UTC on Friday 13 February 2026
    is 01:00 on Saturday 14 February in Asia/Shanghai."""
    assert local_day(datetime(2026, 2, 13, 17, 0, tzinfo=UTC)) == D("2026-02-14")
    with pytest.raises(ValueError):
        local_day(datetime(2026, 2, 13, 17, 0))


def test_query_count_is_at_most_one_per_year(django_assert_num_queries):
    """CONVENTIONS.md 13 (query counts): one query per year touched, none once cached."""
    with django_assert_num_queries(1):
        add_working_days(D("2026-01-05"), 200)
    with django_assert_num_queries(0):
        add_working_days(D("2026-01-05"), 200)
        add_calendar_days(D("2026-02-01"), 60)
        working_days_between(D("2026-01-01"), D("2026-12-31"))
    with django_assert_num_queries(2):
        add_working_days(D("2026-12-01"), 300)  # 2026 cached, 2027 and 2028 read
    calendar.calendar_cache_clear()
    with django_assert_num_queries(3):
        working_days_between(D("2026-06-01"), D("2028-06-01"))
    with time_machine.travel(datetime(2026, 11, 26, tzinfo=UTC)), django_assert_num_queries(0):
        assert missing_years(through=D("2028-12-31")) == [2027, 2028]


# --- admin -------------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_admin_warns_until_the_year_is_entered(admin_client, admin_user):
    """ARCHITECTURE.md: a year with no data is a warning to the administrator; entering the
    year in the admin records who entered it and ends the warning."""
    years_url = reverse("admin:core_calendaryear_changelist")
    warning = "2027年的节假日安排尚未录入"
    assert warning in admin_client.get(years_url).content.decode()

    response = admin_client.post(
        reverse("admin:core_calendaryear_add"),
        # the year's days are entered on the same page (core.services.schedule_parse)
        {
            "year": 2027,
            "complete": "on",
            "source": "测试数据",
            "schedule": "2027-01-01 休 元旦\n2027-02-08 休 春节\n2027-02-20 班 春节",
        },
    )
    assert response.status_code == 302
    year = CalendarYear.objects.get(year=2027)
    assert year.entered_by == admin_user
    assert year.entered_at is not None
    page = admin_client.get(years_url).content.decode()
    assert warning not in page
    assert "管理员录入" in page

    days = admin_client.get(reverse("admin:core_calendarday_changelist"), {"kind": "holiday"})
    assert days.status_code == 200
    assert days.context["cl"].result_count == 2  # the make-up working day is filtered out
    assert "元旦" in days.content.decode()
