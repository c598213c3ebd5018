"""Two departments at the same moment, and the same step sent twice, leave one consistent case
(issue 5 "Done when"). Real threads on the real database: row locks on PostgreSQL (the case
row, then the task row), IMMEDIATE transactions on SQLite."""

from __future__ import annotations

import pytest

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.test_concurrency import run_together
from fengqiao.cases.workflow import TransitionError
from fengqiao.handling import services
from fengqiao.handling.models import Decision, DecisionStatus, Opinion, OpinionStatus, Task, TaskStatus
from fengqiao.handling.tests.handling_helpers import (
    complete,
    decision_draft,
    file_storage,
    general_case,
    head,
    task_of,
    worker,
)

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db(transaction=True)


def _prepared(task: Task, handler, text: str) -> None:
    services.task_sign(task=task, actor=handler)
    services.opinion_save(task=task, actor=handler, facts="查明", text=text)


def test_two_departments_submit_and_sign_at_the_same_moment(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    people = {code: (worker(naiman, code), head(naiman, code)) for code in ("hrss", "medical")}
    tasks = {code: task_of(case, code) for code in people}
    for code, task in tasks.items():
        _prepared(task, people[code][0], f"{code}意见")

    def submit(i: int) -> str:
        code = ("hrss", "medical")[i]
        return services.opinion_submit(task=tasks[code], actor=people[code][0]).status

    results, errors = run_together(submit, 2)
    assert errors == [] and results == [OpinionStatus.SUBMITTED] * 2

    def sign(i: int) -> str:
        code = ("hrss", "medical")[i]
        return services.opinion_sign(task=tasks[code], actor=people[code][1]).status

    results, errors = run_together(sign, 2)
    assert errors == [] and results == [OpinionStatus.SIGNED] * 2
    assert set(Task.objects.filter(case=case, department__code__in=people).values_list("status", flat=True)) == {
        TaskStatus.DONE
    }
    assert (
        CaseEvent.objects.filter(case=case, kind=EventKind.OPINION, summary__contains="负责人签发书面意见").count() == 2
    )


def test_the_same_signature_sent_twice_lands_once(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    handler, chief = worker(naiman, "hrss"), head(naiman, "hrss")
    task = task_of(case, "hrss")
    _prepared(task, handler, "意见")
    services.opinion_submit(task=task, actor=handler)
    opinion = Opinion.objects.get(task=task)

    results, errors = run_together(
        lambda i: services.opinion_sign(task=task, actor=chief, expected_version=opinion.version).version, 2
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], TransitionError)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.version == 3  # created, signed for, done
    assert (
        CaseEvent.objects.filter(case=case, kind=EventKind.OPINION, summary__contains="负责人签发书面意见").count() == 1
    )


def test_the_same_sign_for_sent_twice_lands_once(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "medical")
    handler = worker(naiman, "medical")
    results, errors = run_together(lambda i: services.task_sign(task=task, actor=handler).status, 2)
    assert results == [TaskStatus.SIGNED] and len(errors) == 1 and isinstance(errors[0], TransitionError)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TASK, summary__contains="签收").count() == 1


def test_the_decision_issued_twice_at_once_decides_the_case_once(
    naiman, intake_clerk, tax_handler, department_head, group_office
) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), worker(naiman, "hrss"), head(naiman, "hrss"))
    decision = decision_draft(case, intake_clerk)
    actors = (intake_clerk, group_office)

    results, errors = run_together(lambda i: services.decision_issue(decision=decision, actor=actors[i]).status, 2)
    assert results == [DecisionStatus.ISSUED] and len(errors) == 1 and isinstance(errors[0], TransitionError)
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.DECIDED
    assert Decision.objects.get(pk=decision.pk).document is not None
    assert CaseEvent.objects.filter(case=case, to_state=CaseState.DECIDED).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DOCUMENT).count() == 1
