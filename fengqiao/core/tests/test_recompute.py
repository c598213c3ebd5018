"""ARCHITECTURE.md: "a year with no data is an explicit error or warning, never a guess".

A deadline counted through a year whose holidays are not known is stored as provisional
(weekdays only); once an administrator enters that year and marks it complete
(``calendar_year_completed``), the stored deadlines are recomputed from their recorded limit
and start day and become exact (docs/calendar.md). The 2027 row below is test data entered the
way an administrator would, not the real 2027 schedule.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.core import timelimits
from fengqiao.core.calendar import calendar_year_completed
from fengqiao.core.models import CalendarDay, CalendarYear
from fengqiao.handling.followthrough.extensions import extension_request
from fengqiao.handling.followthrough.recompute import provisional_deadlines_recompute
from fengqiao.handling.models import Task
from fengqiao.handling.tests.ft_helpers import joint_case

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def _enter_2027(capture) -> None:
    """The administrator enters 元旦 2027 (a Friday) and marks the year complete."""
    with capture(execute=True):
        CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        CalendarYear.objects.create(year=2027, complete=True, source="测试数据")


@pytest.fixture
def joint(frozen_time, intake_clerk, naiman):
    """A general matter reviewed on Tuesday 2026-12-29: its deadlines run into 2027."""
    frozen_time("2026-12-29 09:00")
    case = joint_case(intake_clerk, naiman)
    tasks = {t.department.code: t for t in Task.objects.filter(case=case).select_related("department")}
    return case, tasks["tax"], tasks["hrss"]


def test_a_deadline_counted_through_a_year_with_no_data_is_provisional(joint) -> None:
    case, _tax, hrss = joint
    assert case.due_provisional and case.due_limit == timelimits.GENERAL_DECISION
    assert case.due_from == D("2026-12-29")
    assert case.due_on == D("2027-01-19")  # 15 working days counting 2027-01-01 as a weekday
    assert hrss.due_provisional and hrss.due_limit == timelimits.JOINT_OPINION
    assert (hrss.due_from, hrss.due_on) == (D("2026-12-29"), D("2027-01-05"))


def test_entering_the_year_makes_provisional_deadlines_exact(
    joint, tax_handler, django_capture_on_commit_callbacks
) -> None:
    case, tax, hrss = joint
    # An extension into a year whose holidays are missing is refused, saying so (core.dates).
    with pytest.raises(ValidationError, match="2027年的节假日安排尚未录入"):
        extension_request(case=case, task=tax, actor=tax_handler, reason="需调取材料", new_due_on=D("2027-01-08"))
    # A date set explicitly (an extension approved before dates were bounded, as a major
    # matter's +30 days still is) has no limit to recompute from and stays as approved.
    Task.objects.filter(pk=tax.pk).update(due_on=D("2027-01-08"), due_limit="", due_provisional=True)
    tax.refresh_from_db()
    assert (tax.due_on, tax.due_limit, tax.due_provisional) == (D("2027-01-08"), "", True)
    version = Case.objects.get(pk=case.pk).version

    _enter_2027(django_capture_on_commit_callbacks)

    case.refresh_from_db()
    hrss.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (D("2027-01-20"), False)  # moved over 元旦
    assert case.version == version + 1
    assert (hrss.due_on, hrss.due_provisional) == (D("2027-01-06"), False)
    assert Task.objects.values_list("due_on", "due_provisional").get(pk=tax.pk) == (D("2027-01-08"), True)
    event = CaseEvent.objects.get(case=case, kind=EventKind.NOTE, data__calendar_year=2027)
    assert event.actor is None
    assert "节假日安排已录入，办理期限由2027-01-19调整为2027-01-20" in event.summary
    assert "任务办理期限由2027-01-05调整为2027-01-06" in event.summary


def test_recomputing_twice_changes_nothing_the_second_time(joint, django_capture_on_commit_callbacks) -> None:
    case, _tax, hrss = joint
    _enter_2027(django_capture_on_commit_callbacks)
    case.refresh_from_db()
    hrss.refresh_from_db()
    events = CaseEvent.objects.filter(case=case).count()

    # Every save of a complete year sends the signal again.
    with django_capture_on_commit_callbacks(execute=True):
        CalendarYear.objects.get(year=2027).save()
    counts = provisional_deadlines_recompute(year=2027)

    assert counts["cases"] == counts["tasks"] == counts["events"] == 0
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Case.objects.values_list("due_on", "version").get(pk=case.pk) == (case.due_on, case.version)
    assert Task.objects.values_list("due_on", "version").get(pk=hrss.pk) == (hrss.due_on, hrss.version)


def test_a_year_still_missing_keeps_the_deadline_provisional(joint) -> None:
    """Completing another year does not touch deadlines that end before it."""
    case, _tax, _hrss = joint
    calendar_year_completed.send(sender=CalendarYear, year=2028)
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (D("2027-01-19"), True)
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()
