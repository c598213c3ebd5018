"""Pages of 任务调度 and 代签授权: on the task page, the group office or the receiving
department's head cancels a task, sends it to another member unit, or (with the head of the
task's department) gives it to another handler; on ``/handling/delegations/`` a department head
authorises a handler to sign the department's opinions for a period, and revokes it.

Views parse input with the forms, call a service and redirect; a task someone may not see is
404, a step someone may not take 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, arguments, form_page, post_step
from fengqiao.handling import delegation, permissions, selectors, taskcontrol
from fengqiao.handling.models import OPEN_TASK_STATUSES, Task, TaskStatus
from fengqiao.handling.taskcontrol_forms import (
    DelegationForm,
    DelegationRevokeForm,
    TaskCancelForm,
    TaskReassignForm,
    TaskTransferForm,
)
from fengqiao.org.models import Staff


def task_control_context(user: Staff, task: Task) -> dict[str, Any]:
    """What the task page offers for 撤销 / 改派 / 转交, and to whom."""
    is_open = task.status in OPEN_TASK_STATUSES and task.case.is_open
    may_control = is_open and permissions.may_control_task(user, task)
    may_reassign = task.status == TaskStatus.SIGNED and task.case.is_open and permissions.may_reassign_task(user, task)
    initial = {"version": task.version}
    return {
        "may_cancel_task": may_control,
        "may_transfer_task": may_control,
        "may_reassign_task": may_reassign,
        "cancel_form": TaskCancelForm(initial=initial) if may_control else None,
        "transfer_form": TaskTransferForm(initial=initial, targets=taskcontrol.transfer_targets(task))
        if may_control
        else None,
        "reassign_form": TaskReassignForm(initial=initial, department_id=task.department_id) if may_reassign else None,
        # the task it was sent to (转交)
        "replaced_by": task.replaced_by if task.replaced_by_id else None,
    }


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销任务 (reason required)."""
    user, task = acting_on(request, selectors.task_get_for, permissions.may_control_task, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        taskcontrol.task_cancel(task=task, actor=user, **arguments(d))
        said = _("已撤销%(dept)s在案件%(n)s中的任务。") % {"dept": task.department.name, "n": task.case.number}
        return Done(said, "task-detail", pk=task.pk)

    return post_step(request, TaskCancelForm(request.POST), write, back=reverse("task-detail", args=[task.pk]))


@login_required
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """改派经办人 within the task's department (reason required)."""
    user, task = acting_on(request, selectors.task_get_for, permissions.may_reassign_task, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        taskcontrol.task_reassign(task=task, actor=user, **arguments(d))
        said = _("案件%(n)s的任务已改派%(who)s办理。") % {"n": task.case.number, "who": d["assignee"]}
        return Done(said, "task-detail", pk=task.pk)

    form = TaskReassignForm(request.POST, department_id=task.department_id)
    return post_step(request, form, write, back=reverse("task-detail", args=[task.pk]))


@login_required
@require_POST
def task_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """转交 another member unit (reason required); the page of the new task follows."""
    user, task = acting_on(request, selectors.task_get_for, permissions.may_control_task, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        new = taskcontrol.task_transfer(task=task, actor=user, **arguments(d))
        said = _("已将案件%(n)s中%(old)s的任务转交%(new)s。") % {
            "n": task.case.number,
            "old": task.department.name,
            "new": new.department.name,
        }
        return Done(said, "task-detail", pk=new.pk)

    form = TaskTransferForm(request.POST, targets=taskcontrol.transfer_targets(task))
    return post_step(request, form, write, back=reverse("task-detail", args=[task.pk]))


# --- 代签授权 -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delegation_list(request: HttpRequest) -> HttpResponse:
    """代签授权: the head sees the department's authorisations and gives a new one; a handler
    sees the ones given to them."""
    user = request_staff(request)
    may_delegate = permissions.may_delegate_signing(user)
    if not may_delegate and not user.has_role(*permissions.TASK_ROLES):
        raise PermissionDenied
    deputies = delegation.deputies_for(user) if may_delegate else None
    if request.method == "POST" and not may_delegate:
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = DelegationForm(posted, deputies=deputies) if may_delegate else None

    def write(d: dict[str, Any]) -> Done:
        made = delegation.delegation_create(actor=user, **d)
        said = _("已授权%(who)s于%(a)s至%(b)s代签本部门书面意见。") % {
            "who": made.deputy,
            "a": made.starts_on.isoformat(),
            "b": made.ends_on.isoformat(),
        }
        return Done(said, "delegation-list")

    def page() -> dict[str, Any]:
        rows = list(delegation.delegations_visible_to(user)[:100])
        today = delegation._today()
        for row in rows:
            row.current = row.revoked_at is None and row.starts_on <= today <= row.ends_on  # type: ignore[attr-defined]
            row.revocable = may_delegate and row.revoked_at is None and row.ends_on >= today  # type: ignore[attr-defined]
        return {
            "delegations": rows,
            "may_delegate": may_delegate,
            "revoke_form": DelegationRevokeForm(),
            "max_days": delegation.MAX_PERIOD_DAYS,
            "today": today,
        }

    return form_page(request, form, write, template="handling/delegations.html", context=page, invalid_status=400)


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销代签授权."""
    user = request_staff(request)
    row = delegation.delegation_get_for(user=user, pk=pk)
    if not permissions.may_delegate_signing(user):
        raise PermissionDenied

    def write(d: dict[str, Any]) -> Done:
        delegation.delegation_revoke(delegation=row, actor=user, **arguments(d))
        return Done(_("已撤销%(who)s的代签授权。") % {"who": row.deputy}, "delegation-list")

    return post_step(request, DelegationRevokeForm(request.POST), write, back="delegation-list")
