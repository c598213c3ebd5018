"""时限督办: due soon and overdue, 催办 the working day after a deadline, 督办升级 after the
configured days, across the 2026 Spring Festival; the job is safe to run twice and on several
workers at once; the 督办 page, 我的提醒 and their API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.handling.followthrough.deadlines import (
    deadline_jobs_run,
    due_soon_tasks,
    escalation_day,
    my_notice_count,
    overdue_cases,
    overdue_tasks,
    reminder_day,
)
from fengqiao.handling.models import FollowUpKind, FollowUpNotice, TaskStatus
from fengqiao.handling.tests.ft_helpers import FAR, joint_case, set_dues

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(frozen_time, intake_clerk, naiman):
    """A joint case whose tax task is due Friday 2026-02-13, the day before the Spring
    Festival's make-up Saturday (02-14) and the holidays (02-15..23)."""
    frozen_time("2026-02-09 09:00")
    case = joint_case(intake_clerk, naiman)
    task = set_dues(case, task_due=date(2026, 2, 13))
    return case, task


def test_reminder_and_escalation_days_cross_the_spring_festival(naiman) -> None:
    assert reminder_day(date(2026, 2, 13)) == date(2026, 2, 14)  # the make-up Saturday, not 02-16
    assert escalation_day(date(2026, 2, 13)) == date(2026, 2, 27)  # 14, 24, 25, 26, 27
    assert reminder_day(date(2026, 2, 14)) == date(2026, 2, 24)


def test_reminder_on_the_make_up_saturday_to_handlers_and_head(
    overdue, tax_handler, department_head, group_office, group_leader, hrss_handler
) -> None:
    case, task = overdue
    assert deadline_jobs_run(today=date(2026, 2, 13)).reminders == 0  # due today: not overdue yet
    report = deadline_jobs_run(today=date(2026, 2, 14))
    assert (report.reminders, report.escalations) == (1, 0)
    notice = FollowUpNotice.objects.get()
    assert (notice.task, notice.kind, notice.due_on) == (task, FollowUpKind.REMINDER, date(2026, 2, 13))
    recipients = set(notice.recipients.all())
    assert {tax_handler, department_head} <= recipients
    assert hrss_handler not in recipients and group_leader not in recipients
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REMINDER).count() == 1
    assert my_notice_count(user=tax_handler) == 1
    # Through the holidays nothing more; escalation 5 working days after the deadline.
    for day in (15, 20, 23, 24, 26):
        assert deadline_jobs_run(today=date(2026, 2, day)).escalations == 0
    report = deadline_jobs_run(today=date(2026, 2, 27))
    assert report.escalations == 1
    escalation = FollowUpNotice.objects.get(kind=FollowUpKind.ESCALATION)
    assert {group_office, group_leader, department_head} <= set(escalation.recipients.all())
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATION).count() == 1


def test_running_twice_sends_the_same_notices(overdue) -> None:
    first = deadline_jobs_run(today=date(2026, 3, 2))
    assert (first.reminders, first.escalations) == (1, 1)
    second = deadline_jobs_run(today=date(2026, 3, 2))
    assert (second.reminders, second.escalations) == (0, 0)
    assert FollowUpNotice.objects.count() == 2
    assert CaseEvent.objects.filter(kind__in=[EventKind.REMINDER, EventKind.ESCALATION]).count() == 2


def test_a_done_task_gets_nothing_and_a_moved_deadline_gets_its_own_reminder(overdue) -> None:
    _case, task = overdue
    deadline_jobs_run(today=date(2026, 2, 14))
    type(task).objects.filter(pk=task.pk).update(due_on=date(2026, 2, 24))  # e.g. an extension
    deadline_jobs_run(today=date(2026, 2, 25))
    assert FollowUpNotice.objects.filter(task=task, kind=FollowUpKind.REMINDER).count() == 2
    type(task).objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    assert deadline_jobs_run(today=date(2026, 3, 30)).escalations == 0


def test_case_deadline_reminder_goes_to_the_first_receiver(frozen_time, intake_clerk, naiman) -> None:
    frozen_time("2026-02-09 09:00")
    case = joint_case(intake_clerk, naiman)
    set_dues(case, case_due=date(2026, 2, 13))
    report = deadline_jobs_run(today=date(2026, 2, 14))
    assert report.reminders == 1
    notice = FollowUpNotice.objects.get()
    assert notice.task is None and intake_clerk in notice.recipients.all()
    assert list(overdue_cases(county=naiman, today=date(2026, 2, 14))) == [case]


def test_overdue_and_due_soon_selectors(overdue, naiman) -> None:
    _case, task = overdue
    assert list(overdue_tasks(county=naiman, today=date(2026, 2, 14))) == [task]
    assert list(overdue_tasks(county=naiman, today=date(2026, 2, 13))) == []
    assert list(due_soon_tasks(county=naiman, today=date(2026, 2, 12))) == [task]
    assert task not in list(due_soon_tasks(county=naiman, today=date(2026, 2, 2)))


def test_management_command(overdue, capsys) -> None:
    call_command("run_deadline_jobs", "--date", "2026-02-14")
    assert "催办 1" in capsys.readouterr().out
    call_command("run_deadline_jobs", "--date", "2026-02-14")
    assert FollowUpNotice.objects.count() == 1


def test_schedule_is_registered(naiman) -> None:
    from django_q.models import Schedule

    from fengqiao.handling.apps import DEADLINE_SCHEDULE_NAME, deadline_schedule_ensure

    deadline_schedule_ensure()
    deadline_schedule_ensure()
    schedule = Schedule.objects.get(name=DEADLINE_SCHEDULE_NAME)
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.func == "fengqiao.handling.followthrough.deadline_jobs_task"


# --- pages and API ---------------------------------------------------------------------------


def test_supervision_page(overdue, client_for, group_office, frozen_time) -> None:
    deadline_jobs_run(today=date(2026, 2, 27))
    frozen_time("2026-02-27 10:00")
    response = client_for(group_office).get(reverse("followthrough-supervision"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "超期" in text and overdue[0].number in text
    assert "5" in text  # working days overdue (14, 24, 25, 26, 27)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 403), ("tax_handler", 403), ("group_leader", 200), ("group_office", 200)],
)
def test_supervision_page_permissions(who, status, overdue, client, client_for, persona) -> None:
    c = client if who == "anonymous" else client_for(persona(who))
    assert c.get(reverse("followthrough-supervision")).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 403), ("tax_handler", 403), ("group_leader", 200)],
)
def test_supervision_api_permissions(who, status, overdue, client, client_for, persona) -> None:
    c = client if who == "anonymous" else client_for(persona(who))
    response = c.get(reverse("api-followthrough-overdue"))
    assert response.status_code in ((401, 403) if status == 401 else (status,))
    if status != 200:
        assert "errors" in response.json()


def test_supervision_api_lists_working_days_overdue(overdue, client_for, group_office, frozen_time) -> None:
    frozen_time("2026-02-27 10:00")
    data = client_for(group_office).get(reverse("api-followthrough-overdue")).json()
    assert data["tasks"][0]["case"] == overdue[0].number
    assert data["tasks"][0]["working_days_overdue"] == 5
    assert data["tasks"][0]["department"]


def test_my_reminders_page_and_api(overdue, client_for, tax_handler, hrss_handler, frozen_time) -> None:
    deadline_jobs_run(today=date(2026, 2, 14))
    frozen_time("2026-02-14 10:00")
    c = client_for(tax_handler)
    page = c.get(reverse("followthrough-reminders"))
    assert page.status_code == 200 and "催办" in page.content.decode()
    assert c.get(reverse("home")).status_code == 200
    assert c.get(reverse("api-followthrough-reminders")).json()[0]["kind"] == "reminder"
    other = client_for(hrss_handler)
    assert other.get(reverse("api-followthrough-reminders")).json() == []


def test_reminders_pages_for_anonymous(client) -> None:
    assert client.get(reverse("followthrough-reminders")).status_code == 302
    assert client.get(reverse("api-followthrough-reminders")).status_code in (401, 403)


def test_supervision_page_query_count_does_not_grow(
    frozen_time, intake_clerk, naiman, group_office, client_for, django_assert_max_num_queries
) -> None:
    frozen_time("2026-02-09 09:00")
    for _i in range(3):
        set_dues(joint_case(intake_clerk, naiman), task_due=date(2026, 2, 13), case_due=FAR)
    frozen_time("2026-02-27 10:00")
    c = client_for(group_office)
    c.get(reverse("followthrough-supervision"))
    with django_assert_max_num_queries(15):
        assert c.get(reverse("followthrough-supervision")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_send_each_notice_once(frozen_time, intake_clerk, naiman) -> None:
    """Four workers run the job at the same moment: one notice per (task, kind, deadline)."""
    from fengqiao.cases.tests.test_concurrency import run_together

    frozen_time("2026-02-09 09:00")
    for _i in range(3):
        set_dues(joint_case(intake_clerk, naiman), task_due=date(2026, 2, 13), case_due=date(2026, 2, 13))
    results, errors = run_together(lambda i: deadline_jobs_run(today=date(2026, 3, 2)), 4)
    assert errors == []
    assert sum(r.reminders for r in results) == 6  # 3 tasks + 3 cases
    assert sum(r.escalations for r in results) == 6
    assert all(not r.errors for r in results)
    assert FollowUpNotice.objects.count() == 12
    assert CaseEvent.objects.filter(kind__in=[EventKind.REMINDER, EventKind.ESCALATION]).count() == 12
