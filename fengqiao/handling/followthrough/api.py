"""REST API of 时限督办, 延期 and 调解, under ``/api/v1/``.

Thin like the pages: reads through the scoped fetches of ``views`` (a case the caller may not
see is a 404), writes through the services, errors in the one shape ``{"errors": {...}}``
(``fengqiao.core.api.exception_handler``)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView
from fengqiao.handling.followthrough import deadlines, extensions, mediation
from fengqiao.handling.followthrough.views import extension_for, session_for
from fengqiao.handling.models import (
    DecisionResult,
    Extension,
    FollowUpKind,
    MediationResult,
    MediationSession,
    Task,
)
from fengqiao.org.models import Division, Staff

TAGS = ["followthrough"]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes)


# --- serializers -----------------------------------------------------------------------------


class OverdueRowSerializer(serializers.Serializer):
    case = serializers.CharField(source="case.number")
    task = serializers.IntegerField(source="task.pk", allow_null=True, default=None)
    task_kind = serializers.CharField(source="task.kind", allow_null=True, default=None)
    department = serializers.CharField(source="department_name")
    due_on = serializers.DateField()
    working_days_overdue = serializers.IntegerField()


class DepartmentCountSerializer(serializers.Serializer):
    department = serializers.CharField()
    tasks = serializers.IntegerField()
    cases = serializers.IntegerField()


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    task = serializers.IntegerField(source="task_id", allow_null=True)
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    due_on = serializers.DateField()
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class MyNoticeSerializer(NoticeSerializer):
    pending = serializers.BooleanField(help_text="期限仍未办结")


class SupervisionSerializer(serializers.Serializer):
    today = serializers.DateField()
    task_total = serializers.IntegerField()
    case_total = serializers.IntegerField()
    by_department = DepartmentCountSerializer(many=True)
    tasks = OverdueRowSerializer(many=True)
    cases = OverdueRowSerializer(many=True)
    notices = NoticeSerializer(many=True)


class ExtensionSerializer(serializers.ModelSerializer[Extension]):
    case = serializers.CharField(source="case.number")

    class Meta:
        model = Extension
        fields = [
            "id",
            "case",
            "task",
            "reason",
            "requested_at",
            "old_due_on",
            "new_due_on",
            "status",
            "decided_at",
            "payer_told_at",
            "payer_told_how",
        ]


class ExtensionRequestSerializer(serializers.Serializer):
    task = serializers.IntegerField(required=False, allow_null=True, help_text="任务编号；留空为案件当前环节")
    reason = serializers.CharField()
    new_due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="重大疑难事项案件无需填写（+30日）；其他须晚于原期限、不晚于最初期限延长30日（信访工作条例第三十四条），"
        "且为工作日（该年节假日安排未录入的，400 说明原因）",
    )


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    payer_told_how = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class MediationSerializer(serializers.ModelSerializer[MediationSession]):
    case = serializers.CharField(source="case.number")

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "case",
            "department",
            "division",
            "mediator",
            "held_at",
            "place",
            "parties",
            "result",
            "agreement",
            "notes",
        ]


class MediationOpenSerializer(serializers.Serializer):
    division = serializers.IntegerField(required=False, allow_null=True, help_text="调解中心或线上团队")
    mediator = serializers.CharField(help_text="调解员的用户名")
    held_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    parties = serializers.CharField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class MediationResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[MediationResult.AGREEMENT, MediationResult.NO_AGREEMENT])
    agreement = serializers.CharField(required=False, allow_blank=True, default="")
    decision_result = serializers.ChoiceField(
        choices=DecisionResult.choices, required=False, allow_blank=True, default=""
    )
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


# --- views ---------------------------------------------------------------------------------


class SupervisionView(APIView):
    """督办: the county's overdue tasks and cases by department with working days overdue, and
    the reminders and escalations sent (group office, leader, deputies)."""

    @extend_schema(tags=TAGS, responses={200: SupervisionSerializer, **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        if not deadlines.may_supervise(user):
            raise PermissionDenied
        board = deadlines.supervision_board(user=user)
        return Response(SupervisionSerializer(board).data)


class MyRemindersView(APIView):
    """我的提醒: the reminders and escalations sent to the caller (newest 100)."""

    @extend_schema(tags=TAGS, responses={200: MyNoticeSerializer(many=True), **_errors(401)})
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        return Response(MyNoticeSerializer(deadlines.my_notices(user=user)[:100], many=True).data)


class FollowThroughStep(StepView, abstract=True):
    # A step of the follow-through on a case or on its extension or mediation (core.steps);
    # no docstring: each step's own is its description.
    tags = TAGS


class CaseExtensionsView(FollowThroughStep):
    """延期 of a case: the list, and 申请延期 for the case or one of its tasks."""

    request_serializer = ExtensionRequestSerializer
    response_serializer = ExtensionSerializer
    status_code = 201

    @extend_schema(tags=TAGS, responses={200: ExtensionSerializer(many=True), **_errors(401, 404)})
    def get(self, request: Request, number: str) -> Response:
        case = case_selectors.case_get_for(user=request_staff(request), number=number)
        rows = case.extensions.select_related("case").order_by("-requested_at")
        return Response(ExtensionSerializer(rows, many=True).data)

    def fetch(self, staff: Staff, number: str) -> Case:
        return case_selectors.case_get_for(user=staff, number=number)

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> Extension:
        # who may ask depends on the task the body names: checked after the body is read
        task = get_object_or_404(Task, pk=d["task"], case=case) if d.get("task") else None
        if not extensions.may_request(staff, case, task):
            raise PermissionDenied
        return extensions.extension_request(
            case=case, actor=staff, task=task, reason=d["reason"], new_due_on=d.get("new_due_on")
        )


class ExtensionDecideView(FollowThroughStep):
    """审批延期: the department head, or the group leader for a major matter's case."""

    request_serializer = ExtensionDecideSerializer
    response_serializer = ExtensionSerializer

    def fetch(self, staff: Staff, pk: int) -> Extension:
        return extension_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, ext: Extension) -> bool:
        return extensions.may_decide(staff, ext)

    def perform(self, staff: Staff, ext: Extension, d: dict[str, Any]) -> Extension:
        return extensions.extension_decide(
            extension=ext, actor=staff, approve=d["approve"], note=d["note"], payer_told_how=d["payer_told_how"]
        )


class CaseMediationsView(FollowThroughStep):
    """调解 of a case: the sessions, and 组织调解."""

    request_serializer = MediationOpenSerializer
    response_serializer = MediationSerializer
    status_code = 201

    @extend_schema(tags=TAGS, responses={200: MediationSerializer(many=True), **_errors(401, 404)})
    def get(self, request: Request, number: str) -> Response:
        case = case_selectors.case_get_for(user=request_staff(request), number=number)
        return Response(
            MediationSerializer(case.mediations.select_related("case").order_by("-held_at"), many=True).data
        )

    def fetch(self, staff: Staff, number: str) -> Case:
        return case_selectors.case_get_for(user=staff, number=number)

    def allowed(self, staff: Staff, case: Case) -> bool:
        return mediation.may_mediate(staff, case)

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> MediationSession:
        mediator = Staff.objects.filter(username=d["mediator"]).first()
        if mediator is None:
            raise serializers.ValidationError({"mediator": ["调解员不存在。"]})
        division = Division.objects.filter(pk=d["division"]).first() if d.get("division") else None
        if d.get("division") and division is None:
            raise serializers.ValidationError({"division": ["调解机构不存在。"]})
        return mediation.mediation_open(
            case=case,
            actor=staff,
            mediator=mediator,
            held_at=d["held_at"],
            parties=d["parties"],
            division=division,
            place=d["place"],
            notes=d["notes"],
        )


class MediationResultView(FollowThroughStep):
    """记录调解结果: an agreement becomes the draft decision (from_mediation)."""

    request_serializer = MediationResultSerializer
    response_serializer = MediationSerializer

    def fetch(self, staff: Staff, pk: int) -> MediationSession:
        return session_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, session: MediationSession) -> bool:
        return mediation.may_record(staff, session)

    def perform(self, staff: Staff, session: MediationSession, d: dict[str, Any]) -> MediationSession:
        return mediation.mediation_record_result(session=session, actor=staff, **d)
