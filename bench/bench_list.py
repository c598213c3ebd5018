"""Workbench list latency: ``case_list_for(user, CaseFilter(view=…))[:25]`` evaluated, plus its
``count()``, for every view, for a department handler and for the group office.

    .venv/bin/python bench/bench_list.py [--cases 1000000] [--repeat 15] [--no-explain]

The database is ``var/bench/cases_<N>.sqlite3`` (generated the first time — a million cases
take a few minutes — then reused; or FENGQIAO_DATABASE_URL). Prints median and p95 in ms, the
number of queries, and the query plan of the list and count queries (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN on PostgreSQL) to show which indexes they use.
"""

from __future__ import annotations

import argparse
import statistics
import time

import _common

USERS = [
    ("tax_handler", "tax handler (税务经办人)"),
    ("office", "group office (领导小组办公室)"),
    ("clerk", "tax intake clerk (受理员)"),
]


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"      {row[-1]}" for row in rows)
    return "\n".join(f"      {row[0]}" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    _common.prepared(args.cases)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.cases.selectors import WORKBENCH_VIEWS, CaseFilter, case_list_for
    from fengqiao.org.models import Staff

    with connection.cursor() as cursor:  # fresh statistics for the planner
        # After a bulk load PostgreSQL also needs the visibility map (VACUUM) before index-only
        # scans can skip the table; autovacuum gets there too, eventually.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")

    print(
        f"{'user':<30} {'view':<9} {'rows':>4} {'count':>9} {'list+count':>10} {'p95':>7} "
        f"{'list':>7} {'count':>7} {'queries':>7}   (ms; median of {args.repeat})"
    )
    plans: list[tuple[str, str, list[str]]] = []
    for username, label in USERS:
        user = Staff.objects.select_related("department").get(username=username)
        _ = user.role_set  # read once per request in the app too
        for view in WORKBENCH_VIEWS:
            times: list[float] = []
            list_times: list[float] = []
            count_times: list[float] = []
            captured_sql: list[str] = []
            rows = total = 0
            for i in range(args.repeat + 1):
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    qs = case_list_for(user=user, filters=CaseFilter(view=view))
                    rows = len(list(qs[:25]))
                    t1 = time.perf_counter()
                    total = qs.count()
                    t2 = time.perf_counter()
                if i == 0:  # the first run warms the caches (calendar, page cache)
                    captured_sql = [q["sql"] for q in captured.captured_queries]
                    continue
                times.append(t2 - t0)
                list_times.append(t1 - t0)
                count_times.append(t2 - t1)
            print(
                f"{label:<30} {view:<9} {rows:>4} {total:>9,} {statistics.median(times) * 1000:>10.1f} "
                f"{_common.percentile(times, 0.95) * 1000:>7.1f} {statistics.median(list_times) * 1000:>7.1f} "
                f"{statistics.median(count_times) * 1000:>7.1f} {len(captured_sql):>7}"
            )
            plans.append((label, view, captured_sql))
    if args.no_explain:
        return
    print()
    for label, view, sqls in plans:
        print(f"--- {label}, view={view}")
        for sql in sqls:
            if "cases_case" not in sql.split("FROM", 1)[-1][:40] and "COUNT(" not in sql:
                continue  # the categories prefetch: a primary-key lookup
            kind = "count" if "COUNT(" in sql else "list"
            print(f"   {kind}:")
            print(explain(sql))


if __name__ == "__main__":
    main()
