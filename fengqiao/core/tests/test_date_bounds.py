"""Dates that make sense (issue 11 §3): the shared bound checks of ``fengqiao.core.dates``.

Each check refuses with a ``ValidationError`` keyed by the field it names, and the message
says the bound, so the page shows it beside the input and the API under ``errors.<field>``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from fengqiao.core import dates
from fengqiao.core.models import CalendarDay, CalendarYear

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)


def refused(check, *args, **kwargs) -> tuple[str, str, str | None]:
    """(field, message, code) of the one error a check raises."""
    with pytest.raises(ValidationError) as info:
        check(*args, **kwargs)
    [(field, [error])] = info.value.error_dict.items()
    return field, error.messages[0], error.code


def test_received_at_not_before_the_mechanism_奈政字2024_123号() -> None:
    """The mechanism was issued on 2024-09-11 (奈政字〔2024〕123号): no dispute of it was received
    before, and 1900-01-01 does not open a 1900 number series."""
    field, message, code = refused(dates.received_at_check, datetime(1900, 1, 1, 9, 0, tzinfo=SHANGHAI), now=NOW)
    assert (field, code) == ("received_at", "before_mechanism")
    assert "来访时间" in message and "2024-09-11" in message and "奈政字〔2024〕123号" in message
    dates.received_at_check(datetime(2024, 9, 11, 0, 0, tzinfo=SHANGHAI), now=NOW)  # the day itself


def test_received_at_not_in_the_future_with_a_small_clock_tolerance() -> None:
    """四(一) records the 来访时间 of a payer who has come: it cannot lie ahead of the clock."""
    dates.received_at_check(NOW + dates.CLOCK_TOLERANCE, now=NOW)
    field, message, code = refused(dates.received_at_check, NOW + timedelta(hours=1), now=NOW)
    assert (field, code) == ("received_at", "future")
    assert "不能晚于当前时间（2026-02-13 10:00）" in message


def test_mechanism_start_is_configurable(settings) -> None:
    settings.FENGQIAO_MECHANISM_START = "2025-01-01"
    assert dates.mechanism_start() == date(2025, 1, 1)
    _field, message, _code = refused(
        dates.received_at_check, datetime(2024, 12, 31, 9, 0, tzinfo=SHANGHAI), field="x", now=NOW
    )
    assert "2025-01-01" in message
    settings.FENGQIAO_MECHANISM_START = "2025-13-01"
    with pytest.raises(ImproperlyConfigured):
        dates.mechanism_start()


def test_a_recorded_day_is_not_after_today(frozen_time) -> None:
    frozen_time("2026-02-13 10:00")
    dates.not_future(date(2026, 2, 13), field="filed_on", label="申请日期")
    field, message, code = refused(dates.not_future, date(2026, 2, 14), field="filed_on", label="申请日期")
    assert (field, code) == ("filed_on", "future") and "申请日期不能晚于今天（2026-02-13）" in message


def test_not_before_and_not_after_name_the_bound() -> None:
    received = datetime(2026, 2, 13, 9, 30, tzinfo=SHANGHAI)
    dates.not_before_received(received, received_at=received, field="held_at", label="调解时间")
    early = received - timedelta(minutes=1)
    field, message, code = refused(
        dates.not_before_received, early, received_at=received, field="held_at", label="调解时间"
    )
    assert (field, code) == ("held_at", "too_early")
    assert message == "调解时间不能早于案件受理时间（2026-02-13 09:30）。"
    # A day against a moment compares the day in China.
    dates.not_before_received(date(2026, 2, 13), received_at=received, field="d", label="日期")
    field, message, code = refused(
        dates.not_after, date(2026, 3, 2), field="due_on", label="期限", bound=date(2026, 3, 1), what="某日"
    )
    assert (field, code, message) == ("due_on", "too_late", "期限不能晚于某日（2026-03-01）。")


def test_a_planned_date_lies_within_the_horizon() -> None:
    today = date(2026, 2, 13)
    dates.within_plan_horizon(today + timedelta(days=dates.PLAN_HORIZON_DAYS), field="s", label="计划日期", today=today)
    field, message, code = refused(
        dates.within_plan_horizon, date(9999, 12, 31), field="scheduled_on", label="计划回访日期", today=today
    )
    assert (field, code) == ("scheduled_on", "too_late") and "今后366日" in message


@pytest.mark.django_db
def test_a_deadline_is_a_working_day_per_core_calendar() -> None:
    """工作日 (core.calendar): 2026-02-17 is in the Spring Festival holidays."""
    dates.working_day(date(2026, 2, 26), field="new_due_on", label="延期后的期限")
    field, message, code = refused(dates.working_day, date(2026, 2, 17), field="new_due_on", label="延期后的期限")
    assert (field, code) == ("new_due_on", "not_working_day") and "2026-02-17" in message


@pytest.mark.django_db
def test_a_year_without_holiday_data_is_said_not_guessed() -> None:
    """ARCHITECTURE.md: a year with no data is an explicit error, never a guess — 2027-01-01 is
    a Friday, and 元旦."""
    field, message, code = refused(dates.working_day, date(2027, 1, 1), field="new_due_on", label="延期后的期限")
    assert (field, code) == ("new_due_on", "calendar_missing")
    assert "2027年的节假日安排尚未录入" in message
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, complete=True, source="测试数据")
    field, message, code = refused(dates.working_day, date(2027, 1, 1), field="new_due_on", label="延期后的期限")
    assert code == "not_working_day"
    dates.working_day(date(2027, 1, 4), field="new_due_on", label="延期后的期限")


# Every date a page form takes, and where its bounds are checked (the API serializers feed the
# same services). A new date field fails here until it is bounded and listed.
BOUNDED_DATE_FIELDS = {
    "received_at": "cases.services.case_register",
    "new_due_on": "handling.followthrough.extensions._check_new_due",
    "held_at": "handling.followthrough.mediation.mediation_open, meetings.services.consultation_hold",
    "starts_at": "meetings.services._validate_plan",
    "due_on": "meetings.services.resolution_add",
    "starts_on": "handling.delegation.delegation_create",
    "ends_on": "handling.delegation.delegation_create",
    "delivered_at": "followup.services.feedback_record",
    "scheduled_on": "followup.services.visit_schedule",
    "done_at": "followup.services.visit_record",
    "filed_on": "followup.services.remedy_record",
    "next_check_on": "followup.services.remedy_record, remedy_check",
    "outcome_on": "followup.services.remedy_outcome",
    "seen_at": "opinion.services._item_checks",
}


def test_every_date_a_form_takes_is_bounded_somewhere() -> None:
    from django import forms

    from fengqiao.core.tests.test_dates import _form_classes

    found = {
        name
        for form in _form_classes()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    }
    assert {"received_at", "new_due_on", "held_at", "filed_on"} <= found  # the sweep sees the forms
    assert found <= set(BOUNDED_DATE_FIELDS), f"unbounded date fields: {sorted(found - set(BOUNDED_DATE_FIELDS))}"
