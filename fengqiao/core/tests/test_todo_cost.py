"""The workbench and the to-do list cost the same number of statements whatever the amount of
work (issue 12 §2): for every role of ``demo_staff`` — window clerk, handler, department
head, group office, group leader, 司法局 handler, 12345 hotline office, administrator — the
staff home (工作台), the navigation's badge (``/todo/badge/``) and ``GET /api/v1/todo/`` take
as many queries with 3 cases of work as with 30 (``core.todo``: per source one bounded read of
rows, a count only when the read is full; the badge one count per source)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.tests.helpers import intake
from fengqiao.core import todo
from fengqiao.handling import services as handling
from fengqiao.handling.models import SpecialHandlingRequest
from fengqiao.handling.tests.handling_helpers import general_case, major_case, worker
from fengqiao.org.models import Jurisdiction, Staff

pytestmark = pytest.mark.django_db

PAGES = ("home", "todo-badge", "api-todo")


def _add_work(n: int, clerk: Staff, office: Staff, county: Jurisdiction) -> None:
    """``n`` cases of each kind of work: registered (审核转办), a general matter with tasks for
    the tax bureau, the 人社局 and the 司法局 (签收), and a major matter whose special handling
    the group office forwards to the leader (审批专案处理)."""
    for _i in range(n):
        intake(clerk)
        general_case(clerk, county, co=("hrss", "justice"))
        major_case(clerk)
    for special in SpecialHandlingRequest.objects.filter(status="requested")[: max(1, n // 3)]:
        handling.special_request_forward(special=special, actor=office, note="转报")


def _queries(client: Client) -> dict[str, int]:
    counted = {}
    for name in PAGES:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        counted[name] = len(ctx.captured_queries)
    return counted


def _users(persona: Any, naiman: Jurisdiction) -> dict[str, Staff]:
    users = {
        key: persona(key)
        for key in (
            "intake_clerk",
            "tax_handler",
            "department_head",
            "group_office",
            "group_leader",
            "hotline_officer",
            "administrator",
        )
    }
    users["justice_handler"] = worker(naiman, "justice")
    return users


def _clients(users: dict[str, Staff]) -> dict[str, Client]:
    """A signed-in test client per user."""
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    return clients


def test_every_role_pays_the_same_queries_for_3_and_30_cases_of_work(naiman, persona) -> None:
    users = _users(persona, naiman)
    clients = _clients(users)
    _add_work(3, users["intake_clerk"], users["group_office"], naiman)
    for client in clients.values():
        _queries(client)  # warm the per-process caches (calendar, content types, sessions)
    few = {key: _queries(client) for key, client in clients.items()}
    totals = {key: todo.todo_for(user).total for key, user in users.items()}
    for key in ("intake_clerk", "tax_handler", "department_head", "group_office", "group_leader", "justice_handler"):
        assert totals[key] > 0, key  # each of them has work waiting, so the rows are read
    _add_work(27, users["intake_clerk"], users["group_office"], naiman)
    many = {key: _queries(client) for key, client in clients.items()}
    assert many == few
    # What the staff home reads beyond the to-do list (the API's statements): every tile's
    # number — the four case tiles and 结果反馈与回访's three — in one statement (they were four
    # for those who follow up), and what else the page shows (我的提醒, the profile).
    beyond = {key: pages["home"] - pages["api-todo"] for key, pages in many.items()}
    assert beyond == {
        "intake_clerk": 6,
        "tax_handler": 5,
        "department_head": 4,
        "group_office": 4,
        "group_leader": 3,
        "hotline_officer": 4,
        "administrator": 3,
        "justice_handler": 4,
    }
    grown = {key: todo.todo_for(user).total for key, user in users.items()}
    for key in ("intake_clerk", "tax_handler", "department_head", "group_office", "group_leader", "justice_handler"):
        assert grown[key] > totals[key], key


def test_full_reads_add_one_count_each_whatever_the_work(naiman, persona, monkeypatch) -> None:
    """When a source's read is full (here ``ROW_LIMIT`` is lowered to 1, so every source with
    work fills it with 3 cases of work as with 30), the one capped count it adds is the same for
    3 and for 30: the statements still do not grow with the work."""
    monkeypatch.setattr(todo, "ROW_LIMIT", 1)
    users = _users(persona, naiman)
    clients = _clients(users)
    _add_work(3, users["intake_clerk"], users["group_office"], naiman)
    for client in clients.values():
        _queries(client)
    few = {key: _queries(client) for key, client in clients.items()}
    assert todo.todo_for(users["intake_clerk"]).counts  # the clerk's reads are full: counted
    assert any(n >= 2 for n in todo.todo_for(users["intake_clerk"]).counts.values())
    _add_work(27, users["intake_clerk"], users["group_office"], naiman)
    many = {key: _queries(client) for key, client in clients.items()}
    assert many == few


def test_the_badge_counts_exactly_up_to_the_cap_and_says_more_beyond(naiman, intake_clerk, client_for) -> None:
    """The navigation's number is exact for small numbers; a source beyond ``todo.COUNT_CAP``
    shows "N+" (here the cap is lowered to 2 so that three registered cases exceed it)."""
    for _i in range(2):
        intake(intake_clerk)
    client = client_for(intake_clerk)
    assert ">2<" in client.get(reverse("todo-badge")).content.decode()
    intake(intake_clerk)
    old = todo.COUNT_CAP
    todo.COUNT_CAP = 2
    try:
        badge = client.get(reverse("todo-badge")).content.decode()
        data = client.get(reverse("api-todo")).json()
        home = client.get(reverse("home")).content.decode()
    finally:
        todo.COUNT_CAP = old
    assert ">3+<" in badge
    assert data["count_capped"] is True and data["groups"][0]["count"] == 3
    assert '<span class="badge">2+</span>' in home
