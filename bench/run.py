"""``make bench``: every benchmark on SQLite and on PostgreSQL, one table.

    .venv/bin/python bench/run.py [--cases 1000000] [--only intake,lists] [--no-postgresql]

For each database — SQLite always (``<FENGQIAO_BENCH_DIR or var/bench>/cases_<N>.sqlite3``),
PostgreSQL when it answers (``FENGQIAO_BENCH_PG_URL``, else
``postgres://postgres@127.0.0.1:5432/fengqiao_bench``, ``fengqiao_bench_<N>`` for another size;
created when missing) — the N cases are prepared once (migrated, the Naiman set-up, the demo
generator; later runs reuse them), then each benchmark script runs as a subprocess with
``FENGQIAO_BENCH_RESULTS`` naming this run's results file
``bench/results/<UTC time>-<host>.jsonl``. The scripts append their rows
(``_common.record``); this adds the machine (CPU, RAM, load average at the start and the end,
SQLite and PostgreSQL versions, git commit) and a ``failed`` row for a script that is missing,
exits non-zero or records nothing. At the end the table is printed (``bench/report.py``) and
written as Markdown beside the results, with the whole output in a ``.log``.

Exit status: 0 when everything ran and met its targets, 1 when a script failed, 3 when all ran
but a target was missed.

The demo generator's benchmark writes a fresh database of its own (SQLite
``demo_cases.sqlite3`` in the bench directory; PostgreSQL ``<database>_generator``, dropped
afterwards), never the prepared one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import report  # noqa: E402 — beside this file

PYTHON = sys.executable


@dataclass
class Script:
    """One benchmark: its file, the section its rows go to, and its arguments for N cases."""

    key: str
    file: str
    section: str
    args: list[str] = field(default_factory=list)
    fresh_database: bool = False  # writes a database of its own (the generator)


def scripts(cases: int, generator_cases: int) -> list[Script]:
    slice_ = 100_000 if generator_cases >= 1_000_000 else max(1, generator_cases // 10)
    n = ["--cases", str(cases)]
    return [
        Script("intake", "bench_intake.py", "intake", n),
        Script("lists", "bench_list.py", "lists", n),
        Script("todo", "bench_workbench.py", "todo", n),
        Script("analysis", "bench_analytics.py", "analysis", n),
        Script("archive", "bench_archive.py", "archive", n),
        Script(
            "generator",
            "bench_demo_cases.py",
            "generator",
            ["--cases", str(generator_cases), "--slice", str(slice_)],
            fresh_database=True,
        ),
    ]


# --- the machine ---------------------------------------------------------------------------


def cpu() -> tuple[str, int]:
    model, count = platform.processor() or "?", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                count += 1
    except OSError:
        pass
    return model, count or (os.cpu_count() or 0)


def ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        )
        return head + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


# --- PostgreSQL -------------------------------------------------------------------------


def pg_url(cases: int) -> str:
    if url := os.environ.get("FENGQIAO_BENCH_PG_URL"):
        return url
    name = "fengqiao_bench" if cases == 1_000_000 else f"fengqiao_bench_{cases}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def pg_admin(url: str):
    """A connection to the server's ``postgres`` database (to create and drop databases), or
    None when no PostgreSQL answers."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            pass
        import psycopg

        return psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5)
    except Exception as exc:  # any reason means "not reachable": say which
        print(f"PostgreSQL not used: {exc}")
        return None


def pg_ensure(admin, name: str, *, fresh: bool = False) -> None:
    from psycopg import sql

    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists and fresh:
        admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        exists = None
    if not exists:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created PostgreSQL database {name}")


def pg_drop(admin, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# --- running ----------------------------------------------------------------------------


class Runner:
    def __init__(self, results: Path, log: Path) -> None:
        self.results = results
        self.log = log
        self.failed = 0

    def say(self, text: str) -> None:
        print(text, flush=True)
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")

    def append(self, row: dict[str, object]) -> None:
        with self.results.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def fail(self, section: str, name: str, database: str, reason: str) -> None:
        self.failed += 1
        self.say(f"!! {section} / {name} on {database}: {reason}")
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self.append({"section": section, "name": name, "database": database, "at": at, "failed": reason})

    def rows(self) -> int:
        if not self.results.exists():
            return 0
        return sum(1 for line in self.results.read_text(encoding="utf-8").splitlines() if line.strip())

    def call(self, label: str, argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
        """Run ``argv``, its output shown and kept in the log; returns (exit status, last lines)."""
        self.say(f"\n=== {label}: {' '.join(argv)}")
        started = time.perf_counter()
        tail: list[str] = []
        with self.log.open("a", encoding="utf-8") as log:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
            )
            assert process.stdout is not None
            try:
                deadline = time.monotonic() + timeout
                for line in process.stdout:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                    log.write(line)
                    tail = [*tail[-4:], line.rstrip()]
                    if time.monotonic() > deadline:
                        process.kill()
                        tail.append(f"timed out after {timeout:.0f} s")
                        break
                status = process.wait()
            except KeyboardInterrupt:
                process.kill()
                raise
        self.say(f"=== {label}: exit {status} in {time.perf_counter() - started:.1f} s")
        return status, " | ".join(t for t in tail if t)[-300:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=int(os.environ.get("CASES") or 1_000_000))
    parser.add_argument(
        "--generator-cases", type=int, help="cases the generator's benchmark writes afresh (default: --cases)"
    )
    parser.add_argument("--only", default="", help="comma-separated: intake,lists,todo,analysis,archive,generator")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a script may take")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args()

    chosen = scripts(args.cases, args.generator_cases or args.cases)
    if args.only:
        wanted = {k.strip() for k in args.only.split(",") if k.strip()}
        unknown = wanted - {s.key for s in chosen}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = [s for s in chosen if s.key in wanted]

    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    host = socket.gethostname()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    results = args.results_dir / f"{stamp}-{host}.jsonl"
    runner = Runner(results, results.with_suffix(".log"))
    started = time.perf_counter()

    # The databases: SQLite always, PostgreSQL when it answers.
    base_env = {k: v for k, v in os.environ.items() if k != "FENGQIAO_DATABASE_URL"}
    base_env["FENGQIAO_BENCH_RESULTS"] = str(results)
    base_env.setdefault("PYTHONUNBUFFERED", "1")
    databases: list[tuple[str, dict[str, str]]] = [("sqlite", dict(base_env))]
    pg_version = ""
    admin = None
    url = pg_url(args.cases)
    if not args.no_postgresql:
        admin = pg_admin(url)
        if admin is not None:
            pg_version = admin.execute("SHOW server_version").fetchone()[0]
            pg_ensure(admin, database_name(url))
            databases.append(("postgresql", {**base_env, "FENGQIAO_DATABASE_URL": url}))

    cpu_model, cpus = cpu()
    runner.append(
        {
            "section": "_run",
            "name": "start",
            "stamp": stamp,
            "host": host,
            "cpu": cpu_model,
            "cpus": cpus,
            "ram_gb": ram_gb(),
            "load": load(),
            "sqlite": sqlite3.sqlite_version,
            "postgresql": pg_version,
            "git": git_commit(),
            "python": platform.python_version(),
            "cases": args.cases,
            "databases": [db for db, _env in databases],
            "bench_dir": base_env.get("FENGQIAO_BENCH_DIR") or str(ROOT / "var" / "bench"),
            "postgresql_url": url if pg_version else "",
        }
    )
    runner.say(f"results: {results}")

    for database, env in databases:
        runner.say(f"\n##### {database}: {args.cases:,} cases")
        status, tail = runner.call(
            f"prepare {database}",
            [PYTHON, "-c", f"import _common; _common.prepared({args.cases})"],
            {**env, "PYTHONPATH": str(BENCH)},
            args.timeout,
        )
        prepared = status == 0
        if not prepared:
            runner.fail("prepare", f"{args.cases:,} cases", database, f"exit {status}: {tail}")
        for script in chosen:
            path = BENCH / script.file
            if not path.exists():
                runner.fail(script.section, script.file, database, f"bench/{script.file} is missing")
                continue
            if not prepared and not script.fresh_database:
                runner.fail(script.section, script.file, database, "the database could not be prepared")
                continue
            run_env = dict(env)
            scratch = ""
            if script.fresh_database and database == "postgresql" and admin is not None:
                scratch = f"{database_name(url)}_generator"
                pg_ensure(admin, scratch, fresh=True)
                run_env["FENGQIAO_DATABASE_URL"] = with_database(url, scratch)
            before = runner.rows()
            try:
                status, tail = runner.call(
                    f"{script.key} on {database}", [PYTHON, str(path), *script.args], run_env, args.timeout
                )
            finally:
                if scratch and admin is not None:
                    pg_drop(admin, scratch)
            if status != 0:
                runner.fail(script.section, script.file, database, f"exit {status}: {tail}")
            elif runner.rows() == before:
                runner.fail(script.section, script.file, database, "ran but recorded no row (_common.record)")

    runner.append(
        {
            "section": "_run",
            "name": "end",
            "load": load(),
            "seconds": round(time.perf_counter() - started, 1),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    if admin is not None:
        admin.close()

    run = report.load(results)
    markdown = results.with_suffix(".md")
    markdown.write_text(report.markdown(run), encoding="utf-8")
    runner.say("\n" + report.text_table(run))
    runner.say(f"\nkept: {results} (rows), {markdown} (table), {results.with_suffix('.log')} (output)")
    if run.failures:
        return 1
    return 3 if run.misses else 0


if __name__ == "__main__":
    sys.exit(main())
