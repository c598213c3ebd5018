"""The workbench (工作台, the staff home ``/``) and the to-do list (待办: the navigation's badge
``/todo/badge/`` and ``GET /api/v1/todo/``) of every demo role at scale, as pages: each page
requested ``--repeat`` times through Django's test client (signed in, middleware and template
included), median and p95 in ms and the number of queries, beside a bare indexed SELECT (one
case by primary key) timed in the same run; ``--sources`` adds each to-do source's capped count
and row read, to find the dear one.

    .venv/bin/python bench/bench_workbench.py [--cases 1000000] [--repeat 15] [--sources] [--users clerk,office]

The demo generator writes cases and their events only; for the to-do list the script adds,
once, the work those cases would carry (``todo_work_add``): a task per involved department of
each case in handling (pending, signed, submitted or done), a special-handling request per
major matter awaiting approval, a referral per referred case, a draft decision per decided
case and per major matter in special handling, a visit per case in follow-up and a remedy per
case in remedy tracking.

The database is the one ``bench_list.py`` uses (``var/bench/cases_<N>.sqlite3``, generated the
first time; or FENGQIAO_DATABASE_URL, e.g. a copy of the million-case file or a PostgreSQL
copy). Each row goes to ``make bench``'s table (``_common.record("lists", "workbench …" /
"todo badge …" / "todo API …")``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import _common

#: One user per role of ``demo_staff`` (the deputy leader is a department head too).
USERS = ["clerk", "tax_handler", "tax_head", "office", "leader", "justice_handler", "hotline", "admin"]
PAGES = (("workbench", "/"), ("todo badge", "/todo/badge/"), ("todo API", "/api/v1/todo/"))


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """``repeat`` timings of ``fn`` in ms, after one warm-up call."""
    fn()
    times = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--users", default=",".join(USERS), help="comma-separated demo usernames")
    parser.add_argument("--sources", action="store_true", help="also time each to-do source")
    parser.add_argument("--no-record", action="store_true", help="print only, keep no row")
    args = parser.parse_args()
    _common.prepared(args.cases)
    todo_work_add()

    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Full statistics whatever the connection's analysis_limit: a sampled ANALYZE
            # (core.sqlite.base), and at a million cases every index then looked alike (401 rows a key):
            # the planner took cases.receiving_department for cases_case_dept_state and the
            # clerk's workbench took 10 s.
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE")
    pages_measure(args.users.split(","), args.repeat, record=not args.no_record)
    if args.sources:
        sources_measure(args.users.split(","), max(3, args.repeat // 3))


def baseline_ms(repeat: int) -> float:
    """Median ms of a bare indexed SELECT: one case's number by primary key."""
    from django.db import connection

    from fengqiao.cases.models import Case

    pks = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:: max(1, Case.objects.count() // 50)][:50])

    def one() -> object:
        with connection.cursor() as cursor:
            for pk in pks:
                cursor.execute("SELECT number FROM cases_case WHERE id = %s", [pk])
                cursor.fetchone()
        return None

    return statistics.median(timed(one, repeat)) / len(pks)


def pages_measure(usernames: list[str], repeat: int, *, record: bool) -> None:
    """Each user's workbench, badge and to-do API: median, p95, queries; the baseline beside."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fengqiao.org.models import Staff

    base = baseline_ms(repeat)
    print(f"baseline: bare indexed SELECT (one case by pk) {base:.3f} ms")
    print(f"{'user':<16} {'page':<12} {'items':>7} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}   ({repeat} runs)")
    for username in usernames:
        user = Staff.objects.filter(username=username).first()
        if user is None:
            print(f"{username:<16} (no such demo user)")
            continue
        client = Client()
        client.force_login(user)
        for page, url in PAGES:

            def get(u: str = url, c: Client = client) -> object:
                response = c.get(u)
                assert response.status_code == 200, (u, response.status_code)
                return response

            times = timed(get, repeat)
            with CaptureQueriesContext(connection) as ctx:
                response = get()
            queries = len(ctx.captured_queries)
            items = response.json()["total"] if page == "todo API" else ""  # type: ignore[attr-defined]
            p50, p95 = statistics.median(times), _common.percentile(times, 0.95)
            print(f"{username:<16} {page:<12} {items!s:>7} {queries:>8} {p50:>8.1f} {p95:>8.1f}")
            if record:
                _common.record(
                    "lists",
                    f"{page} ({username})",
                    p50_ms=round(p50, 1),
                    p95_ms=round(p95, 1),
                    queries=queries,
                    runs=repeat,
                    baseline="bare indexed SELECT (one case by pk)",
                    baseline_ms=round(base, 3),
                    ratio=round(p95 / base, 1) if base else None,
                    target="p95 < 50 ms, queries constant",
                )


def sources_measure(usernames: list[str], repeat: int) -> None:
    """Each to-do source of each user: its capped count and its read of rows, median ms."""
    from fengqiao.core import todo
    from fengqiao.org.models import Staff

    print(f"\n{'user':<16} {'source':<26} {'count':>6} {'count ms':>9} {'rows ms':>8}   (median of {repeat})")
    for username in usernames:
        found = Staff.objects.select_related("department").filter(username=username).first()
        if found is None:
            continue
        user: Staff = found
        _ = user.role_set
        for source in todo.sources_for(user):

            def count(s: todo.TodoSource = source, u: Staff = user) -> object:
                return todo.capped_count(s.queryset(u))

            def read(s: todo.TodoSource = source, u: Staff = user) -> object:
                return len(list(s.queryset(u)[: todo.ROW_LIMIT]))

            n = count()
            ms_count = statistics.median(timed(count, repeat))
            ms_rows = statistics.median(timed(read, repeat))
            print(f"{username:<16} {source.key:<26} {n!s:>6} {ms_count:>9.1f} {ms_rows:>8.1f}")


def todo_work_add(seed: int = 7) -> None:
    """Add, once, the tasks, requests, referrals, decisions, visits and remedies the demo cases
    would carry, so the to-do sources read tables of a realistic size."""
    import random
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from fengqiao.cases.models import Case, CaseDepartment
    from fengqiao.cases.states import CaseState
    from fengqiao.followup.models import Remedy, RemedyKind, Visit
    from fengqiao.handling.models import (
        Decision,
        DecisionResult,
        SpecialHandlingRequest,
        Task,
        TaskKind,
        TaskStatus,
    )
    from fengqiao.org.models import Department, Staff
    from fengqiao.referrals.models import Referral, ReferralStatus

    if Task.objects.exists():
        return
    rng = random.Random(seed)
    now = timezone.now()
    actor = Staff.objects.filter(username="office").first() or Staff.objects.first()
    assert actor is not None
    handling = (CaseState.OWN_HANDLING, CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING)
    started = time.perf_counter()
    with transaction.atomic():
        cases = Case.objects.filter(state__in=handling).values_list("pk", "state", "due_on", "jurisdiction_id")
        involved: dict[int, list[tuple[int, str]]] = {}
        for case_id, dept_id, role in CaseDepartment.objects.filter(case__state__in=handling).values_list(
            "case_id", "department_id", "role"
        ):
            involved.setdefault(case_id, []).append((dept_id, role))
        tasks = []
        for pk, state, due, _county in cases:
            kinds: dict[str, str] = {
                CaseState.OWN_HANDLING: TaskKind.OWN_HANDLING,
                CaseState.SPECIAL_HANDLING: TaskKind.SPECIAL_OPINION,
            }
            kind = kinds.get(state, TaskKind.JOINT_OPINION)
            for dept_id, role in involved.get(pk, []):
                if state != CaseState.OWN_HANDLING and role == "receiving":
                    continue
                status = rng.choice([TaskStatus.PENDING, TaskStatus.SIGNED, TaskStatus.SIGNED, TaskStatus.DONE])
                tasks.append(
                    Task(
                        case_id=pk,
                        department_id=dept_id,
                        kind=kind,
                        status=status,
                        is_lead=role == "lead",
                        created_at=now,
                        created_by=actor,
                        due_on=due or now.date(),
                        assignee=None,
                    )
                )
        Task.objects.bulk_create(tasks, batch_size=5000)
        requests = [
            SpecialHandlingRequest(
                case_id=pk,
                reason="bench",
                requested_by=actor,
                requested_at=now,
                status=rng.choice(["requested", "forwarded"]),
            )
            for pk in Case.objects.filter(state=CaseState.AWAITING_APPROVAL).values_list("pk", flat=True)
        ]
        SpecialHandlingRequest.objects.bulk_create(requests, batch_size=5000)
        depts = {d.jurisdiction_id: d.pk for d in Department.objects.filter(code="hrss")}
        referrals = [
            Referral(
                case_id=pk,
                jurisdiction_id=county,
                status=(
                    ref_status := rng.choice([ReferralStatus.SENT, ReferralStatus.DISPATCHED, ReferralStatus.SIGNED])
                ),
                reason="bench",
                department_id=None if ref_status == ReferralStatus.SENT else depts.get(county),
                sent_by=actor,
                sent_at=now,
                sign_due_on=due,
                handle_due_on=due,
            )
            for pk, county, due in Case.objects.filter(state=CaseState.REFERRED).values_list(
                "pk", "jurisdiction_id", "due_on"
            )
        ]
        Referral.objects.bulk_create(referrals, batch_size=5000)
        decisions = [
            Decision(
                case_id=pk,
                request="bench",
                facts_and_reasons="bench",
                result=DecisionResult.EXPLAIN,
                legal_basis="bench",
                drafted_by=actor,
                updated_at=now,
                status="issued" if state == CaseState.DECIDED else "draft",
            )
            for pk, state in Case.objects.filter(state__in=(CaseState.DECIDED, CaseState.SPECIAL_HANDLING)).values_list(
                "pk", "state"
            )
        ]
        Decision.objects.bulk_create(decisions, batch_size=5000)
        today = timezone.localdate()
        visits = [
            Visit(case_id=pk, scheduled_on=today + timedelta(days=rng.randint(-10, 20)))
            for pk in Case.objects.filter(state=CaseState.FOLLOWING_UP).values_list("pk", flat=True)
        ]
        Visit.objects.bulk_create(visits, batch_size=5000)
        remedies = [
            Remedy(
                case_id=pk,
                kind=RemedyKind.RECONSIDERATION,
                body="bench",
                filed_on=today,
                deadline_start=today,
                statutory_deadline=today + timedelta(days=60),
                next_check_on=today + timedelta(days=rng.randint(-10, 30)),
                recorded_by=actor,
                recorded_at=now,
            )
            for pk in Case.objects.filter(state=CaseState.REMEDY_TRACKING).values_list("pk", flat=True)
        ]
        Remedy.objects.bulk_create(remedies, batch_size=5000)
        # Rows written straight to the tables: the cases' kept to-do values follow them as a
        # service's kept.refresh would (docs/todo.md "Kept values").
        from fengqiao.cases import kept

        kept.repair()
    print(
        f"to-do work added in {time.perf_counter() - started:.1f} s: {len(tasks):,} tasks, "
        f"{len(requests):,} special requests, {len(referrals):,} referrals, {len(decisions):,} decisions, "
        f"{len(visits):,} visits, {len(remedies):,} remedies"
    )
    _justice_handler()


def _justice_handler() -> None:
    """A 司法局 handler for the legal-review source (the demo staff has none)."""
    from fengqiao.org.models import Department, Role, Staff
    from fengqiao.org.services import staff_create

    if Staff.objects.filter(username="justice_handler").exists():
        return
    justice = Department.objects.filter(code="justice").first()
    if justice is not None:
        staff_create(
            username="justice_handler", name="司法局经办人", password=None, department=justice, roles=(Role.HANDLER,)
        )


if __name__ == "__main__":
    main()
