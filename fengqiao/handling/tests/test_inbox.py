"""Paging of the task inbox (任务): the page and ``GET /api/v1/tasks/`` show 50 rows at a time,
ordered by due date then id, so a department with more open tasks reaches all of them, no row
twice; the tab is kept in the paging links; the queries of a page do not grow with the rows;
a department still sees only its own tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case
from fengqiao.handling.models import Task, TaskKind, TaskStatus
from fengqiao.handling.tests.handling_helpers import dept, file_storage, general_case
from fengqiao.org.models import Jurisdiction, Staff

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db

EXTRA = 65  # hrss tasks added to the one routing gives: 66 in all, two pages


@pytest.fixture
def api() -> Callable[[Staff], APIClient]:
    def client_for(staff: Staff) -> APIClient:
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def add_tasks(case: Case, county: Jurisdiction, code: str, n: int, actor: Staff) -> list[Task]:
    """``n`` pending 会商决定事项 tasks of department ``code`` on ``case``, made directly (the
    services would route a case each). Due dates repeat and run against the ids, so only the
    id tie-break makes the order total."""
    department = dept(county, code)
    base = date(2026, 3, 2)
    now = timezone.now()
    return Task.objects.bulk_create(
        Task(
            case=case,
            department=department,
            kind=TaskKind.RESOLUTION,
            status=TaskStatus.PENDING,
            instructions=f"会商决定事项 {i}",
            created_at=now,
            created_by=actor,
            due_on=base + timedelta(days=(n - i) % 7),
        )
        for i in range(n)
    )


@pytest.fixture
def crowded(naiman, intake_clerk) -> dict[str, Any]:
    """A general matter of tax, 人社 and 医保, and 65 more open tasks of 人社."""
    case = general_case(intake_clerk, naiman)
    add_tasks(case, naiman, "hrss", EXTRA, intake_clerk)
    hrss = list(Task.objects.filter(department__code="hrss").order_by("due_on", "id").values_list("pk", flat=True))
    assert len(hrss) == EXTRA + 1
    return {"case": case, "hrss": hrss}


def rows(response: Any) -> list[int]:
    return [t.pk for t in response.context["tasks"]]


def test_the_inbox_pages_50_rows_and_keeps_the_tab(client: Client, crowded, hrss_handler) -> None:
    client.force_login(hrss_handler)
    first = client.get("/handling/tasks/?view=pending")
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.count == EXTRA + 1 and page.paginator.num_pages == 2
    assert len(rows(first)) == 50
    html = first.content.decode()
    assert "共 66 项" in html and "第 1 / 2 页" in html
    assert 'href="?view=pending&page=2"' in html  # the tab is kept
    assert "上一页" not in html

    second = client.get("/handling/tasks/?view=pending&page=2")
    assert len(rows(second)) == EXTRA + 1 - 50
    html = second.content.decode()
    assert 'href="?view=pending&page=1"' in html and "下一页" not in html

    # Due date then id: together the pages are every task once, in order.
    assert rows(first) + rows(second) == crowded["hrss"]

    # The default tab and a page past the end (the last page) as the case list does.
    assert rows(client.get("/handling/tasks/")) == crowded["hrss"][:50]
    assert 'href="?view=all&page=2"' in client.get("/handling/tasks/").content.decode()
    assert rows(client.get("/handling/tasks/?view=pending&page=9")) == rows(second)
    assert rows(client.get("/handling/tasks/?view=pending&page=x")) == rows(first)


def test_a_short_inbox_has_one_page_and_no_links(client: Client, crowded, medical_handler) -> None:
    """Another department sees only its own task, none of 人社's (visibility unchanged)."""
    client.force_login(medical_handler)
    response = client.get("/handling/tasks/?view=pending")
    own = list(Task.objects.filter(department__code="medical").values_list("pk", flat=True))
    assert rows(response) == own and len(own) == 1
    html = response.content.decode()
    assert "共 1 项" in html and "第 1 / 1 页" in html and "page=2" not in html
    assert not set(rows(response)) & set(crowded["hrss"])


def test_the_group_leader_pages_through_the_county(client: Client, crowded, group_leader) -> None:
    client.force_login(group_leader)
    everything = list(Task.objects.order_by("due_on", "id").values_list("pk", flat=True))
    seen = rows(client.get("/handling/tasks/?view=all")) + rows(client.get("/handling/tasks/?view=all&page=2"))
    assert seen == everything and len(seen) == EXTRA + 3


def test_the_api_pages_with_count_next_and_results(api, crowded, hrss_handler, medical_handler) -> None:
    client = api(hrss_handler)
    first = client.get("/api/v1/tasks/?view=pending")
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert body["count_capped"] is False
    assert body["count"] == EXTRA + 1 and len(body["results"]) == 50 and body["previous"] is None
    assert "page=2" in body["next"] and "view=pending" in body["next"]

    second = client.get(body["next"]).json()
    assert len(second["results"]) == EXTRA + 1 - 50 and second["next"] is None
    ids = [r["id"] for r in body["results"]] + [r["id"] for r in second["results"]]
    assert ids == crowded["hrss"]
    assert {r["department"]["code"] for r in body["results"] + second["results"]} == {"hrss"}

    # Another department: its own task only.
    other = api(medical_handler).get("/api/v1/tasks/").json()
    assert other["count"] == 1 and other["results"][0]["department"]["code"] == "medical"

    # A page that does not exist is a 404 in the one error shape.
    missing = client.get("/api/v1/tasks/?view=pending&page=9")
    assert missing.status_code == 404 and set(missing.json()) == {"errors"}


def test_the_queries_of_a_page_do_not_grow_with_rows(
    api, client: Client, naiman, intake_clerk, hrss_handler, django_assert_max_num_queries
) -> None:
    case = general_case(intake_clerk, naiman)
    client.force_login(hrss_handler)
    handler_api = api(hrss_handler)
    with CaptureQueriesContext(connection) as page_few:
        assert client.get("/handling/tasks/?view=pending").status_code == 200
    with CaptureQueriesContext(connection) as api_few:
        assert handler_api.get("/api/v1/tasks/?view=pending").status_code == 200

    add_tasks(case, naiman, "hrss", EXTRA, intake_clerk)
    for url in ("/handling/tasks/?view=pending", "/handling/tasks/?view=pending&page=2"):
        with django_assert_max_num_queries(len(page_few)):
            assert len(rows(client.get(url))) > 10
    for url in ("/api/v1/tasks/?view=pending", "/api/v1/tasks/?view=pending&page=2"):
        with django_assert_max_num_queries(len(api_few)):
            assert len(handler_api.get(url).json()["results"]) > 10
