"""The staff side of online filings (issue 14 §4): in the studio's to-do list with their
channel, in the case list with the channel shown, and the clerk's review is the window's intake
review — own handling, inform, or routing (四(一)(二))."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fengqiao.cases.models import Case, Channel, EventKind
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.todo import todo_for
from fengqiao.handling.models import Task
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.portal.tests.helpers import file_online, number_from, private_cache

__all__ = ["private_cache"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_case(naiman: Jurisdiction, intake_clerk: Staff) -> Case:
    return Case.objects.get(number=number_from(file_online(Client())))


def test_online_filing_in_the_to_do_list_with_its_channel(online_case: Case, intake_clerk: Staff) -> None:
    """docs/todo.md cases.review: the clerk on duty sees 审核转办（网上受理）."""
    items = [i for i in todo_for(intake_clerk).items if i.case_number == online_case.number]
    assert [i.what for i in items] == ["审核转办（网上受理）"]
    window = intake(intake_clerk, id_number="150525198503150013")
    assert [i.what for i in todo_for(intake_clerk).items if i.case_number == window.number] == ["审核转办"]


def test_case_list_shows_the_channel(online_case: Case, intake_clerk: Staff, client_for: Any) -> None:
    page = client_for(intake_clerk).get("/cases/?channel=online")
    text = page.content.decode()
    assert online_case.number in text and "网上" in text


def test_review_offers_the_window_outcomes(online_case: Case, intake_clerk: Staff, client_for: Any) -> None:
    """四(一) at review for an online filing: own handling (限时办结) from the review page."""
    client = client_for(intake_clerk)
    page = client.get(f"/cases/{online_case.number}/review/").content.decode()
    assert str(IntakeOutcome.OWN.label) in page and str(IntakeOutcome.INFORM.label) in page
    answer = client.post(
        f"/cases/{online_case.number}/review/", {"classification": "own", "version": online_case.version}
    )
    assert answer.status_code == 302
    case = Case.objects.get(pk=online_case.pk)
    assert case.state == CaseState.OWN_HANDLING and case.intake_outcome == IntakeOutcome.OWN
    assert Task.objects.filter(case=case).count() == 1


def test_review_informs(online_case: Case, intake_clerk: Staff, client_for: Any) -> None:
    """四(一) 不属本部门职责: 书面告知 the department to go to; the case closes as informed."""
    client = client_for(intake_clerk)
    missing = client.post(f"/cases/{online_case.number}/review/", {"classification": "inform"})
    assert missing.status_code == 200 and "请选择告知缴费人前往的部门" in missing.content.decode()
    answer = client.post(
        f"/cases/{online_case.number}/review/",
        {"classification": "inform", "informed_department": "hrss", "informed_note": "请到人社局参保科办理"},
    )
    assert answer.status_code == 302
    case = Case.objects.get(pk=online_case.pk)
    assert case.state == CaseState.INFORMED
    assert case.informed_department is not None and case.informed_department.code == "hrss"
    assert case.events.filter(kind=EventKind.INFORMED).exists()


def test_window_case_review_keeps_to_routing(naiman: Jurisdiction, intake_clerk: Staff, client_for: Any) -> None:
    """A window case's 四(一) outcome was chosen at registration: its review only routes."""
    window = intake(intake_clerk)
    assert window.channel == Channel.WINDOW
    client = client_for(intake_clerk)
    page = client.get(f"/cases/{window.number}/review/").content.decode()
    assert str(IntakeOutcome.INFORM.label) not in page
    answer = client.post(f"/cases/{window.number}/review/", {"classification": "own"})
    assert answer.status_code == 200
    assert Case.objects.get(pk=window.pk).state == CaseState.REGISTERED


def test_steps_offered_follow_the_channel(naiman: Jurisdiction, intake_clerk: Staff, online_case: Case) -> None:
    """The case API's allowed_actions offer review_own / review_inform (四(一) at review) for an
    online filing only: a step its guard would refuse is not offered for a window case."""
    from rest_framework.test import APIClient

    window = intake(intake_clerk)
    client = APIClient()
    client.force_authenticate(intake_clerk)

    def offered(case: Case) -> set[str]:
        answer = client.get(f"/api/v1/cases/{case.number}/")
        assert answer.status_code == 200, answer.content
        return {action["name"] for action in answer.json()["allowed_actions"]}

    assert {"review_own", "review_inform"} <= offered(online_case)
    assert not {"review_own", "review_inform"} & offered(window)
    assert "route_general" in offered(window)
