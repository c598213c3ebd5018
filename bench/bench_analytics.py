"""综合分析 (四(六)) at scale: ``fengqiao.analytics.analysis.monthly_figures`` for one county
and month, timed, with its query count and its slowest queries.

    .venv/bin/python bench/bench_analytics.py [--cases 1000000] [--year 2026 --month 10] [--repeat 5]

The database is ``var/bench/cases_<N>.sqlite3`` as for ``bench_list.py`` (generated the first
time, then reused), or FENGQIAO_DATABASE_URL. The month defaults to the last complete one
before today. The demo generator writes cases and their intake/review events only, so the
figures of tasks, decisions, deliveries, visits and remedies are zero here: what is measured is
the case side (the breakdowns over the month's cases and the warnings over the last months),
which is what grows with a county's years of cases.
"""

from __future__ import annotations

import argparse
import statistics
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--county", default="150525")
    parser.add_argument("--year", type=int)
    parser.add_argument("--month", type=int)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--slowest", type=int, default=5, help="print the N slowest queries of the last run")
    args = parser.parse_args()
    _common.prepared(args.cases)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fengqiao.analytics.analysis import monthly_figures
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Jurisdiction

    if args.year is None or args.month is None:
        today = timezone.localdate()
        args.year, args.month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    county = Jurisdiction.objects.get(code=args.county)
    with connection.cursor() as cursor:  # fresh statistics for the planner, as bench_list.py
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    in_county = Case.objects.filter(jurisdiction=county).count()
    print(f"county {county.code} {county.name}: {in_county:,} cases; month {args.year}-{args.month:02d}")

    times: list[float] = []
    queries = 0
    captured_last: list[dict[str, str]] = []
    figures = None
    for i in range(args.repeat + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            figures = monthly_figures(county=county, year=args.year, month=args.month)
            seconds = time.perf_counter() - started
        label = "cold (first run)" if i == 0 else f"run {i}"
        print(f"{label:<17} {seconds:7.3f} s  {len(captured.captured_queries)} queries")
        if i:
            times.append(seconds)
        queries = len(captured.captured_queries)
        captured_last = list(captured.captured_queries)
    assert figures is not None
    print(
        f"monthly_figures: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
        f"over {args.repeat} runs; {queries} queries"
    )
    print(
        f"received {figures.received:,} (previous month {figures.received_previous_month:,}, "
        f"a year before {figures.received_same_month_last_year:,}); open at end {figures.open_at_end:,}, "
        f"overdue {figures.overdue_open:,}"
    )
    kinds: dict[str, int] = {}
    for warning in figures.warnings:
        kinds[warning.kind] = kinds.get(warning.kind, 0) + 1
    print(f"warnings: {len(figures.warnings)} {kinds}")
    if args.slowest:
        print(f"\nslowest {args.slowest} queries of the last run (ms):")
        for query in sorted(captured_last, key=lambda q: -float(q["time"]))[: args.slowest]:
            print(f"  {float(query['time']) * 1000:8.1f}  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
