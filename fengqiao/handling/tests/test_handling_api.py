"""The permission matrix of every page and endpoint of 调查处理 (CONVENTIONS 12): anonymous, a
user of another department, a user who may read but not act, a user who may act — and the
inbox's query count, which does not grow with the rows (CONVENTIONS 13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.tests.handling_helpers import file_storage, general_case, major_case, task_of
from fengqiao.org.models import Staff

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db

Api = Callable[[Staff | None], APIClient]


@pytest.fixture
def api() -> Api:
    def client_for(staff: Staff | None) -> APIClient:
        client = APIClient()
        if staff is not None:
            token, _created = Token.objects.get_or_create(user=staff)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def world(naiman, intake_clerk, persona):
    """A general matter of tax + 人社; 医保 is not involved (another department)."""
    case = general_case(intake_clerk, naiman, co=("hrss",))
    major = major_case(intake_clerk, id_number="150525199001011232", phone="13912345678")
    return {"case": case, "task": task_of(case, "hrss"), "special": major.special_requests.get(), "persona": persona}


# (who, expected status) — who: None = anonymous.
PAGE_MATRIX = [
    # the inbox
    ("get", "/handling/tasks/", None, 302),
    ("get", "/handling/tasks/", "outsider", 403),
    ("get", "/handling/tasks/", "medical_handler", 200),
    ("get", "/handling/tasks/", "group_leader", 200),
    ("get", "/handling/tasks/", "hrss_handler", 200),
    # the task page and its steps
    ("get", "/handling/tasks/{task}/", None, 302),
    ("get", "/handling/tasks/{task}/", "outsider", 404),
    ("get", "/handling/tasks/{task}/", "medical_handler", 404),  # another department: not visible
    ("get", "/handling/tasks/{task}/", "group_leader", 200),  # reads, does not act
    ("get", "/handling/tasks/{task}/", "hrss_handler", 200),
    ("post", "/handling/tasks/{task}/sign/", None, 302),
    ("post", "/handling/tasks/{task}/sign/", "medical_handler", 404),
    ("post", "/handling/tasks/{task}/sign/", "group_leader", 403),
    ("post", "/handling/tasks/{task}/sign/", "hrss_handler", 302),
    ("post", "/handling/tasks/{task}/return/", "group_leader", 403),
    ("post", "/handling/tasks/{task}/opinion/", "group_leader", 403),
    ("post", "/handling/tasks/{task}/opinion/sign/", "group_leader", 403),
    ("post", "/handling/tasks/{task}/reroute/", "hrss_handler", 403),
    # the decision editor
    ("get", "/handling/cases/{case}/decision/", None, 302),
    ("get", "/handling/cases/{case}/decision/", "outsider", 404),
    ("get", "/handling/cases/{case}/decision/", "medical_handler", 404),
    ("get", "/handling/cases/{case}/decision/", "group_leader", 403),
    ("get", "/handling/cases/{case}/decision/", "hrss_handler", 403),
    ("get", "/handling/cases/{case}/decision/", "intake_clerk", 200),
    ("get", "/handling/cases/{case}/decision/", "group_office", 200),
    # the approval queue
    ("get", "/handling/approvals/", None, 302),
    ("get", "/handling/approvals/", "hrss_handler", 403),
    ("get", "/handling/approvals/", "group_office", 200),
    ("get", "/handling/approvals/", "group_leader", 200),
    ("post", "/handling/approvals/{special}/forward/", None, 302),
    ("post", "/handling/approvals/{special}/forward/", "hrss_handler", 404),
    ("post", "/handling/approvals/{special}/forward/", "group_leader", 403),
    ("post", "/handling/approvals/{special}/approve/", "intake_clerk", 403),  # sees it, may not decide
    ("post", "/handling/approvals/{special}/forward/", "group_office", 302),
]


@pytest.mark.parametrize(("method", "url", "who", "status"), PAGE_MATRIX)
def test_page_permission_matrix(client: Client, world, method: str, url: str, who: str | None, status: int) -> None:
    if who:
        client.force_login(world["persona"](who))
    target = url.format(task=world["task"].pk, case=world["case"].number, special=world["special"].pk)
    response = getattr(client, method)(target, {})
    assert response.status_code == status, (who, target)
    if status == 302 and who is None:
        assert "/login/" in response["Location"]


API_MATRIX = [
    ("get", "/api/v1/tasks/", None, 401),
    ("get", "/api/v1/tasks/", "outsider", 200),  # an empty inbox
    ("get", "/api/v1/tasks/{task}/", None, 401),
    ("get", "/api/v1/tasks/{task}/", "outsider", 404),
    ("get", "/api/v1/tasks/{task}/", "medical_handler", 404),
    ("get", "/api/v1/tasks/{task}/", "group_leader", 200),
    ("get", "/api/v1/tasks/{task}/", "hrss_handler", 200),
    ("post", "/api/v1/tasks/{task}/sign/", None, 401),
    ("post", "/api/v1/tasks/{task}/sign/", "medical_handler", 404),
    ("post", "/api/v1/tasks/{task}/sign/", "group_leader", 403),
    ("post", "/api/v1/tasks/{task}/sign/", "hrss_handler", 200),
    ("post", "/api/v1/tasks/{task}/return/", "group_leader", 403),
    ("put", "/api/v1/tasks/{task}/opinion/", "group_leader", 403),
    ("post", "/api/v1/tasks/{task}/opinion/submit/", "group_leader", 403),
    ("post", "/api/v1/tasks/{task}/opinion/sign/", "group_leader", 403),
    ("post", "/api/v1/tasks/{task}/reroute/", "hrss_handler", 403),
    ("get", "/api/v1/cases/{case}/decision/", None, 401),
    ("get", "/api/v1/cases/{case}/decision/", "medical_handler", 404),
    ("get", "/api/v1/cases/{case}/decision/", "group_leader", 403),
    ("get", "/api/v1/cases/{case}/decision/", "intake_clerk", 200),
    ("put", "/api/v1/cases/{case}/decision/", "hrss_handler", 403),
    ("post", "/api/v1/cases/{case}/decision/issue/", "hrss_handler", 403),
    ("get", "/api/v1/special-requests/", None, 401),
    ("get", "/api/v1/special-requests/", "hrss_handler", 403),
    ("get", "/api/v1/special-requests/", "group_leader", 200),
    ("post", "/api/v1/special-requests/{special}/forward/", "hrss_handler", 404),
    ("post", "/api/v1/special-requests/{special}/forward/", "group_leader", 403),
    ("post", "/api/v1/special-requests/{special}/approve/", "group_office", 403),
    ("post", "/api/v1/special-requests/{special}/decline/", "intake_clerk", 403),
    ("post", "/api/v1/special-requests/{special}/forward/", "group_office", 200),
]


@pytest.mark.parametrize(("method", "url", "who", "status"), API_MATRIX)
def test_api_permission_matrix(api, world, method: str, url: str, who: str | None, status: int) -> None:
    client = api(world["persona"](who) if who else None)
    target = url.format(task=world["task"].pk, case=world["case"].number, special=world["special"].pk)
    response = getattr(client, method)(target, {}, format="json")
    assert response.status_code == status, (who, target, response.content[:300])
    if status >= 400:
        assert set(response.json()) == {"errors"}


def test_the_inbox_query_count_does_not_grow_with_rows(api, client: Client, naiman, intake_clerk, persona) -> None:
    leader = persona("group_leader")
    handler = persona("hrss_handler")
    client.force_login(leader)

    leader_api, handler_api = api(leader), api(handler)

    def counts() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get("/handling/tasks/?view=all").status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert leader_api.get("/api/v1/tasks/").status_code == 200
        with CaptureQueriesContext(connection) as own:
            assert handler_api.get("/api/v1/tasks/?view=pending").status_code == 200
        return len(page), len(listed), len(own)

    general_case(intake_clerk, naiman)
    before = counts()
    for i in range(4):
        general_case(intake_clerk, naiman, id_number="150525199001011232", phone=f"1391234567{i}")
    intake(intake_clerk, outcome="own")
    assert counts() == before


def test_bad_input_names_the_field(api, world) -> None:
    hrss = world["persona"]("hrss_handler")
    task = world["task"]
    response = api(hrss).post(f"/api/v1/tasks/{task.pk}/return/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert api(hrss).get("/api/v1/tasks/?view=nonsense").status_code == 400
    clerk = world["persona"]("intake_clerk")
    bad = api(clerk).put(
        f"/api/v1/cases/{world['case'].number}/decision/",
        {"request": "r", "facts_and_reasons": "f", "result": "maybe", "legal_basis": "b", "remedies": []},
        format="json",
    )
    assert bad.status_code == 400 and "result" in bad.json()["errors"]
