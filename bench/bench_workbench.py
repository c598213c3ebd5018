"""Workbench numbers at scale: the tiles (``workbench_counts``, one aggregate of open cases)
and the case list's capped count (``CappedPaginator``: exact up to 10,000, "10,000+" beyond)
against the exact ``count()``, for a department handler, the group office and a clerk; and the
to-do list (``core.todo``: per source one capped count and one bounded read) beside them, for
those and the department head, the leader, the hotline office and a 司法局 handler.

    .venv/bin/python bench/bench_workbench.py [--cases 1000000] [--repeat 9] [--no-todo]

The demo generator writes cases and their events only; for the to-do list the script adds,
once, the work those cases would carry (``todo_work_add``): a task per involved department of
each case in handling (pending, signed, submitted or done), a special-handling request per
major matter awaiting approval, a referral per referred case, a draft decision per decided
case and per major matter in special handling, a visit per case in follow-up and a remedy per
case in remedy tracking.

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
TODO_USERS = ["tax_handler", "tax_head", "office", "clerk", "leader", "hotline", "justice_handler"]


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
    parser.add_argument("--no-todo", action="store_true", help="skip the to-do list")
    parser.add_argument("--todo-only", action="store_true", help="measure the to-do list only")
    args = parser.parse_args()
    _common.prepared(args.cases)
    if not args.no_todo:
        todo_work_add()

    from django.db import connection
    from django.db.models import QuerySet

    from fengqiao.cases.models import Case
    from fengqiao.cases.selectors import CaseFilter, case_list_for, workbench_counts
    from fengqiao.core.paging import CappedPaginator
    from fengqiao.org.models import Staff

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"{'user':<12} {'what':<24} {'value':>26} {'ms':>8}   (median of {args.repeat})")
    for username in [] if args.todo_only else USERS:
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
    if not args.no_todo:
        todo_measure(args.repeat)


def todo_measure(repeat: int) -> None:
    """The to-do list of each user: its counts alone (the navigation's badge) and the whole
    list (counts and rows, the workbench), with the number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.core import todo
    from fengqiao.org.models import Staff

    print(f"\n{'user':<16} {'what':<22} {'items':>8} {'queries':>8} {'ms':>8}   (median of {repeat})")
    for username in TODO_USERS:
        found = Staff.objects.select_related("department").filter(username=username).first()
        if found is None:
            print(f"{username:<16} (no such demo user)")
            continue
        user: Staff = found
        _ = user.role_set

        def counts(u: Staff = user) -> object:
            return todo.todo_counts(u)

        def whole(u: Staff = user) -> object:
            return todo.todo_for(u)

        for label, fn in (("counts (badge)", counts), ("list (workbench)", whole)):
            ms, result = median_ms(fn, repeat)
            with CaptureQueriesContext(connection) as ctx:
                fn()
            total = sum(result.values()) if isinstance(result, dict) else result.total  # type: ignore[attr-defined]
            print(f"{username:<16} {label:<22} {total:>8,} {len(ctx.captured_queries):>8} {ms:>8.1f}")
        result = todo.todo_for(user)
        print(f"{'':<16} {'by source':<22} {dict((k, n) for k, n in result.counts.items() if n)}")
        for source in todo.sources_for(user):

            def count(s: todo.TodoSource = source, u: Staff = user) -> object:
                return s.queryset(u).order_by()[: todo.paging.COUNT_CAP + 1].count()

            def read(s: todo.TodoSource = source, u: Staff = user) -> object:
                return len(list(s.queryset(u)[: todo.ROW_LIMIT]))

            ms_count, n = median_ms(count, repeat)
            ms_rows, _n = median_ms(read, repeat)
            print(f"{'':<16} {source.key:<26} {n!s:>6} count {ms_count:>7.1f} ms, rows {ms_rows:>7.1f} ms")


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
