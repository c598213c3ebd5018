"""REST API of 时限督办, 延期 and 调解, under ``/api/v1/``.

Thin like the pages: reads through the scoped fetches of ``views`` (a case the caller may not
see is a 404), writes through the services, errors in the one shape ``{"errors": {...}}``
(``fengqiao.core.api.exception_handler``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases import selectors as case_selectors
from fengqiao.core.api import error_responses, validated
from fengqiao.core.auth import request_staff
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


class CaseExtensionsView(APIView):
    """延期 of a case: the list, and 申请延期 for the case or one of its tasks."""

    @extend_schema(tags=TAGS, responses={200: ExtensionSerializer(many=True), **_errors(401, 404)})
    def get(self, request: Request, number: str) -> Response:
        case = case_selectors.case_get_for(user=request_staff(request), number=number)
        rows = case.extensions.select_related("case").order_by("-requested_at")
        return Response(ExtensionSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=ExtensionRequestSerializer,
        responses={201: ExtensionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, number: str) -> Response:
        user = request_staff(request)
        case = case_selectors.case_get_for(user=user, number=number)
        d = validated(ExtensionRequestSerializer, request)
        task = get_object_or_404(Task, pk=d["task"], case=case) if d.get("task") else None
        if not extensions.may_request(user, case, task):
            raise PermissionDenied
        ext = extensions.extension_request(
            case=case, actor=user, task=task, reason=d["reason"], new_due_on=d.get("new_due_on")
        )
        return Response(ExtensionSerializer(ext).data, status=status.HTTP_201_CREATED)


class ExtensionDecideView(APIView):
    """审批延期: the department head, or the group leader for a major matter's case."""

    @extend_schema(
        tags=TAGS,
        request=ExtensionDecideSerializer,
        responses={200: ExtensionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_staff(request)
        ext = extension_for(user=user, pk=pk)
        if not extensions.may_decide(user, ext):
            raise PermissionDenied
        d = validated(ExtensionDecideSerializer, request)
        ext = extensions.extension_decide(
            extension=ext, actor=user, approve=d["approve"], note=d["note"], payer_told_how=d["payer_told_how"]
        )
        return Response(ExtensionSerializer(ext).data)


class CaseMediationsView(APIView):
    """调解 of a case: the sessions, and 组织调解."""

    @extend_schema(tags=TAGS, responses={200: MediationSerializer(many=True), **_errors(401, 404)})
    def get(self, request: Request, number: str) -> Response:
        case = case_selectors.case_get_for(user=request_staff(request), number=number)
        return Response(
            MediationSerializer(case.mediations.select_related("case").order_by("-held_at"), many=True).data
        )

    @extend_schema(
        tags=TAGS,
        request=MediationOpenSerializer,
        responses={201: MediationSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, number: str) -> Response:
        user = request_staff(request)
        case = case_selectors.case_get_for(user=user, number=number)
        if not mediation.may_mediate(user, case):
            raise PermissionDenied
        d = validated(MediationOpenSerializer, request)
        mediator = Staff.objects.filter(username=d["mediator"]).first()
        if mediator is None:
            raise serializers.ValidationError({"mediator": ["调解员不存在。"]})
        division = Division.objects.filter(pk=d["division"]).first() if d.get("division") else None
        if d.get("division") and division is None:
            raise serializers.ValidationError({"division": ["调解机构不存在。"]})
        session = mediation.mediation_open(
            case=case,
            actor=user,
            mediator=mediator,
            held_at=d["held_at"],
            parties=d["parties"],
            division=division,
            place=d["place"],
            notes=d["notes"],
        )
        return Response(MediationSerializer(session).data, status=status.HTTP_201_CREATED)


class MediationResultView(APIView):
    """记录调解结果: an agreement becomes the draft decision (from_mediation)."""

    @extend_schema(
        tags=TAGS,
        request=MediationResultSerializer,
        responses={200: MediationSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_staff(request)
        session = session_for(user=user, pk=pk)
        if not mediation.may_record(user, session):
            raise PermissionDenied
        d = validated(MediationResultSerializer, request)
        session = mediation.mediation_record_result(session=session, actor=user, **d)
        return Response(MediationSerializer(session).data)
