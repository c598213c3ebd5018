"""Pages of 任务调度 and 代签授权: on the task page, the group office or the receiving
department's head cancels a task, sends it to another member unit, or (with the head of the
task's department) gives it to another handler; on ``/handling/delegations/`` a department head
authorises a handler to sign the department's opinions for a period, and revokes it.

Views parse input with the forms, call a service and redirect; a task someone may not see is
404, a step someone may not take 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fengqiao.core.auth import request_staff
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


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for errors in exc.message_dict.values():
            for message in errors:
                messages.error(request, message)
    else:
        for message in exc.messages:
            messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


def _version(data: dict[str, Any]) -> int | None:
    value = data.get("version")
    return None if value is None or value == "" else int(value)


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销任务 (reason required)."""
    user = request_staff(request)
    task = selectors.task_get_for(user=user, pk=pk)
    if not permissions.may_control_task(user, task):
        raise PermissionDenied
    form = TaskCancelForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("task-detail", pk=task.pk)
    try:
        taskcontrol.task_cancel(
            task=task, actor=user, reason=form.cleaned_data["reason"], expected_version=_version(form.cleaned_data)
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request, _("已撤销%(dept)s在案件%(n)s中的任务。") % {"dept": task.department.name, "n": task.case.number}
        )
    return redirect("task-detail", pk=task.pk)


@login_required
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """改派经办人 within the task's department (reason required)."""
    user = request_staff(request)
    task = selectors.task_get_for(user=user, pk=pk)
    if not permissions.may_reassign_task(user, task):
        raise PermissionDenied
    form = TaskReassignForm(request.POST, department_id=task.department_id)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("task-detail", pk=task.pk)
    try:
        taskcontrol.task_reassign(
            task=task,
            actor=user,
            assignee=form.cleaned_data["assignee"],
            reason=form.cleaned_data["reason"],
            expected_version=_version(form.cleaned_data),
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request,
            _("案件%(n)s的任务已改派%(who)s办理。") % {"n": task.case.number, "who": form.cleaned_data["assignee"]},
        )
    return redirect("task-detail", pk=task.pk)


@login_required
@require_POST
def task_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """转交 another member unit (reason required); the page of the new task follows."""
    user = request_staff(request)
    task = selectors.task_get_for(user=user, pk=pk)
    if not permissions.may_control_task(user, task):
        raise PermissionDenied
    form = TaskTransferForm(request.POST, targets=taskcontrol.transfer_targets(task))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("task-detail", pk=task.pk)
    d = form.cleaned_data
    try:
        new = taskcontrol.task_transfer(
            task=task,
            actor=user,
            department=d["department"],
            reason=d["reason"],
            instructions=d.get("instructions") or "",
            expected_version=_version(d),
        )
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("task-detail", pk=task.pk)
    messages.success(
        request,
        _("已将案件%(n)s中%(old)s的任务转交%(new)s。")
        % {"n": task.case.number, "old": task.department.name, "new": new.department.name},
    )
    return redirect("task-detail", pk=new.pk)


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
    form = DelegationForm(deputies=deputies) if may_delegate else None
    status = 200
    if request.method == "POST":
        if not may_delegate:
            raise PermissionDenied
        form = DelegationForm(request.POST, deputies=deputies)
        if form.is_valid():
            d = form.cleaned_data
            try:
                made = delegation.delegation_create(
                    actor=user, deputy=d["deputy"], starts_on=d["starts_on"], ends_on=d["ends_on"], reason=d["reason"]
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(
                    request,
                    _("已授权%(who)s于%(a)s至%(b)s代签本部门书面意见。")
                    % {"who": made.deputy, "a": made.starts_on.isoformat(), "b": made.ends_on.isoformat()},
                )
                return redirect("delegation-list")
        status = 400
    rows = list(delegation.delegations_visible_to(user)[:100])
    today = delegation._today()
    for row in rows:
        row.current = row.revoked_at is None and row.starts_on <= today <= row.ends_on  # type: ignore[attr-defined]
        row.revocable = may_delegate and row.revoked_at is None and row.ends_on >= today  # type: ignore[attr-defined]
    return render(
        request,
        "handling/delegations.html",
        {
            "delegations": rows,
            "form": form,
            "may_delegate": may_delegate,
            "revoke_form": DelegationRevokeForm(),
            "max_days": delegation.MAX_PERIOD_DAYS,
            "today": today,
        },
        status=status,
    )


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销代签授权."""
    user = request_staff(request)
    row = delegation.delegation_get_for(user=user, pk=pk)
    if not permissions.may_delegate_signing(user):
        raise PermissionDenied
    form = DelegationRevokeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("delegation-list")
    try:
        delegation.delegation_revoke(
            delegation=row,
            actor=user,
            reason=form.cleaned_data["reason"],
            expected_version=_version(form.cleaned_data),
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已撤销%(who)s的代签授权。") % {"who": row.deputy})
    return redirect("delegation-list")
