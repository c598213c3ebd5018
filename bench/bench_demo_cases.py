"""How fast the demo generator (``manage.py demo_cases``) fills a fresh database, slice by slice.

    .venv/bin/python bench/bench_demo_cases.py [--cases 1000000] [--slice 100000] [--batch 5000]

Creates ``<bench dir>/demo_cases.sqlite3`` from scratch (or uses FENGQIAO_DATABASE_URL if set:
give it an empty database made for benchmarking, never one the tests use — ``make bench`` makes
and drops one), migrates it, loads the Naiman set-up, then runs the generator as the command
does and notes the time at the end of every ``--slice`` cases: the rate of each slice shows
whether generating slows down as the tables grow. The statistics step at the end (``ANALYZE``)
is timed apart.

Rows for ``make bench`` (section ``generator``): one per slice (cases/s), the last slice's rate
as a ratio of the first's (target ≥ 0.7: the rate holds as the table grows), and the whole run.
"""

from __future__ import annotations

import argparse
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--slice", type=int, default=100_000, help="cases per measured slice (ends at the batch that crosses it)"
    )
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default="demo_cases", help="name of the SQLite file in the bench directory")
    parser.add_argument("--no-record", action="store_true", help="print only, add no row to the results")
    args = parser.parse_args()

    _common.setup(args.db, fresh=True)
    with _common.timer("migrate + setup_naiman + demo_staff"):
        _common.migrate_and_load()
    print(f"database: {_common.database_label()}")

    from fengqiao.cases import demo
    from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, Payer
    from fengqiao.org.models import Jurisdiction

    county = Jurisdiction.objects.get(code="150525")
    marks: list[tuple[int, float]] = []  # (cases written, seconds since start) at each slice's end
    written = 0
    started = time.perf_counter()

    def progress(n: int) -> None:
        nonlocal written
        before, written = written, written + n
        if written // args.slice > before // args.slice or written == args.cases:
            elapsed = time.perf_counter() - started
            marks.append((written, elapsed))
            done, at = marks[-2] if len(marks) > 1 else (0, 0.0)
            print(f"  {done:>9,}–{written:<9,} {(written - done) / (elapsed - at):>7,.0f} cases/s", flush=True)

    # The generator's own statistics step (ANALYZE) is timed apart from the slices.
    analyze = demo.statistics_update
    analyze_seconds = 0.0

    def timed_analyze() -> None:
        nonlocal analyze_seconds
        t = time.perf_counter()
        analyze()
        analyze_seconds = time.perf_counter() - t

    demo.statistics_update = timed_analyze
    result = demo.demo_cases_generate(
        county=county, cases=args.cases, seed=args.seed, batch=args.batch, progress=progress
    )
    seconds = time.perf_counter() - started
    rate = result.cases / seconds if seconds else 0.0

    print(
        f"cases generated: {result.cases:,} in {seconds:.1f} s → {rate:,.0f} cases/s (ANALYZE {analyze_seconds:.1f} s)"
    )
    print(
        f"rows now: cases {Case.objects.count():,}, payers {Payer.objects.count():,}, "
        f"case departments {CaseDepartment.objects.count():,}, events {CaseEvent.objects.count():,}, "
        f"case categories {Case.categories.through.objects.count():,}"
    )
    if args.no_record:
        return
    rates: list[float] = []
    previous = (0, 0.0)
    for done, at in marks:
        rates.append((done - previous[0]) / (at - previous[1]))
        first = rates[0]
        last = done == marks[-1][0] and len(marks) > 1
        extra: dict[str, object] = {}
        if last:
            extra = {
                "baseline": "first slice",
                "baseline_rate": round(first, 1),
                "ratio": round(rates[-1] / first, 3),
                "target": ">= 0.7",
            }
        _common.record(
            "generator",
            f"cases {previous[0]:,}–{done:,}",
            rate=round(rates[-1], 1),
            unit="cases/s",
            seconds=round(at - previous[1], 2),
            **extra,
        )
        previous = (done, at)
    _common.record(
        "generator",
        f"{result.cases:,} cases, whole run",
        rate=round(rate, 1),
        unit="cases/s",
        seconds=round(seconds, 1),
        analyze_seconds=round(analyze_seconds, 2),
        payers=result.payers_created,
        events=result.events,
    )


if __name__ == "__main__":
    main()
