"""The dates of the to-do list (issue 11 §2, found by the role-by-role browser walk):

- a limit counted through a year whose holidays are not entered is 暂定 (``calendar.DueDate``
  ``provisional``, stored as ``Case.due_provisional``, ``Task.due_provisional``,
  ``Visit.scheduled_provisional``): the to-do row says so as the case pages do — on the
  workbench and in the API (``due_provisional``);
- 四(五) 对被反馈的争议双方进行跟踪回访: a follow-up visit is work waiting on the receiving
  department from the day it is scheduled (it may be recorded at once), not only from two
  working days before its date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from fengqiao.cases.tests.helpers import intake
from fengqiao.core import todo
from fengqiao.followup import services as followup
from fengqiao.followup.models import DeliveryMethod, Recipient, Visit
from fengqiao.followup.tests.helpers import decided_own_case
from fengqiao.handling.tests.handling_helpers import (  # noqa: F401  (file_storage is a fixture)
    file_storage,
    general_case,
    task_of,
)
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def rows(user: Staff, source: str) -> list[todo.TodoItem]:
    return [i for i in todo.todo_for(user).items if i.source == source]


def test_a_limit_in_a_year_without_holidays_is_marked_provisional(
    naiman, intake_clerk, tax_handler, client_for: Any, frozen_time: Any
) -> None:
    """四(二) 审核转办 within 1 working day of 2026-12-31 falls in 2027, whose holidays are not
    entered: the case page says 暂定, and so do the to-do row, the workbench and the API."""
    frozen_time("2026-12-31 10:00")
    case = intake(intake_clerk)
    assert case.due_on is not None and case.due_on.year == 2027 and case.due_provisional
    [item] = rows(intake_clerk, "cases.review")
    assert item.due_provisional and item.due_on == case.due_on
    page = client_for(intake_clerk).get(reverse("home")).content.decode()
    note = "该年度节假日安排尚未录入，期限按周一至周五暂计。"
    assert f'<span class="provisional" title="{note}">{case.due_on:%Y-%m-%d}</span>' in page
    [row] = client_for(intake_clerk).get(reverse("api-todo")).json()["results"]
    assert row["due_on"] == case.due_on.isoformat() and row["due_provisional"] is True


def test_a_task_limit_is_provisional_as_its_task_is(
    naiman, intake_clerk, tax_handler, client_for: Any, frozen_time: Any
) -> None:
    """A task's limit (签收任务) carries the task's own flag; a limit in a known year does not."""
    frozen_time("2026-12-30 10:00")
    late = general_case(intake_clerk, naiman)
    frozen_time("2026-03-02 10:00")
    early = general_case(intake_clerk, naiman, id_number="150525199001011288", phone="13912345674")
    flags = {i.case_number: i.due_provisional for i in rows(tax_handler, "handling.sign_for")}
    assert flags == {late.number: True, early.number: False}
    assert task_of(late, "tax").due_provisional and not task_of(early, "tax").due_provisional
    [row] = [
        r
        for r in client_for(tax_handler).get(reverse("api-todo")).json()["results"]
        if r["case_number"] == early.number
    ]
    assert row["due_provisional"] is False


def test_a_visit_is_listed_from_the_day_it_is_scheduled(
    naiman, intake_clerk, tax_handler, department_head, frozen_time: Any
) -> None:
    """四(五): the visit scheduled when the payer is told (due within the 5-working-day follow-up
    limit) is on the list at once — it was listed only from 2 working days before its date."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    followup.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)
    visit = Visit.objects.get(case=case)
    assert visit.scheduled_on == date(2026, 3, 9)  # 5 working days on
    [item] = rows(intake_clerk, "followup.visit")
    assert item.url == reverse("followup-visit", args=[visit.pk])
    assert item.due_on == visit.scheduled_on and not item.near and not item.overdue
    assert not item.due_provisional


def test_a_visit_in_a_year_without_holidays_is_listed_provisional(
    naiman, intake_clerk, tax_handler, department_head, frozen_time: Any
) -> None:
    """A visit whose date was counted into 2027 (holidays not entered) is listed at once, 暂定."""
    frozen_time("2026-12-28 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    followup.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)
    visit = Visit.objects.get(case=case)
    assert visit.scheduled_on.year == 2027 and visit.scheduled_provisional
    [item] = rows(intake_clerk, "followup.visit")
    assert item.due_on == visit.scheduled_on and item.due_provisional
