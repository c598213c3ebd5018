"""ARCHITECTURE.md: "a year with no data is an explicit error or warning, never a guess" — the
follow-up side: a visit scheduled and a remedy deadline counted into a year whose holidays are
not yet known are provisional, and become exact once the year is entered (docs/calendar.md).
The 2027 row is test data entered as an administrator would, not the real schedule."""

from __future__ import annotations

from datetime import date

import pytest

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.core.models import CalendarDay, CalendarYear
from fengqiao.followup import services
from fengqiao.followup.models import DeliveryMethod, Recipient, RemedyKind, Satisfaction, Visit, VisitMethod
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def test_entering_the_year_makes_the_visit_date_and_remedy_deadline_exact(
    naiman, intake_clerk, tax_handler, department_head, frozen_time, django_capture_on_commit_callbacks
) -> None:
    frozen_time("2026-12-28 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-12-29 10:00")
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    visit = Visit.objects.get(case=case)
    # 5 working days from Tuesday 29 December, 2027-01-01 counted as a weekday: Tuesday 5 January.
    assert (visit.scheduled_on, visit.scheduled_provisional) == (D("2027-01-05"), True)

    # A second case: the payer objected and applied for reconsideration; 60 days from
    # 2 November 2026 end on 1 January 2027 — a holiday once the year is entered.
    frozen_time("2026-11-02 09:00")
    other = decided_own_case(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=other, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    services.visit_record(
        visit=Visit.objects.get(case=other),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    remedy = services.remedy_record(
        case=other, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=D("2026-11-02")
    )
    assert (remedy.statutory_deadline, remedy.deadline_provisional) == (D("2027-01-01"), True)

    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        CalendarYear.objects.create(year=2027, complete=True, source="测试数据")

    visit.refresh_from_db()
    remedy.refresh_from_db()
    assert (visit.scheduled_on, visit.scheduled_provisional) == (D("2027-01-06"), False)
    assert (remedy.statutory_deadline, remedy.deadline_provisional) == (D("2027-01-04"), False)  # off the holiday
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, data__calendar_year=2027).exists()
    assert CaseEvent.objects.filter(case=other, kind=EventKind.NOTE, data__calendar_year=2027).exists()


def test_entering_the_year_leaves_a_sealed_case_as_it_was_sealed(
    naiman, intake_clerk, tax_handler, department_head, frozen_time, django_capture_on_commit_callbacks
) -> None:
    """四(七) 案件归档: a sealed dossier stays as it was sealed (``cases.models.sealed_check``).
    A case archived while its remedy's deadline and its window for a further remedy
    (行政诉讼法第四十五条, 15 days after the 复议决定) were still provisional keeps them: entering
    the year succeeds, recomputes the open case beside it, and writes nothing on the sealed one
    (before, the remedy query took the archived case and the batch failed on its event)."""
    from fengqiao.archive.services import dossier_seal
    from fengqiao.cases.models import Case
    from fengqiao.cases.states import CaseState
    from fengqiao.followup.models import Remedy, RemedyOutcome

    def objecting_case_with_reconsideration() -> tuple[Case, Remedy]:
        case = decided_own_case(intake_clerk, tax_handler, department_head)
        services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
        services.visit_record(
            visit=Visit.objects.get(case=case),
            actor=intake_clerk,
            method=VisitMethod.PHONE,
            satisfaction=Satisfaction.DISSATISFIED,
            objects_to_decision=True,
        )
        remedy = services.remedy_record(
            case=case,
            actor=intake_clerk,
            kind=RemedyKind.RECONSIDERATION,
            body="通辽市税务局",
            filed_on=D("2026-11-02"),
        )
        return case, remedy

    frozen_time("2026-11-02 09:00")
    sealed, sealed_remedy = objecting_case_with_reconsideration()
    open_case, open_remedy = objecting_case_with_reconsideration()
    # 60 days from 2 November 2026 end on 1 January 2027, a year not yet entered.
    assert (sealed_remedy.statutory_deadline, sealed_remedy.deadline_provisional) == (D("2027-01-01"), True)

    frozen_time("2026-12-21 10:00")
    sealed_remedy = services.remedy_outcome(
        remedy=sealed_remedy, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=D("2026-12-21")
    )
    # 行政诉讼法第四十五条: 15 days to sue from 21 December 2026 — 5 January 2027, provisional.
    assert (sealed_remedy.window_ends_on, sealed_remedy.window_provisional) == (D("2027-01-05"), True)

    frozen_time("2027-01-06 10:00")  # the window has passed: the case is sealed
    dossier_seal(case=sealed, actor=intake_clerk)
    sealed.refresh_from_db()
    assert sealed.state == CaseState.ARCHIVED
    before = (
        sealed.version,
        list(Remedy.objects.filter(case=sealed).values()),
        list(Visit.objects.filter(case=sealed).values()),
        CaseEvent.objects.filter(case=sealed).count(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        CalendarDay.objects.create(date=D("2027-01-05"), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
        CalendarYear.objects.create(year=2027, complete=True, source="测试数据")

    sealed.refresh_from_db()
    after = (
        sealed.version,
        list(Remedy.objects.filter(case=sealed).values()),
        list(Visit.objects.filter(case=sealed).values()),
        CaseEvent.objects.filter(case=sealed).count(),
    )
    assert after == before  # the sealed dossier's dates stay as they were sealed, provisional
    open_remedy.refresh_from_db()
    assert (open_remedy.statutory_deadline, open_remedy.deadline_provisional) == (D("2027-01-04"), False)
    assert CaseEvent.objects.filter(case=open_case, kind=EventKind.NOTE, data__calendar_year=2027).exists()
