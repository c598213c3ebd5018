"""跟踪回访 (四(五)) in the daily job: 救济跟踪 on a pending remedy's check date and 回访提醒 for a
visit not done — on the right day, once however often the job runs, and not for what has
ended or is already covered by the case's own 催办."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.followup import services
from fengqiao.followup.models import (
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401
from fengqiao.handling.followthrough.deadlines import deadline_jobs_run, my_notice_count, my_notices
from fengqiao.handling.models import FollowUpKind, FollowUpNotice
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def _pending(user: Staff) -> bool:
    """Whether 我的提醒 shows ``user``'s one notice as still to be acted on."""
    notice: Any = my_notices(user=user).get()
    return bool(notice.pending)


def _objecting_case(clerk: Staff, handler: Staff, chief: Staff) -> Case:
    """Delivered on 2 March 2026; at the visit the payer objects (remedy tracking)."""
    case = decided_own_case(clerk, handler, chief)
    services.feedback_record(case=case, actor=clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)
    services.visit_record(
        visit=Visit.objects.get(case=case),
        actor=clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.REMEDY_TRACKING and case.due_on is None
    return case


def _reconsideration(case: Case, clerk: Staff) -> Remedy:
    """Filed 20 March: checked on 19 April (30 days), deadline 6 May (60 days from 2 March)."""
    remedy = services.remedy_record(
        case=case, actor=clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 20)
    )
    assert (remedy.next_check_on, remedy.statutory_deadline) == (date(2026, 4, 19), date(2026, 5, 6))
    return remedy


def test_a_pending_remedy_is_followed_on_its_check_date_once(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = _objecting_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-20 09:00")
    remedy = _reconsideration(case, intake_clerk)

    frozen_time("2026-04-18 09:00")
    assert deadline_jobs_run().remedies == 0  # the day before: nothing yet
    assert not FollowUpNotice.objects.exists()

    frozen_time("2026-04-19 09:00")
    first = deadline_jobs_run()
    second = deadline_jobs_run()  # again, e.g. on a second worker
    assert (first.remedies, second.remedies) == (1, 0)
    notice = FollowUpNotice.objects.get()
    assert (notice.case, notice.task, notice.kind, notice.due_on) == (
        case,
        None,
        FollowUpKind.REMEDY,
        date(2026, 4, 19),
    )
    assert notice.text == (
        f"【救济跟踪】案件{case.number}：缴费人申请的行政复议（受理机关通辽市税务局，"
        "法定期限至2026年05月06日）请跟踪进展。"
    )
    # To the people who follow the case up: the first receiver and the department head.
    recipients = set(notice.recipients.all())
    assert {intake_clerk, department_head} <= recipients
    assert tax_handler not in recipients and hrss_handler not in recipients
    event = CaseEvent.objects.get(case=case, kind=EventKind.REMINDER)
    assert event.summary == notice.text and event.data["remedies"] == [remedy.pk]
    assert my_notice_count(user=intake_clerk) == 1
    assert _pending(intake_clerk)

    # The next days send nothing more for that check date.
    frozen_time("2026-04-20 09:00")
    assert deadline_jobs_run().remedies == 0
    # Progress noted, next check set: the notice is no longer pending; the new date gets its own.
    services.remedy_check(remedy=remedy, actor=intake_clerk, next_check_on=date(2026, 5, 7), notes="复议机关已受理")
    assert my_notice_count(user=intake_clerk) == 0
    assert not _pending(intake_clerk)
    frozen_time("2026-05-07 09:00")
    assert deadline_jobs_run().remedies == 1
    assert FollowUpNotice.objects.filter(kind=FollowUpKind.REMEDY).count() == 2


def test_an_ended_remedy_is_not_followed(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    case = _objecting_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-20 09:00")
    remedy = _reconsideration(case, intake_clerk)
    frozen_time("2026-04-10 09:00")
    services.remedy_outcome(
        remedy=remedy, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 4, 9)
    )
    for day in ("2026-04-19 09:00", "2026-04-20 09:00"):
        frozen_time(day)
        assert deadline_jobs_run().remedies == 0
    assert not FollowUpNotice.objects.filter(case=case).exists()


def test_the_first_visit_is_covered_by_the_case_reminder(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """The payer's delivery sets the follow-up limit as the case's deadline and schedules the
    visit on it: the case's 催办 the working day after is the reminder; no 回访提醒 besides."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-03 10:00")
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)
    case.refresh_from_db()
    visit = Visit.objects.get(case=case)
    assert visit.scheduled_on == case.due_on == date(2026, 3, 10)

    frozen_time("2026-03-11 09:00")
    first = deadline_jobs_run()
    second = deadline_jobs_run()
    assert (first.reminders, first.visits) == (1, 0)
    assert (second.reminders, second.visits) == (0, 0)
    notice = FollowUpNotice.objects.get(case=case)
    assert (notice.kind, notice.due_on) == (FollowUpKind.REMINDER, date(2026, 3, 10))
    assert {intake_clerk, department_head} <= set(notice.recipients.all())


def test_a_visit_in_remedy_tracking_not_done_is_reminded_once(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """In remedy tracking the case has no deadline of its own, so a visit scheduled then and not
    done gets a 回访提醒 the working day after its date, once; none once it is done."""
    frozen_time("2026-03-02 09:00")
    case = _objecting_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-20 09:00")
    visit = services.visit_schedule(case=case, actor=intake_clerk, scheduled_on=date(2026, 3, 27))  # a Friday

    for day in ("2026-03-27 09:00", "2026-03-28 09:00", "2026-03-29 09:00"):
        frozen_time(day)
        assert deadline_jobs_run().visits == 0  # its day, then the weekend
    frozen_time("2026-03-30 09:00")
    assert deadline_jobs_run().visits == 1
    assert deadline_jobs_run().visits == 0
    notice = FollowUpNotice.objects.get(case=case)
    assert (notice.kind, notice.due_on) == (FollowUpKind.VISIT, date(2026, 3, 27))
    assert "2026年03月27日" in notice.text and "跟踪回访尚未完成" in notice.text
    assert {intake_clerk, department_head} <= set(notice.recipients.all())
    assert my_notice_count(user=department_head) == 1

    services.visit_record(
        visit=visit,
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.BASICALLY,
        objects_to_decision=True,
    )
    assert my_notice_count(user=department_head) == 0
    frozen_time("2026-03-31 09:00")
    assert deadline_jobs_run().visits == 0
    assert FollowUpNotice.objects.filter(case=case).count() == 1
