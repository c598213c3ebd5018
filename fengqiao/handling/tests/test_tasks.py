"""Tasks and written opinions (四(三)1 3)): routing makes one task per department, each with a
deadline from the calendar; a department signs for it or returns it with reasons; the
handler drafts the written opinion, the department head signs it, and it never changes."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.workflow import TransitionError
from fengqiao.handling import services
from fengqiao.handling.models import Opinion, OpinionStatus, SignedOpinionImmutable, Task, TaskKind, TaskStatus
from fengqiao.handling.tests.handling_helpers import complete, dept, file_storage, general_case, head, task_of, worker

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def test_routing_a_general_matter_gives_the_lead_and_each_co_department_a_task(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    tasks = list(Task.objects.filter(case=case).order_by("id"))
    assert [(t.department.code, t.kind, t.is_lead, t.status) for t in tasks] == [
        ("tax", TaskKind.JOINT_OPINION, True, TaskStatus.PENDING),
        ("hrss", TaskKind.JOINT_OPINION, False, TaskStatus.PENDING),
        ("medical", TaskKind.JOINT_OPINION, False, TaskStatus.PENDING),
    ]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TASK).count() == 3
    # Routing the same departments again does not double the work.
    assert services.tasks_for_general(case=case, actor=intake_clerk, departments=[dept(naiman, "hrss")]) == []


def test_deadlines_cross_the_spring_festival_and_its_make_up_working_days(naiman, intake_clerk, frozen_time) -> None:
    """Friday 2026-02-13: Saturday 14 is a make-up working day, 15–23 the Spring Festival."""
    frozen_time("2026-02-13 10:00")
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "hrss")
    assert task.due_on == date(2026, 2, 27)  # 5 working days: 14, 24, 25, 26, 27
    assert task.return_due_on == date(2026, 2, 14)  # 1 working day: the make-up Saturday
    assert not task.due_provisional
    own = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    own_task = Task.objects.get(case=own)
    assert (own_task.kind, own_task.department.code, own_task.due_on) == (
        TaskKind.OWN_HANDLING,
        "tax",
        date(2026, 2, 27),
    )


def test_a_department_returns_within_its_limit_with_reasons_and_the_reviewer_reroutes(
    naiman, intake_clerk, hrss_handler, tax_handler, frozen_time
) -> None:
    frozen_time("2026-02-13 10:00")
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "hrss")
    with pytest.raises(PermissionDenied):
        services.task_return(task=task, actor=tax_handler, reason="不属本局职责")
    with pytest.raises(ValidationError) as missing:
        services.task_return(task=task, actor=hrss_handler, reason="  ")
    assert "reason" in missing.value.message_dict
    frozen_time("2026-02-14 09:00")  # the make-up Saturday is still within the limit
    returned = services.task_return(task=task, actor=hrss_handler, reason="缴费基数核定不属人社局职责")
    assert returned.status == TaskStatus.RETURNED and returned.return_reason
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TASK).latest("id")
    assert "退回" in event.summary and event.data["reason"] == "缴费基数核定不属人社局职责"
    with pytest.raises(PermissionDenied):
        services.task_reroute(task=returned, department=dept(naiman, "finance"), actor=hrss_handler)
    new = services.task_reroute(task=returned, department=dept(naiman, "finance"), actor=intake_clerk)
    assert (new.department.code, new.kind, new.status) == ("finance", TaskKind.JOINT_OPINION, TaskStatus.PENDING)
    # 5 working days from the make-up Saturday 14th: 24, 25, 26, 27 and the make-up Saturday 28th.
    assert new.due_on == date(2026, 2, 28)
    with pytest.raises(TransitionError):
        services.task_reroute(task=returned, department=dept(naiman, "justice"), actor=intake_clerk)


def test_returning_after_the_limit_is_refused(naiman, intake_clerk, hrss_handler, frozen_time) -> None:
    frozen_time("2026-02-13 10:00")
    task = task_of(general_case(intake_clerk, naiman), "hrss")
    frozen_time("2026-02-24 09:00")  # the first working day after the holiday: too late
    with pytest.raises(ValidationError) as late:
        services.task_return(task=task, actor=hrss_handler, reason="不属本局职责")
    assert "2026-02-14" in str(late.value)


def test_opinion_drafted_submitted_and_signed_by_the_head_only(naiman, intake_clerk, hrss_handler) -> None:
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "hrss")
    hrss_head = head(naiman, "hrss")
    with pytest.raises(TransitionError):  # sign for it first
        services.opinion_save(task=task, actor=hrss_handler, facts="f", text="t")
    with pytest.raises(PermissionDenied):
        services.task_sign(task=task, actor=worker(naiman, "medical"))
    services.task_sign(task=task, actor=hrss_handler)
    with pytest.raises(TransitionError):  # the same step twice
        services.task_sign(task=task, actor=hrss_head)
    opinion = services.opinion_save(task=task, actor=hrss_handler, facts="查明", text="意见", basis="依据")
    opinion = services.opinion_save(
        task=task, actor=hrss_handler, facts="查明的事实", text="意见", expected_version=opinion.version
    )
    with pytest.raises(TransitionError) as stale:
        services.opinion_save(task=task, actor=hrss_handler, facts="x", text="y", expected_version=1)
    assert stale.value.code == "stale"
    services.opinion_submit(task=task, actor=hrss_handler)
    with pytest.raises(PermissionDenied):
        services.opinion_sign(task=task, actor=hrss_handler)
    with pytest.raises(PermissionDenied):  # the tax bureau's head is not 人社局's
        services.opinion_sign(task=task, actor=head(naiman, "tax"))
    signed = services.opinion_sign(task=task, actor=hrss_head)
    task.refresh_from_db()
    assert signed.status == OpinionStatus.SIGNED and signed.signed_by == hrss_head
    assert task.status == TaskStatus.DONE and task.completed_at is not None
    kinds = list(CaseEvent.objects.filter(case=case, kind=EventKind.OPINION).values_list("summary", flat=True))
    assert len(kinds) == 4 and "签发" in kinds[-1]


def test_a_signed_opinion_cannot_change(naiman, intake_clerk, hrss_handler) -> None:
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "hrss")
    opinion = complete(task, hrss_handler, head(naiman, "hrss"))
    with pytest.raises(TransitionError):
        services.opinion_save(task=task, actor=hrss_handler, facts="改", text="改")
    stored = Opinion.objects.get(pk=opinion.pk)
    stored.text = "偷偷修改"
    with pytest.raises(SignedOpinionImmutable):
        stored.save()


def test_the_head_sends_an_opinion_back_for_changes(naiman, intake_clerk, hrss_handler) -> None:
    task = task_of(general_case(intake_clerk, naiman), "hrss")
    services.task_sign(task=task, actor=hrss_handler)
    services.opinion_save(task=task, actor=hrss_handler, facts="查明", text="意见")
    services.opinion_submit(task=task, actor=hrss_handler)
    back = services.opinion_send_back(task=task, actor=head(naiman, "hrss"), reason="补充依据")
    assert back.status == OpinionStatus.DRAFT
    services.opinion_save(task=task, actor=hrss_handler, facts="查明", text="意见", basis="社会保险法第六十条")


def test_submitting_needs_the_facts_and_the_opinion(naiman, intake_clerk, hrss_handler) -> None:
    task = task_of(general_case(intake_clerk, naiman), "hrss")
    services.task_sign(task=task, actor=hrss_handler)
    with pytest.raises(ValidationError):
        services.opinion_submit(task=task, actor=hrss_handler)


def test_own_handling_gives_the_receiving_department_its_task(naiman, intake_clerk) -> None:
    case = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    assert case.state == CaseState.OWN_HANDLING
    task = Task.objects.get(case=case)
    assert (task.department.code, task.kind, task.is_lead) == ("tax", TaskKind.OWN_HANDLING, True)


def test_a_resolution_task_needs_its_own_deadline(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    with pytest.raises(ValidationError):
        services.task_create(
            case=case, department=dept(naiman, "finance"), kind=TaskKind.RESOLUTION, actor=intake_clerk
        )
    task = services.task_create(
        case=case,
        department=dept(naiman, "finance"),
        kind=TaskKind.RESOLUTION,
        actor=intake_clerk,
        due_on=date(2026, 12, 1),
    )
    assert task.due_on == date(2026, 12, 1)
