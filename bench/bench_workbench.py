"""Workbench numbers at scale: the tiles (``workbench_counts``, one aggregate of open cases)
and the case list's capped count (``CappedPaginator``: exact up to 10,000, "10,000+" beyond)
against the exact ``count()``, for a department handler, the group office and a clerk.

    .venv/bin/python bench/bench_workbench.py [--cases 1000000] [--repeat 9]

The database is the one ``bench_list.py`` uses (``var/bench/cases_<N>.sqlite3``, generated the
first time; or FENGQIAO_DATABASE_URL). Prints medians in ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import _common

USERS = ["tax_handler", "office", "clerk"]


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    _common.prepared(args.cases)

    from django.db import connection
    from django.db.models import QuerySet

    from fengqiao.cases.models import Case
    from fengqiao.cases.selectors import CaseFilter, case_list_for, workbench_counts
    from fengqiao.core.paging import CappedPaginator
    from fengqiao.org.models import Staff

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"{'user':<12} {'what':<24} {'value':>26} {'ms':>8}   (median of {args.repeat})")
    for username in USERS:
        user = Staff.objects.select_related("department").get(username=username)
        _ = user.role_set

        def tiles(u: Staff = user) -> object:
            return workbench_counts(user=u)

        ms, counts = median_ms(tiles, args.repeat)
        print(f"{username:<12} {'tiles (4 counts)':<24} {counts!s:>26} {ms:>8.1f}")
        for view in ("all", "mine"):
            qs = case_list_for(user=user, filters=CaseFilter(view=view))

            def exact_count(q: QuerySet[Case] = qs) -> object:
                return q.count()

            def capped_count(q: QuerySet[Case] = qs) -> object:
                return CappedPaginator(q, 25).count

            ms_exact, exact = median_ms(exact_count, args.repeat)
            ms_capped, capped = median_ms(capped_count, args.repeat)
            print(f"{username:<12} {view + ' exact count()':<24} {exact:>26,} {ms_exact:>8.1f}")
            print(f"{username:<12} {view + ' capped count':<24} {capped:>26,} {ms_capped:>8.1f}")


if __name__ == "__main__":
    main()
