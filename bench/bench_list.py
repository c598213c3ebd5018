"""Lists and searches at a million cases (issue 12 §2): the case list page (every view, a state
filter, a deep page), the search by case number, by a party's full name, by ID number and by
mobile (blind index) and by credit code, the API list (a view, a search, page 200 through the
keyset cursor) and the case page with 50 timeline events — for a department handler, the group
office and an intake clerk. Each row: median and p95 of ``--repeat`` runs (after one warm-up),
the statements run, and beside it the bare indexed ``SELECT … FROM cases_case WHERE
jurisdiction_id = ? AND number = ?`` measured in the same run, and the ratio of the two medians.

    .venv/bin/python bench/bench_list.py [--cases 1000000] [--repeat 15] [--only page|api|search|detail]

``--only selector`` times the database part of a list page alone (``case_list_for`` → 25 rows
with their categories, and the ``CappedPaginator`` count to 999, as the page). Pages go through Django's test client
(middleware, session, template), the API through DRF's
with a token. The database is ``var/bench/cases_<N>.sqlite3`` (or FENGQIAO_DATABASE_URL); the
script adds, once, 48 notes to one case (the case page with 50 events) — run it on a copy.
Every row is kept with ``_common.record("lists", …)``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import _common

USERS = [("tax_handler", "handler"), ("office", "office"), ("clerk", "clerk")]
TIMELINE = 50
TARGET_MS = 50.0


def measure(fn: Callable[[], Any], repeat: int) -> tuple[list[float], int]:
    """Seconds of each run after a warm-up, and the statements of the last run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times = []
    queries = 0
    for _i in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        queries = len(captured)
    return times, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=["page", "api", "search", "detail", "selector"], default="")
    parser.add_argument("--no-analyze", action="store_true", help="statistics are fresh already")
    args = parser.parse_args()
    _common.prepared(args.cases)

    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from fengqiao.cases.models import Case, CaseEvent, EventKind, PayerKind
    from fengqiao.cases.selectors import WORKBENCH_VIEWS, CaseFilter, case_list_for
    from fengqiao.cases.states import OPEN_STATES
    from fengqiao.cases.views import LIST_COUNT_CAP, PAGE_SIZE
    from fengqiao.core.paging import CappedPaginator
    from fengqiao.org.models import Staff

    if not args.no_analyze:
        with connection.cursor() as cursor:  # fresh statistics for the planner
            if connection.vendor == "sqlite":
                # Full statistics whatever the connection's analysis_limit: a
                # sampled ANALYZE at a million cases estimated ~400 cases per county and per
                # department — the planner then walked the county for every count (1–2 s a page).
                cursor.execute("PRAGMA analysis_limit=0")
                cursor.execute("ANALYZE")
            else:
                cursor.execute("VACUUM ANALYZE")

    handler = Staff.objects.select_related("department").get(username="tax_handler")
    assert handler.department is not None, "tax_handler belongs to the tax bureau (demo_staff)"
    county_id = handler.department.jurisdiction_id
    # The searched case: one in the middle of the handler's department's cases (all three see it).
    mine = Case.objects.filter(jurisdiction_id=county_id, involvements__department=handler.department_id)
    case = (  # an open one: the notes are added to its timeline
        mine.filter(state__in=OPEN_STATES, pk__gte=mine.order_by("pk")[mine.count() // 2].pk)
        .select_related("payer__identity")
        .order_by("pk")
        .first()
    )
    assert case is not None
    person = (
        mine.filter(payer__kind=PayerKind.PERSON, pk__gte=case.pk)
        .exclude(payer__identity__id_number_index="")
        .exclude(payer__identity__phone_index="")
        .select_related("payer__identity")
        .order_by("pk")
        .first()
    )
    employer = (
        mine.filter(payer__kind=PayerKind.EMPLOYER, pk__gte=case.pk)
        .exclude(payer__identity__credit_code="")
        .select_related("payer__identity")
        .order_by("pk")
        .first()
    )
    assert person is not None and employer is not None
    searches = {
        "number": case.number,
        "name": case.payer.name,
        "ID number": person.payer.identity.id_number,
        "mobile": person.payer.identity.phone,
        "credit code": employer.payer.identity.credit_code,
    }
    have = CaseEvent.objects.filter(case=case).count()
    if have < TIMELINE:
        CaseEvent.objects.bulk_create(
            CaseEvent(case=case, at=timezone.now(), actor=handler, kind=EventKind.NOTE, summary=f"bench note {i}")
            for i in range(have, TIMELINE)
        )
    print(
        f"searched case {case.number} (payer {case.payer.name}, {mine.count():,} cases of the handler's department; "
        f"{TIMELINE} events); a name matches {Case.objects.filter(payer__name=case.payer.name).count():,} cases"
    )

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number, state, due_on FROM cases_case WHERE jurisdiction_id = %s AND number = %s",
                [county_id, case.number],
            )
            cursor.fetchall()

    base_times, _q = measure(bare, args.repeat)
    base_ms = statistics.median(base_times) * 1000
    base_p95 = _common.percentile(base_times, 0.95) * 1000
    print(f"baseline: bare indexed SELECT by number: median {base_ms:.2f} ms, p95 {base_p95:.2f} ms\n")
    print(f"{'user':<8} {'what':<34} {'median':>8} {'p95':>8} {'queries':>7} {'ratio':>7}   (ms; {args.repeat} runs)")

    def row(user: str, what: str, fn: Callable[[], Any]) -> None:
        times, queries = measure(fn, args.repeat)
        p50 = statistics.median(times) * 1000
        p95 = _common.percentile(times, 0.95) * 1000
        flag = "" if p95 < TARGET_MS else "  > 50 ms"
        print(f"{user:<8} {what:<34} {p50:>8.1f} {p95:>8.1f} {queries:>7} {p50 / base_ms:>7.0f}{flag}", flush=True)
        _common.record(
            "lists",
            f"{user}: {what}",
            p50_ms=round(p50, 1),
            p95_ms=round(p95, 1),
            queries=queries,
            baseline="bare indexed SELECT by case number",
            baseline_p50_ms=round(base_ms, 2),
            ratio=round(p50 / base_ms, 1),
            target=f"p95 < {TARGET_MS:.0f} ms",
        )

    def get(client: Any, url: str) -> Callable[[], Any]:
        def fn() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fn

    def rows_and_count(staff: Staff, filters: CaseFilter) -> Callable[[], Any]:
        def fn() -> Any:
            qs = case_list_for(user=staff, filters=filters)
            paginator = CappedPaginator(qs, PAGE_SIZE, cap=LIST_COUNT_CAP)  # as the page counts
            return len(paginator.page(1).object_list), paginator.count

        return fn

    for username, label in USERS:
        staff = Staff.objects.select_related("department").get(username=username)
        page = Client()
        page.force_login(staff)
        api = APIClient()
        token, _created = Token.objects.get_or_create(user=staff)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        if args.only in ("", "selector"):
            # the database part of a list page: its 25 rows (with the categories) and its capped count
            for view in WORKBENCH_VIEWS:
                row(label, f"selector view={view}", rows_and_count(staff, CaseFilter(view=view)))
            for what, term in searches.items():
                row(label, f"selector search {what}", rows_and_count(staff, CaseFilter(q=term)))
        if args.only in ("", "page"):
            for view in WORKBENCH_VIEWS:
                row(label, f"page view={view}", get(page, f"/cases/?view={view}"))
            row(label, "page state=handling", get(page, "/cases/?view=all&state=handling"))
            row(label, "page view=all page 400 (deepest)", get(page, "/cases/?view=all&page=400"))
        if args.only in ("", "search"):
            for what, term in searches.items():
                row(label, f"page search {what}", get(page, f"/cases/?q={term}"))
        if args.only in ("", "api"):
            row(label, "api view=all", get(api, "/api/v1/cases/?view=all"))
            row(label, "api view=overdue", get(api, "/api/v1/cases/?view=overdue"))
            row(label, "api search number", get(api, f"/api/v1/cases/?q={case.number}"))
            row(label, "api search name", get(api, f"/api/v1/cases/?q={case.payer.name}"))
            url = "/api/v1/cases/?view=all"
            for _page in range(199):  # walk to page 200 once, then time page 200 by its cursor
                url = api.get(url).json()["next"]
            row(label, "api view=all page 200 (cursor)", get(api, url))
        if args.only in ("", "detail"):
            row(label, f"case page, {TIMELINE} events", get(page, f"/cases/{case.number}/"))


if __name__ == "__main__":
    main()
