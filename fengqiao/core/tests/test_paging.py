"""A long list counts up to a cap and says so, instead of counting a million cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.cases.models import Case
from fengqiao.cases.tests.helpers import intake
from fengqiao.core import paging
from fengqiao.core.paging import CappedPaginator

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap(monkeypatch, naiman, intake_clerk) -> None:
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for _n in range(4):
        intake(intake_clerk)
    capped = CappedPaginator(Case.objects.order_by("pk"), 1)
    assert (capped.count, capped.capped) == (3, True)
    exact = CappedPaginator(Case.objects.order_by("pk")[:2], 1)
    assert (exact.count, exact.capped) == (2, False)
    assert CappedPaginator([1, 2, 3, 4], 1).count == 3


def test_the_case_list_says_the_list_is_longer_than_the_cap(monkeypatch, naiman, intake_clerk, client_for) -> None:
    monkeypatch.setattr("fengqiao.cases.views.LIST_COUNT_CAP", 2)  # the page's cap (999)
    for _n in range(3):
        intake(intake_clerk)
    page = client_for(intake_clerk).get(reverse("case-list"), {"view": "all"}).content.decode()
    assert "超过 2 件，请用筛选条件缩小范围" in page


def test_the_workbench_tiles_count_up_to_the_cap(monkeypatch, naiman, intake_clerk, client_for) -> None:
    """``workbench_counts`` counts to ``paging.COUNT_CAP`` unless given a cap; the staff home's
    tiles to the to-do list's ``todo.COUNT_CAP`` (999), the case list's to its ``LIST_COUNT_CAP``
    (999, ``cases/tests/test_list_cost.py``)."""
    from fengqiao.cases.selectors import workbench_counts
    from fengqiao.core import todo
    from fengqiao.core.templatetags.paging import capped

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(todo, "COUNT_CAP", 2)
    for _n in range(4):
        intake(intake_clerk)
    assert workbench_counts(user=intake_clerk)["mine"] == 3
    assert (capped(3), capped(2)) == ("2+", "2")
    home = client_for(intake_clerk).get(reverse("home")).content.decode()
    assert "<span>2+</span>我的在办案件" in home


def test_the_api_says_when_its_count_is_capped(monkeypatch, naiman, intake_clerk) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for _n in range(3):
        intake(intake_clerk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=intake_clerk)[0].key}")
    body = client.get("/api/v1/cases/").json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (3, True, 3)


def test_several_capped_counts_are_one_statement(naiman, intake_clerk, group_office) -> None:
    """``capped_counts`` answers what each ``CappedPaginator`` would, capped alike, in one
    statement; a list that can match nothing is 0 and not sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.cases.selectors import cases_visible_to

    for _n in range(4):
        intake(intake_clerk)
    lists = {
        "all": Case.objects.all(),
        "mine": cases_visible_to(intake_clerk).filter(owner=intake_clerk),
        "sliced": Case.objects.order_by("pk")[:2],
        "nobody": cases_visible_to(group_office).none(),
    }
    expected = {name: CappedPaginator(qs, 1, cap=2).count for name, qs in lists.items()}
    with CaptureQueriesContext(connection) as captured:
        counts = paging.capped_counts(lists, 2)
    assert counts == expected == {"all": 3, "mine": 3, "sliced": 2, "nobody": 0}
    assert len(captured) == 1
    with CaptureQueriesContext(connection) as captured:
        assert paging.capped_counts({"nobody": Case.objects.none()}, 2) == {"nobody": 0}
    assert len(captured) == 0
    # ``exact`` ones are counted whole, in the same one statement
    with CaptureQueriesContext(connection) as captured:
        both = paging.capped_counts({"all": Case.objects.all()}, 2, exact={"every": Case.objects.all()})
    assert both == {"all": 3, "every": 4} and len(captured) == 1
    # a paginator given the count does not count again
    assert CappedPaginator(Case.objects.all(), 1, cap=2, count=counts["all"]).capped
