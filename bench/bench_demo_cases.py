"""How fast ``manage.py demo_cases`` fills a fresh database.

    .venv/bin/python bench/bench_demo_cases.py [--cases 100000] [--batch 5000] [--keep]

Creates ``var/bench/demo_cases.sqlite3`` from scratch (or uses FENGQIAO_DATABASE_URL if set:
give it a database made for benchmarking, never one the tests use), migrates it, loads the
Naiman set-up, then times the generation and prints cases per second.
"""

from __future__ import annotations

import argparse

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default="demo_cases", help="name of the SQLite file under var/bench/")
    args = parser.parse_args()

    _common.setup(args.db, fresh=True)
    with _common.timer("migrate + setup_naiman + demo_staff"):
        _common.migrate_and_load()
    print(f"database: {_common.database_label()}")
    before = _common.case_count()
    seconds = _common.generate(args.cases, seed=args.seed, batch=args.batch)
    after = _common.case_count()

    from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, Payer

    print(f"cases generated: {after - before:,} in {seconds:.1f} s → {(after - before) / seconds:,.0f} cases/s")
    print(
        f"rows now: cases {after:,}, payers {Payer.objects.count():,}, "
        f"case departments {CaseDepartment.objects.count():,}, events {CaseEvent.objects.count():,}, "
        f"case categories {Case.categories.through.objects.count():,}"
    )


if __name__ == "__main__":
    main()
