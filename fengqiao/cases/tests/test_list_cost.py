"""Lists and searches at scale (issue 12 §2): the statements each list, search and case page
runs do not grow with the cases (3 cases, then 33: the same count), the search finds exact
matches by index (case number, a party's full name, ID number and mobile by blind index, credit
code) and nothing by a fragment, and the API pages by keyset cursor."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case, CaseEvent, EventKind, PayerGroup, PayerKind
from fengqiao.cases.services import PayerData
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.core import paging
from fengqiao.core.identifiers import resident_id_check_char, social_credit_check_char
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db

VIEWS = ("mine", "review", "due_soon", "overdue", "all")


def resident_id(n: int) -> str:
    first17 = f"15052519850315{n:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code(n: int) -> str:
    first17 = f"91150525MA0Q{n:05d}"
    return first17 + social_credit_check_char(first17)


def register(clerk: Staff, n: int) -> Case:
    """Case ``n``: its own payer (name, ID number, mobile) and, every third one, an employer as
    the other party; every other one for review (registered, with a deadline), the rest handled
    by the clerk's department."""
    other = None
    if n % 3 == 0:
        other = PayerData(
            kind=PayerKind.EMPLOYER,
            name=f"奈曼旗测试用人单位{n}",
            payer_group=PayerGroup.EMPLOYER,
            credit_code=credit_code(n),
        )
    return intake(
        clerk,
        name=f"测试人{n}",
        id_number=resident_id(n),
        phone=f"138{n:08d}",
        outcome=IntakeOutcome.REVIEW if n % 2 else IntakeOutcome.OWN,
        other_party=other,
    )


def grow(clerk: Staff, total: int) -> None:
    n = Case.objects.count()
    while n < total:
        register(clerk, n)
        n += 1


def searches() -> dict[str, str]:
    """One search of each kind, for case 1 (always among the first three)."""
    case = Case.objects.get(payer__name="测试人1")
    return {
        "number": case.number,
        "name": "测试人1",
        "id_number": resident_id(1),
        "phone": "13800000001",
        "credit_code": credit_code(0),
    }


def page_urls() -> list[str]:
    url = reverse("case-list")
    terms = searches()
    return [
        *(f"{url}?view={view}" for view in VIEWS),
        f"{url}?state=registered",
        f"{url}?view=all&state=handling",
        f"{url}?view=all&page=2",
        *(f"{url}?q={term}" for term in terms.values()),
    ]


def api_urls() -> list[str]:
    terms = searches()
    return [
        *(f"/api/v1/cases/?view={view}" for view in VIEWS),
        "/api/v1/cases/?state=registered",
        *(f"/api/v1/cases/?q={term}" for term in terms.values()),
    ]


def api_client(staff: Staff) -> APIClient:
    token, _created = Token.objects.get_or_create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def statements(get: Callable[[], Any]) -> int:
    get()  # warm-up: content types, the calendar, the session
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def test_list_pages_and_searches_run_the_same_statements_for_3_and_33_cases(
    client: Client, intake_clerk: Staff, tax_handler: Staff, group_office: Staff
) -> None:
    grow(intake_clerk, 3)
    counts: dict[int, dict[tuple[str, str], int]] = {}
    for total in (3, 33):
        grow(intake_clerk, total)
        counts[total] = {}
        for who in (intake_clerk, tax_handler, group_office):
            client.force_login(who)
            for url in page_urls():
                counts[total][(who.username, url)] = statements(partial(client.get, url))
    assert counts[3] == counts[33]


def test_api_lists_and_searches_run_the_same_statements_for_3_and_33_cases(
    intake_clerk: Staff, group_office: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 2)
    grow(intake_clerk, 3)
    counts: dict[int, dict[tuple[str, str], int]] = {}
    for total in (3, 33):
        grow(intake_clerk, total)
        counts[total] = {}
        for who in (intake_clerk, group_office):
            client = api_client(who)
            for url in api_urls():
                counts[total][(who.username, url)] = statements(partial(client.get, url))
            # the second page, through the first page's cursor
            second = client.get("/api/v1/cases/?view=all").json()["next"]
            counts[total][(who.username, "cursor")] = statements(partial(client.get, second))
    assert counts[3] == counts[33]


def test_a_deep_cursor_page_costs_what_the_second_does(intake_clerk: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 2)
    grow(intake_clerk, 20)
    client = api_client(intake_clerk)
    url: str | None = "/api/v1/cases/?view=all"
    links = []
    while url:
        links.append(url)
        url = client.get(url).json()["next"]
    assert len(links) == 10
    assert statements(lambda: client.get(links[1])) == statements(lambda: client.get(links[-1]))


@pytest.mark.parametrize("view", ["all", "due_soon", "review"])
def test_cursor_pages_cover_the_list_once_in_its_order(
    intake_clerk: Staff, monkeypatch: pytest.MonkeyPatch, view: str
) -> None:
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 3)
    grow(intake_clerk, 11)
    # several cases received at the same instant: the primary key orders them
    Case.objects.filter(pk__in=list(Case.objects.values_list("pk", flat=True)[:5])).update(
        received_at=timezone.now().replace(microsecond=0)
    )
    client = api_client(intake_clerk)
    everything = client.get(f"/api/v1/cases/?view={view}", {"cursor": ""})
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 50)
    expected = [row["number"] for row in client.get(f"/api/v1/cases/?view={view}").json()["results"]]
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 3)
    assert everything.status_code == 200
    seen: list[str] = []
    url: str | None = f"/api/v1/cases/?view={view}"
    while url:
        body = client.get(url).json()
        assert body["count"] == len(expected)
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
    assert len(expected) >= 5


def test_a_bad_or_foreign_cursor_is_refused_naming_it(intake_clerk: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging.KeysetPagination, "page_size", 2)
    grow(intake_clerk, 6)
    client = api_client(intake_clerk)
    for cursor in ("nonsense", "eyJvIjpbXX0", "e30"):
        response = client.get("/api/v1/cases/", {"cursor": cursor})
        assert response.status_code == 400, cursor
        assert list(response.json()["errors"]) == ["cursor"]
    # a cursor of the newest-first list does not page the deadline-ordered one
    nxt = client.get("/api/v1/cases/?view=all").json()["next"]
    cursor = nxt.split("cursor=", 1)[1]
    response = client.get("/api/v1/cases/", {"view": "due_soon", "cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


def test_search_finds_exact_matches_by_index(intake_clerk: Staff, group_office: Staff) -> None:
    grow(intake_clerk, 7)
    client = api_client(group_office)

    def numbers(q: str) -> list[str]:
        response = client.get("/api/v1/cases/", {"q": q})
        assert response.status_code == 200
        return sorted(row["number"] for row in response.json()["results"])

    case1 = Case.objects.get(payer__name="测试人1")
    case3 = Case.objects.get(payer__name="测试人3")
    assert numbers(case1.number) == [case1.number]
    assert numbers(f" {case1.number.lower()} ") == [case1.number]
    assert numbers("测试人1") == [case1.number]
    assert numbers(resident_id(1)) == [case1.number]
    assert numbers(resident_id(1)[:-1] + resident_id(1)[-1].lower()) == [case1.number]
    assert numbers("138 0000 0001") == [case1.number]
    assert numbers("+8613800000001") == [case1.number]
    # the other party: an employer by its credit code and by its name
    assert numbers(credit_code(3)) == [case3.number]
    assert numbers("奈曼旗测试用人单位3") == [case3.number]
    # exact only: a fragment of a number or a name finds nothing (docs/cases.md)
    assert numbers(case1.number[-6:]) == []
    assert numbers("测试人") == []
    assert numbers("奈曼旗测试") == []


def test_the_list_page_says_the_search_is_exact(client: Client, intake_clerk: Staff) -> None:
    client.force_login(intake_clerk)
    page = client.get(reverse("case-list")).content.decode()
    assert "精确查找" in page
    assert "不支持部分匹配" in page
    # A fragment finds nothing, and the empty list says why and what to type.
    register(intake_clerk, 1)
    found = client.get(reverse("case-list"), {"q": "张"}).content.decode()
    assert "没有符合条件的案件" in found
    assert "查找“张”只找完全一致的" in found


def test_the_case_page_runs_the_same_statements_with_3_and_50_events(client: Client, intake_clerk: Staff) -> None:
    case = Case.objects.get(pk=register(intake_clerk, 3).pk)  # with an other party
    client.force_login(intake_clerk)
    url = reverse("case-detail", args=[case.number])

    def add_notes(until: int) -> None:
        have = case.events.count()
        CaseEvent.objects.bulk_create(
            CaseEvent(case=case, at=timezone.now(), actor=intake_clerk, kind=EventKind.NOTE, summary=f"备注 {i}")
            for i in range(have, until)
        )

    add_notes(3)
    few = statements(lambda: client.get(url))
    add_notes(50)
    assert case.events.count() == 50
    assert statements(lambda: client.get(url)) == few


def test_the_list_page_counts_to_its_cap_and_offers_no_page_beyond(
    client: Client, intake_clerk: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fengqiao.cases import views

    monkeypatch.setattr(views, "LIST_COUNT_CAP", 5)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    grow(intake_clerk, 8)
    client.force_login(intake_clerk)
    page = client.get(reverse("case-list") + "?view=all&page=99").content.decode()
    assert "超过 5 件，请用筛选条件缩小范围" in page
    assert "第 3 页" in page  # 6 rows counted (the cap + 1): the last page offered is the third
    assert "下一页" not in page
    assert "5+" in page  # the tabs: 8 cases for review or handled, counted to the cap


def test_the_whole_list_page_is_seven_statements(
    client: Client, intake_clerk: Staff, tax_handler: Staff, group_office: Staff
) -> None:
    """Sign-in (session, staff, department, roles), the four tabs' counts with the list's own
    in one statement (``paging.capped_counts``), the 25 rows, their categories; the filters'
    categories and townships are kept (``core.setup_cache``). A filter change (htmx) redraws
    the table: its count alone instead of the five."""
    grow(intake_clerk, 3)
    for who in (intake_clerk, tax_handler, group_office):
        client.force_login(who)
        assert statements(partial(client.get, reverse("case-list"))) == 7, who.username
        htmx = partial(client.get, reverse("case-list"), {"view": "all"}, headers={"HX-Request": "true"})
        assert statements(htmx) == 7, who.username


def test_the_filter_choices_are_kept_and_an_edit_shows_at_once(client: Client, intake_clerk: Staff) -> None:
    from fengqiao.cases.models import DisputeCategory

    client.force_login(intake_clerk)
    url = reverse("case-list")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    read = " ".join(q["sql"] for q in captured)
    assert '"cases_disputecategory"."description"' not in read  # the filter's categories: kept
    assert "org_jurisdiction" not in read  # nor the county and its townships
    category = DisputeCategory.objects.create(code="T99", name="测试新增事项", sort_order=999)
    assert "测试新增事项" in client.get(url).content.decode()
    category.active = False
    category.save()
    assert "测试新增事项" not in client.get(url).content.decode()
