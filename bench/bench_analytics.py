"""综合分析 (四(六)) and 绩效考评 (五(四)) at scale (issue 12 §3): the analysis page, the
scorecards page and the monthly report command, each beside a bare indexed SELECT timed in the
same run.

    .venv/bin/python bench/bench_analytics.py [--cases 1000000] [--month YYYY-MM] [--repeat 3]

The database is ``var/bench/cases_<N>.sqlite3`` as for ``bench_list.py`` (generated the first
time, then reused), or FENGQIAO_DATABASE_URL — a copy: the script deletes and writes the kept
figures of the month it measures (``analytics.MonthSnapshot``) and a monthly report. The month
defaults to the latest closed month (``analytics.months.last_closed``); the month after it is
measured too, counted live (the current month, or one still in its closing days).

Rows (``_common.record("analysis", …)``):

- ``analysis page, closed month, cold``: the first request for the month, which counts it and
  keeps it; ``… kept``: the next requests, which read the kept row (median of ``--repeat``);
- ``scorecards page, closed month, cold`` / ``… kept``, the same;
- ``analysis page, live month`` / ``scorecards page, live month``, after the daily job has kept
  the months the live month compares with (as in a running county);
- ``monthly report command, cold`` / ``… kept``: ``manage.py monthly_analysis`` in a child
  process (DOCX and PDF included), its seconds and peak RSS (``resource.getrusage``).

The demo generator writes cases with their events, and some tasks, decisions and visits (at
1,000,000 cases: ~34,000 / ~11,000 / ~11,000): what grows most here is the case side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from typing import Any

import _common

TARGET_SECONDS = 2.0


def child_command(county: str, month: str) -> None:
    """Run ``monthly_analysis`` in this (fresh) process and print its seconds and peak RSS."""
    import resource

    _common.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("monthly_analysis", month=month, county=county, stdout=open(os.devnull, "w"))  # noqa: SIM115
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": round(peak_kib / 1024, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--county", default="150525")
    parser.add_argument("--month", help="YYYY-MM, a closed month (default: the latest closed)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-command", action="store_true", help="skip the monthly report command")
    parser.add_argument("--child-command", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_command:
        child_command(args.county, args.child_command)
        return
    _common.prepared(args.cases)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from fengqiao.analytics import months
    from fengqiao.analytics.models import MonthSnapshot
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Jurisdiction, Staff

    county = Jurisdiction.objects.get(code=args.county)
    if args.month:
        year, month = (int(p) for p in args.month.split("-"))
    else:
        year, month = months.last_closed()
    following = date(year + month // 12, month % 12 + 1, 1)  # counted live: current, or in its closing days
    closed, current = f"{year}-{month:02d}", f"{following.year}-{following.month:02d}"
    with connection.cursor() as cursor:  # fresh statistics for the planner, as bench_list.py
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    cases = Case.objects.filter(jurisdiction=county).count()
    print(f"{_common.database_label()}; county {county.code}: {cases:,} cases; closed {closed}, live {current}")

    def bare_select() -> float:
        """A bare indexed SELECT: the county's 20 latest cases (index on jurisdiction, received_at)."""
        started = time.perf_counter()
        list(Case.objects.filter(jurisdiction=county).order_by("-received_at").values_list("id", "number")[:20])
        return time.perf_counter() - started

    bare_select()
    baseline_ms = statistics.median(bare_select() for _ in range(20)) * 1000
    print(f"baseline: bare indexed SELECT {baseline_ms:.2f} ms")

    client = Client()
    client.force_login(Staff.objects.get(username="office"))

    def page(name: str, month_value: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(reverse(name), {"month": month_value})
            seconds = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return seconds, len(captured.captured_queries)

    def forget() -> None:
        MonthSnapshot.objects.filter(jurisdiction=county, year=year, month=month).delete()

    def report(name: str, seconds: float, queries: int | None = None, **more: Any) -> None:
        ms = seconds * 1000
        print(
            f"{name:<48} {ms:9.1f} ms  {'' if queries is None else f'{queries} queries'}  "
            f"{' '.join(f'{k}={v}' for k, v in more.items())}"
        )
        _common.record(
            "analysis",
            name,
            ms=round(ms, 1),
            **({} if queries is None else {"queries": queries}),
            **more,
            cases=cases,
            baseline="bare indexed SELECT",
            baseline_ms=round(baseline_ms, 2),
            ratio=round(ms / baseline_ms, 1) if baseline_ms else None,
            target=f"< {TARGET_SECONDS:.0f} s",
        )

    pages = (("analytics-monthly", "analysis page"), ("analytics-scorecards", "scorecards page"))
    for name, label in pages:
        forget()
        seconds, queries = page(name, closed)
        report(f"{label}, closed month, cold", seconds, queries, month=closed)
        runs = [page(name, closed) for _ in range(args.repeat)]
        report(f"{label}, closed month, kept", statistics.median(s for s, _q in runs), runs[-1][1], month=closed)
    # As in a running county: the daily job has kept the months the live month compares with.
    started = time.perf_counter()
    kept = months.months_close_task()
    print(f"daily job months_close_task: {len(kept)} months kept in {time.perf_counter() - started:.1f} s")
    for name, label in pages:
        runs = [page(name, current) for _ in range(args.repeat)]
        report(f"{label}, live month", statistics.median(s for s, _q in runs), runs[-1][1], month=current)

    if not args.no_command:
        for label, cold in (("cold", True), ("kept", False)):
            if cold:
                forget()
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--child-command", closed, "--county", county.code],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "FENGQIAO_DATABASE_URL": os.environ["FENGQIAO_DATABASE_URL"]},
            ).stdout
            wall = time.perf_counter() - started
            child = json.loads(out.strip().splitlines()[-1])
            report(
                f"monthly report command, {label}",
                child["seconds"],
                None,
                month=closed,
                peak_rss_mb=child["peak_rss_mb"],
                process_s=round(wall, 2),
            )


if __name__ == "__main__":
    main()
