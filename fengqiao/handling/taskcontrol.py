"""任务调度: the group office (领导小组办公室, 承接领导小组日常工作) or the head of the receiving
department (受理部门负责综合各联办单位的意见) keeps every task moving — it cancels a task no
longer needed, sends a task to another member unit, or (with the head of the task's
department) gives it to another handler of that department.

Each step is one transaction: the case row is locked, then the task row (``services._lock_task``,
always in that order); ``expected_version`` refuses a step taken from a stale page (409); the
reason is required and written on the case timeline with the step.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.cases import kept
from fengqiao.cases.models import EventKind
from fengqiao.cases.states import CaseState
from fengqiao.handling import permissions
from fengqiao.handling.models import OPEN_TASK_STATUSES, Task, TaskKind, TaskStatus
from fengqiao.handling.services import (
    _cancel,
    _event,
    _has_live_task,
    _lock_task,
    _stale_check,
    _state_error,
    _task_data,
    task_create,
)
from fengqiao.org.models import Department, Role, Staff


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [message]})
    return reason


def _open(task: Task, what: str) -> None:
    if task.status not in OPEN_TASK_STATUSES:
        raise _state_error(
            _("任务当前状态为“%(s)s”，不能%(what)s；只有待签收或办理中的任务可以%(what)s。")
            % {"s": task.get_status_display(), "what": what}
        )


@transaction.atomic
def task_cancel(*, task: Task, actor: Staff, reason: str, expected_version: int | None = None) -> Task:
    """撤销: a task no longer needed (the matter settled, sent to the wrong unit twice, …) is
    closed with the reason; the decision no longer waits for it."""
    task = _lock_task(task)
    if not permissions.may_control_task(actor, task):
        raise PermissionDenied(_("只有领导小组办公室或受理部门负责人可以撤销任务。"))
    _stale_check(task, expected_version)
    reason = _reason(reason, _("请写明撤销任务的理由。"))
    _open(task, _("撤销"))
    cancelled = _cancel(task, actor=actor, reason=reason)
    kept.refresh([task.case_id])  # the decision no longer waits for it
    return cancelled


@transaction.atomic
def task_reassign(
    *, task: Task, actor: Staff, assignee: Staff, reason: str, expected_version: int | None = None
) -> Task:
    """改派: a task signed for goes to another handler of the same department (the first one
    is away, or overloaded); its draft opinion stays with the task. A pending task needs no
    reassigning: any handler of the department signs for it."""
    task = _lock_task(task)
    if not permissions.may_reassign_task(actor, task):
        raise PermissionDenied(_("只有领导小组办公室、受理部门负责人或承办部门负责人可以改派任务。"))
    _stale_check(task, expected_version)
    reason = _reason(reason, _("请写明改派的理由。"))
    if task.status != TaskStatus.SIGNED:
        raise _state_error(
            _("任务当前状态为“%(s)s”，不能改派；只有已签收、办理中的任务可以改派。") % {"s": task.get_status_display()}
        )
    if (
        assignee.department_id != task.department_id
        or not assignee.is_active
        or not assignee.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD)
    ):
        raise ValidationError({"assignee": [_("请选择%(dept)s的经办人。") % {"dept": task.department.name}]})
    if assignee.pk == task.assignee_id:
        raise ValidationError({"assignee": [_("%(who)s已是该任务的经办人。") % {"who": assignee}]})
    before = task.assignee
    task.assignee = assignee
    task.version += 1
    task.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.TASK,
        summary=_("%(dept)s的任务改由%(new)s办理（原经办人%(old)s）：%(reason)s")
        % {"dept": task.department.name, "new": assignee, "old": before or "—", "reason": reason},
        data=_task_data(
            task, assignee=assignee.username, previous_assignee=before.username if before else None, reason=reason
        ),
    )
    return task


def transfer_targets(task: Task) -> Any:
    """The member units of the case's county a task may be sent to: every other active one."""
    return (
        Department.objects.filter(jurisdiction_id=task.case.jurisdiction_id, is_member_unit=True, active=True)
        .exclude(pk=task.department_id)
        .order_by("sort_order", "id")
    )


@transaction.atomic
def task_transfer(
    *,
    task: Task,
    actor: Staff,
    department: Department,
    reason: str,
    instructions: str = "",
    expected_version: int | None = None,
) -> Task:
    """转交: an open task goes to another member unit — the same kind, a fresh time limit (a
    resolution keeps its date), the lead if it had the lead. The old task is closed as
    cancelled with the reason and points to the new one (``replaced_by``)."""
    task = _lock_task(task)
    case = task.case
    if not permissions.may_control_task(actor, task):
        raise PermissionDenied(_("只有领导小组办公室或受理部门负责人可以转交任务。"))
    _stale_check(task, expected_version)
    reason = _reason(reason, _("请写明转交的理由。"))
    _open(task, _("转交"))
    if not case.is_open or case.state == CaseState.DECIDED:
        raise _state_error(_("案件已形成处理意见，不能再转交任务。"))
    if department.pk == task.department_id:
        raise ValidationError({"department": [_("请选择%(dept)s以外的成员单位。") % {"dept": task.department.name}]})
    if not transfer_targets(task).filter(pk=department.pk).exists():
        raise ValidationError({"department": [_("%(dept)s不是本旗县领导小组成员单位。") % {"dept": department.name}]})
    if _has_live_task(case, department, (task.kind,)):
        raise ValidationError({"department": [_("%(dept)s已有本案的同类任务。") % {"dept": department.name}]})
    new = task_create(
        case=case,
        department=department,
        kind=task.kind,
        actor=actor,
        is_lead=task.is_lead,
        instructions=(instructions or "").strip() or task.instructions,
        due_on=task.due_on if task.kind == TaskKind.RESOLUTION else None,
    )
    task.status = TaskStatus.CANCELLED
    task.completed_at = new.created_at
    task.cancel_reason = _("转交%(dept)s：%(reason)s") % {"dept": department.name, "reason": reason}
    task.replaced_by = new
    task.version += 1
    task.save()
    _event(
        case=case,
        actor=actor,
        kind=EventKind.ROUTED,
        summary=_("%(old)s的任务转交%(new)s：%(reason)s")
        % {"old": task.department.name, "new": department.name, "reason": reason},
        data={"transferred_task": task.pk, "task": new.pk, "department": department.code, "reason": reason},
    )
    kept.refresh([case])
    return new
