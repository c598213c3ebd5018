"""Shared set-up of the benchmarks: a database chosen before Django starts, migrated and loaded
with the Naiman Banner set-up. Not a benchmark itself."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where the benchmark databases live: var/bench, or FENGQIAO_BENCH_DIR (a scratch directory for a
# trial run beside a kept million-case database nobody may write to meanwhile).
BENCH_DIR = Path(os.environ.get("FENGQIAO_BENCH_DIR") or ROOT / "var" / "bench")


def setup(db_name: str | None = None, *, fresh: bool = False) -> None:
    """Point Django at ``<BENCH_DIR>/<db_name>.sqlite3`` (unless FENGQIAO_DATABASE_URL is set,
    e.g. to a PostgreSQL database made for benchmarking) and start it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    if db_name and "FENGQIAO_DATABASE_URL" not in os.environ:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / f"{db_name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["FENGQIAO_DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({connection.settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"


def migrate_and_load() -> None:
    """Migrate and load the Naiman set-up and the demo staff (idempotent)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("setup_naiman", verbosity=0, stdout=io.StringIO())
    call_command("demo_staff", verbosity=0, stdout=io.StringIO())


def case_count() -> int:
    from fengqiao.cases.models import Case

    return Case.objects.count()


def generate(cases: int, *, seed: int = 42, batch: int = 5000) -> float:
    """Generate ``cases`` demo cases; returns the seconds taken."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("demo_cases", cases=cases, seed=seed, batch=batch, verbosity=1)
    return time.perf_counter() - started


@contextmanager
def timer(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - started:.2f} s")


def prepared(cases: int, *, seed: int = 42) -> None:
    """Start Django on ``var/bench/cases_<cases>.sqlite3`` (or FENGQIAO_DATABASE_URL), migrated,
    loaded, and holding at least ``cases`` cases: generated the first time, reused afterwards."""
    setup(f"cases_{cases}")
    migrate_and_load()
    have = case_count()
    if have < cases:
        print(f"generating {cases - have:,} cases (once; the database is kept for later runs)")
        seconds = generate(cases - have, seed=seed + have)
        print(f"generated in {seconds:.1f} s")
    print(f"database: {database_label()}, {case_count():,} cases")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def record(section: str, name: str, **figures: object) -> None:
    """Keep one row of ``make bench``'s table: appended as a JSON line to the run's results file
    (``FENGQIAO_BENCH_RESULTS``, set by ``make bench``; otherwise ``bench/results/latest.jsonl``).

    ``section`` groups rows (``intake``, ``lists``, ``analysis``, ``archive``, ``generator``);
    ``figures`` are plain numbers or strings, e.g. ``rate=212.0, unit="req/s", p50_ms=…,
    p95_ms=…, queries=…, baseline="bare INSERT view", baseline_rate=…, ratio=…, target=">= 0.5"``.
    The database label is added here."""
    import json
    from datetime import UTC, datetime

    from django.db import connection

    target = Path(os.environ.get("FENGQIAO_BENCH_RESULTS", str(ROOT / "bench" / "results" / "latest.jsonl")))
    target.parent.mkdir(parents=True, exist_ok=True)
    row = {
        "section": section,
        "name": name,
        "database": connection.vendor,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **figures,
    }
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
