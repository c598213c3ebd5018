"""Intake over HTTP (issue 12 §1): registrations per second through the API
(``POST /api/v1/cases/``, token of the intake clerk) and through the intake page
(``POST /cases/new/``, signed-in session with its CSRF token; the 302 is not followed), beside
a bare Django view doing one INSERT, in the same run, on a database that already holds
``--cases`` cases.

    .venv/bin/python bench/bench_intake.py [--cases 100000] [--requests 400] [--concurrency 4,16]

gunicorn serves the project with 2 workers on a free local port (the project's settings and
middleware; the bench-only URLconf ``bench/bare`` adds the bare view, whose table
``bench_bare`` is made here with raw SQL). Clients are threads of this process, each with its
own keep-alive ``http.client`` connection; every request registers a distinct, valid payer.
For each concurrency: req/s, p50 and p95 of the bare view, the API and the page, and their
ratio to the bare view, printed and recorded (``_common.record("intake", …)``). The statement
count of one registration of each kind is measured in-process with the test client.

The database is ``<bench dir>/cases_<N>.sqlite3`` (or FENGQIAO_DATABASE_URL); the registrations
are added to it. Targets: at least half the bare view's rate, and 240 req/s (twice the
85-118 req/s of django-helpdesk's create measured on this machine, issue 12).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _common

BENCH = Path(__file__).resolve().parent
ABSOLUTE_AIM = 240.0  # req/s: 2 × django-helpdesk's create (85-118 req/s, issue 12)


def person_id(rng: random.Random, seq: int) -> str:
    """A valid resident ID number no demo payer has (region 152326, the old 哲里木盟 code)."""
    from fengqiao.core.identifiers import resident_id_check_char

    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"152326{born}{seq % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    body: Callable[[int], bytes]


@dataclass
class Run:
    rate: float
    p50_ms: float
    p95_ms: float
    errors: int


def drive(port: int, target: Target, *, requests: int, concurrency: int, first: int) -> Run:
    """``requests`` POSTs of ``target`` from ``concurrency`` threads; each thread keeps one
    connection (re-opened when the server closes it)."""
    counter = iter(range(first, first + requests))
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = target.body(i)
            t0 = time.perf_counter()
            try:
                conn.request("POST", target.path, body=body, headers=target.headers)
                response = conn.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - t0
            if response.status not in (201, 302):
                errors.append(f"{response.status} {content[:300]!r}")
            with lock:
                times.append(elapsed)
            if response.getheader("connection", "").lower() == "close":
                conn.close()
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    if errors:
        print(f"  {target.name}: {len(errors)} errors, first: {errors[0]}")
    return Run(
        rate=len(times) / total if total else 0.0,
        p50_ms=statistics.median(times) * 1000 if times else 0.0,
        p95_ms=_common.percentile(times, 0.95) * 1000 if times else 0.0,
        errors=len(errors),
    )


def server(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bare.settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(_common.ROOT)]),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "fengqiao.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=_common.ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not answer in 60 s; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind at each concurrency")
    parser.add_argument("--concurrency", default="4,16")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    _common.prepared(args.cases)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from fengqiao.cases.models import DisputeCategory
    from fengqiao.org.models import Jurisdiction, Staff

    key = (
        "integer primary key"
        if connection.vendor == "sqlite"
        else "bigint generated by default as identity primary key"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS bench_bare (id {key}, payload text)")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # statistics as a deployment keeps them (PRAGMA optimize)
            cursor.execute("PRAGMA optimize")
    clerk = Staff.objects.select_related("department__jurisdiction").get(username="clerk")
    token, _created = Token.objects.get_or_create(user=clerk)
    townships = list(Jurisdiction.objects.filter(parent__code="150525", active=True).values_list("code", flat=True))
    categories = list(DisputeCategory.objects.filter(active=True).values_list("code", flat=True))
    rng = random.Random(time.time_ns())
    total = args.requests * len(levels) * 3 + 200
    ids = [person_id(rng, i) for i in range(total)]
    picks = random.Random(7)
    outcomes = ["review", "review", "review", "own", "inform"]

    def fields(i: int) -> dict[str, Any]:
        outcome = outcomes[i % len(outcomes)]
        return {
            "payer_kind": "person",
            "payer_name": "赵敏",
            "payer_group": "flexible",
            "id_number": ids[i],
            "phone": "13912345678",
            "address": "奈曼旗大沁他拉镇团结路8号",
            "channel": "window",
            "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "township": picks.choice(townships),
            "categories": picks.sample(categories, picks.choice([1, 1, 2])),
            "summary": "对2026年灵活就业人员养老保险缴费金额有异议",
            "claims": "重新核定",
            "outcome": outcome,
            **({"informed_department": "hrss", "informed_note": "请前往人社局"} if outcome == "inform" else {}),
        }

    # The statements of one registration of each kind (in-process, the test client; outcome
    # review; SQLite counts its BEGIN IMMEDIATE, PostgreSQL the savepoint of a new payer).
    api_client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    page_client = Client()
    page_client.force_login(clerk)
    statements: dict[str, int] = {}
    for name, send in (
        (
            "api",
            lambda i: api_client.post(
                "/api/v1/cases/", json.dumps({**fields(i), "outcome": "review"}), content_type="application/json"
            ),
        ),
        ("page", lambda i: page_client.post("/cases/new/", {**fields(i), "outcome": "review"})),
    ):
        send(total - 1)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = send(total - 2)
        assert response.status_code in (201, 302), response.content[:500]
        statements[name] = len(queries)

    session = page_client.cookies["sessionid"].value
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_intake_gunicorn_{port}.log"
    connection.close()  # the server's workers write; this process only drives them
    process = server(port, log)
    try:
        # The page's CSRF token, fetched once with the session.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/cases/new/", headers={"Cookie": f"sessionid={session}"})
        page = conn.getresponse()
        html = page.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", page.getheader("set-cookie", "") or "")
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        conn.close()
        if page.status != 200 or not cookie or not form_token:
            raise SystemExit(f"intake page: GET answered {page.status} without a CSRF token")
        csrf_cookie, csrf_form = cookie.group(1), form_token.group(1)

        targets = [
            Target(
                "bare INSERT view",
                "/bench/bare/",
                {"Content-Type": "text/plain; charset=utf-8"},
                lambda i: f"payload {i}".encode(),
            ),
            Target(
                "API register",
                "/api/v1/cases/",
                {"Content-Type": "application/json", "Authorization": f"Token {token.key}"},
                lambda i: json.dumps(fields(i)).encode(),
            ),
            Target(
                "page register",
                "/cases/new/",
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"sessionid={session}; csrftoken={csrf_cookie}",
                },
                lambda i: urlencode({**fields(i), "csrfmiddlewaretoken": csrf_form}, doseq=True).encode(),
            ),
        ]
        first = 0
        for target in targets:  # warm both workers (imports, connections, the year's counter)
            drive(port, target, requests=20, concurrency=4, first=first)
            first += 20
        results: dict[tuple[str, int], Run] = {}
        for level in levels:
            for target in targets:
                results[(target.name, level)] = drive(
                    port, target, requests=args.requests, concurrency=level, first=first
                )
                first += args.requests
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    label = _common.database_label()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())  # the machine's other work, for the reader
    print(f"\nIntake over HTTP — {label}; gunicorn 2 workers; {args.requests} requests each; load average {load}")
    print(
        f"{'path':<18} {'conc.':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'× bare':>7} {'stmts':>6} {'errors':>6}"
    )
    for level in levels:
        bare = results[("bare INSERT view", level)]
        for target in targets:
            run = results[(target.name, level)]
            ratio = run.rate / bare.rate if bare.rate else 0.0
            key = {"API register": "api", "page register": "page"}.get(target.name, "")
            print(
                f"{target.name:<18} {level:>8} {run.rate:>8.1f} {run.p50_ms:>8.1f} {run.p95_ms:>8.1f} "
                f"{ratio:>8.2f} {statements.get(key, 1) if key else 1:>8} {run.errors:>8}"
            )
            figures: dict[str, Any] = {
                "rate": round(run.rate, 1),
                "unit": "req/s",
                "p50_ms": round(run.p50_ms, 1),
                "p95_ms": round(run.p95_ms, 1),
                "concurrency": level,
                "errors": run.errors,
                "cases": args.cases,
                "load": load,
            }
            if key:
                figures.update(
                    queries=statements[key],
                    baseline="bare INSERT view",
                    baseline_rate=round(bare.rate, 1),
                    ratio=round(ratio, 2),
                    target=">= 0.5",
                    aim_rate=ABSOLUTE_AIM,
                    aim_met=run.rate >= ABSOLUTE_AIM,
                )
            _common.record("intake", f"{target.name}, concurrency {level}", **figures)
    print(f"(aim beside: {ABSOLUTE_AIM:.0f} req/s = 2 × django-helpdesk's create on this machine, issue 12)")


if __name__ == "__main__":
    main()
