"""REST API of 任务调度 and 代签授权, under ``/api/v1/``: cancel a task, give it to another
handler of its department, send it to another member unit; a department head's
authorisations for a deputy to sign the department's opinions.

Thin endpoints as in ``handling.api``: reads through selectors (what the caller may not see is
404), input through the same forms as the pages, every write through a service; errors in one
shape, ``{"errors": {field: [..]}}``; a stale version or a state that no longer allows the step
is 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView, expected_version
from fengqiao.handling import delegation, permissions, taskcontrol
from fengqiao.handling.api import (
    ERROR_TEXT,
    TAGS,
    NewTaskStep,
    TaskStep,
    VersionRequestSerializer,
    _errors,
)
from fengqiao.handling.models import Task
from fengqiao.handling.taskcontrol_forms import (
    DelegationForm,
    DelegationRevokeForm,
    TaskCancelForm,
    TaskReassignForm,
    TaskTransferForm,
)
from fengqiao.org.models import SigningDelegation, Staff


class CancelRequestSerializer(VersionRequestSerializer):
    reason = serializers.CharField(help_text="why the task is no longer needed (required)")


class ReassignRequestSerializer(VersionRequestSerializer):
    assignee = serializers.CharField(help_text="username of a handler of the task's department")
    reason = serializers.CharField(help_text="why (required)")


class TransferRequestSerializer(VersionRequestSerializer):
    department = serializers.CharField(help_text="code of another member unit of the county")
    reason = serializers.CharField(help_text="why (required)")
    instructions = serializers.CharField(required=False, allow_blank=True)


class TaskCancelView(TaskStep):
    """撤销: the group office or the head of the receiving department closes an open task."""

    summary = "撤销任务"
    request_serializer = CancelRequestSerializer
    form_class = TaskCancelForm

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_control_task(staff, task)

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return taskcontrol.task_cancel(
            task=task, actor=staff, reason=data["reason"], expected_version=expected_version(data)
        )


class TaskReassignView(TaskStep):
    """改派: a task signed for goes to another handler of its department."""

    summary = "改派经办人"
    request_serializer = ReassignRequestSerializer
    form_class = TaskReassignForm

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_reassign_task(staff, task)

    def form_kwargs(self, staff: Staff, task: Task) -> dict[str, Any]:
        return {"department_id": task.department_id}

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return taskcontrol.task_reassign(
            task=task,
            actor=staff,
            assignee=data["assignee"],
            reason=data["reason"],
            expected_version=expected_version(data),
        )


class TaskTransferView(NewTaskStep):
    """转交: an open task goes to another member unit (201, the new task)."""

    summary = "转交其他成员单位"
    request_serializer = TransferRequestSerializer
    form_class = TaskTransferForm

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_control_task(staff, task)

    def form_kwargs(self, staff: Staff, task: Task) -> dict[str, Any]:
        return {"targets": taskcontrol.transfer_targets(task)}

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return taskcontrol.task_transfer(
            task=task,
            actor=staff,
            department=data["department"],
            reason=data["reason"],
            instructions=data.get("instructions") or "",
            expected_version=expected_version(data),
        )


# --- 代签授权 -------------------------------------------------------------------------------


class DelegationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = serializers.CharField(source="department.code")
    principal = serializers.CharField(source="principal.username")
    deputy = serializers.CharField(source="deputy.username")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = serializers.CharField(source="revoked_by.username", allow_null=True, default=None)
    revoke_reason = serializers.CharField()
    version = serializers.IntegerField()


class DelegationRequestSerializer(serializers.Serializer):
    deputy = serializers.CharField(help_text="username of a handler of your department")
    starts_on = serializers.DateField(help_text="YYYY-MM-DD, today or later")
    ends_on = serializers.DateField(help_text=f"YYYY-MM-DD, included; at most {delegation.MAX_PERIOD_DAYS} days")
    reason = serializers.CharField()


class DelegationRevokeRequestSerializer(VersionRequestSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


def _delegation_data(row: SigningDelegation) -> dict[str, Any]:
    return dict(DelegationSerializer(row).data)


class DelegationStep(StepView, abstract=True):
    # A department head's step on the department's signing delegations (core.steps).
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer = DelegationSerializer

    def allowed(self, staff: Staff, row: SigningDelegation | None) -> bool:
        return permissions.may_delegate_signing(staff)

    def respond(self, staff: Staff, row: SigningDelegation | None, result: SigningDelegation) -> dict[str, Any]:
        return _delegation_data(result)


class DelegationListView(DelegationStep):
    """代签授权 of the caller's department (its head), or given to the caller (a handler)."""

    summary = "授权代签"
    request_serializer = DelegationRequestSerializer
    status_code = 201
    error_codes = (400, 401, 403)
    form_class = DelegationForm
    refusal = gettext_lazy("只有部门负责人可以授权代签。")

    @extend_schema(
        tags=TAGS, summary="代签授权列表", responses={200: DelegationSerializer(many=True), **_errors(401, 403)}
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        if not staff.has_role(*permissions.TASK_ROLES):
            raise PermissionDenied(_("只有部门负责人和经办人可以查看代签授权。"))
        rows = delegation.delegations_visible_to(staff)[:200]
        return Response([_delegation_data(r) for r in rows])

    def form_kwargs(self, staff: Staff, row: None) -> dict[str, Any]:
        return {"deputies": delegation.deputies_for(staff)}

    def perform(self, staff: Staff, row: None, data: dict[str, Any]) -> SigningDelegation:
        return delegation.delegation_create(
            actor=staff,
            deputy=data["deputy"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
        )


class DelegationRevokeView(DelegationStep):
    """撤销代签授权: a head of the department ends it before its period ends."""

    summary = "撤销代签授权"
    request_serializer = DelegationRevokeRequestSerializer
    form_class = DelegationRevokeForm
    refusal = gettext_lazy("只有部门负责人可以撤销代签授权。")

    def fetch(self, staff: Staff, pk: int) -> SigningDelegation:
        return delegation.delegation_get_for(user=staff, pk=pk)

    def perform(self, staff: Staff, row: SigningDelegation, data: dict[str, Any]) -> SigningDelegation:
        return delegation.delegation_revoke(
            delegation=row, actor=staff, reason=data.get("reason") or "", expected_version=expected_version(data)
        )
