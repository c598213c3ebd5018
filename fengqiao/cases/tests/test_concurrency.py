"""Concurrent intake and review: no duplicate numbers, no lost update (CONVENTIONS 2).

Real threads on the real database: row locks on PostgreSQL, IMMEDIATE transactions on SQLite."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection

from fengqiao.cases.models import Case, CaseEvent
from fengqiao.cases.services import case_review
from fengqiao.cases.states import CaseState, Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.workflow import TransitionError

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work: Callable[[int], Any], n: int) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(i: int) -> None:
        try:
            barrier.wait()
            value = work(i)
            with lock:
                results.append(value)
        except BaseException as exc:  # collected and asserted by the test
            with lock:
                errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_concurrent_intake_never_issues_the_same_number(intake_clerk) -> None:
    """Case numbers are unique per county under concurrent intake (issue 3)."""
    results, errors = run_together(lambda i: intake(intake_clerk, id_number="150525198503150013").number, 6)
    assert errors == []
    assert len(results) == 6 and len(set(results)) == 6
    assert Case.objects.count() == 6


def test_two_reviewers_at_once_one_wins_and_nothing_is_lost(intake_clerk, group_office, naiman) -> None:
    """Two people routing the same case at the same moment: one step lands, the other is refused."""
    case = intake(intake_clerk)
    departments = {d.code: d for d in naiman.departments.all()}
    version = case.version

    def review(i: int) -> str:
        actor, kind = ((intake_clerk, Classification.GENERAL), (group_office, Classification.MAJOR))[i]
        done = case_review(
            case=case,
            actor=actor,
            classification=kind,
            lead_department=departments["tax"],
            co_departments=[departments["hrss"]],
            reason="并发测试",
            expected_version=version,
        )
        return done.state

    results, errors = run_together(review, 2)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], TransitionError)
    case.refresh_from_db()
    assert case.state in (CaseState.JOINT_HANDLING, CaseState.AWAITING_APPROVAL)
    assert case.version == version + 1
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
