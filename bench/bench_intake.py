"""Intake throughput: registrations per second through ``services.case_register`` (and through
the intake page with the test client, when the page exists), on a database that already holds
``--cases`` cases.

    .venv/bin/python bench/bench_intake.py [--cases 100000] [--requests 300] [--page-requests 100]

The database is ``var/bench/cases_<N>.sqlite3`` (generated once, then reused; or
FENGQIAO_DATABASE_URL). The registrations are added to it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import _common


def person_id(rng: random.Random) -> str:
    from fengqiao.core.identifiers import resident_id_check_char

    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"150525{born}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_char(first17)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="registrations through the service")
    parser.add_argument("--page-requests", type=int, default=100, help="registrations through the intake page")
    args = parser.parse_args()
    _common.prepared(args.cases)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from fengqiao.cases.models import Channel, DisputeCategory, PayerGroup, PayerKind
    from fengqiao.cases.services import IntakeData, PayerData, case_register
    from fengqiao.cases.states import IntakeOutcome
    from fengqiao.org.models import Jurisdiction, Staff

    rng = random.Random(7)
    clerk = Staff.objects.select_related("department").get(username="clerk")
    townships = list(Jurisdiction.objects.filter(parent__code="150525"))
    categories = list(DisputeCategory.objects.all())
    hrss = clerk.department.jurisdiction.departments.get(code="hrss") if clerk.department else None
    ids = [person_id(rng) for _ in range(max(args.requests, args.page_requests))]

    def data(i: int) -> IntakeData:
        outcome = rng.choice([IntakeOutcome.OWN, IntakeOutcome.REVIEW, IntakeOutcome.REVIEW, IntakeOutcome.INFORM])
        return IntakeData(
            payer=PayerData(
                kind=PayerKind.PERSON,
                name="赵敏",
                payer_group=PayerGroup.FLEXIBLE,
                id_number=ids[i] if rng.random() < 0.8 else ids[0],  # some come again
                phone="13912345678",
                address="奈曼旗大沁他拉镇团结路8号",
            ),
            channel=Channel.WINDOW,
            received_at=timezone.now(),
            township=rng.choice(townships),
            categories=rng.sample(categories, rng.choice([1, 1, 2])),
            summary="对2026年灵活就业人员养老保险缴费金额有异议",
            claims="重新核定",
            outcome=outcome,
            informed_department=hrss if outcome == IntakeOutcome.INFORM else None,
            informed_note="请前往人社局" if outcome == IntakeOutcome.INFORM else "",
        )

    case_register(actor=clerk, data=data(0))  # warm up (calendar, time limits)
    times: list[float] = []
    queries: list[int] = []
    started = time.perf_counter()
    for i in range(args.requests):
        payload = data(i)
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            case_register(actor=clerk, data=payload)
            times.append(time.perf_counter() - t0)
        queries.append(len(captured))
    total = time.perf_counter() - started
    print(
        f"service case_register: {args.requests} registrations in {total:.2f} s → {args.requests / total:,.0f}/s; "
        f"median {statistics.median(times) * 1000:.1f} ms, p95 {_common.percentile(times, 0.95) * 1000:.1f} ms, "
        f"{statistics.median(queries):.0f} queries each"
    )

    try:
        url = reverse("case-intake")
    except NoReverseMatch:
        print("intake page: no URL named 'case-intake' yet — skipped")
        return
    from django.test import Client

    client = Client()
    client.force_login(clerk)

    def form(i: int) -> dict[str, Any]:
        d = data(i)
        return {
            "payer_kind": "person",
            "payer_name": d.payer.name,
            "payer_group": d.payer.payer_group,
            "id_number": d.payer.id_number,
            "phone": d.payer.phone,
            "address": d.payer.address,
            "channel": d.channel,
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "township": d.township.code,
            "categories": [c.code for c in d.categories],
            "summary": d.summary,
            "claims": d.claims,
            "outcome": d.outcome,
            "informed_department": "hrss" if d.outcome == IntakeOutcome.INFORM else "",
            "informed_note": d.informed_note,
        }

    first = client.post(url, form(0))
    if first.status_code != 302:
        print(f"intake page: POST answered {first.status_code}, not a redirect — skipped")
        return
    times, queries = [], []
    started = time.perf_counter()
    for i in range(args.page_requests):
        fields = form(i)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.post(url, fields)
            times.append(time.perf_counter() - t0)
        queries.append(len(captured))
        assert response.status_code == 302, response.status_code
    total = time.perf_counter() - started
    n = args.page_requests
    print(
        f"intake page POST {url}: {n} registrations in {total:.2f} s → {n / total:,.0f}/s; "
        f"median {statistics.median(times) * 1000:.1f} ms, p95 {_common.percentile(times, 0.95) * 1000:.1f} ms, "
        f"{statistics.median(queries):.0f} queries each (redirect not followed)"
    )


if __name__ == "__main__":
    main()
