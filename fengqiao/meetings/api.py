"""REST API of 会商 under ``/api/v1/consultations/``: list, detail and create; the status steps
(报请组长同意, 召开, 取消); the leader's consent; attendance; minutes; resolutions and their
tasks; issuing the minutes and downloading them.

Reads go through ``selectors`` (a consultation the caller may not see is a 404), writes
through ``services``; errors have the project's one shape, ``{"errors": {field: [..]}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.audit import trail
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import Serializer, StepView
from fengqiao.documents.fonts import FontMissing
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.services import CONTENT_TYPES
from fengqiao.meetings import forms, permissions, selectors, services
from fengqiao.meetings.models import Attendance, Consultation, ConsultationKind, Resolution
from fengqiao.org.models import Department, Staff

TAGS = ["meetings"]

ERROR_TEXT = {
    403: "可以查看但无权办理（组织会商限领导小组办公室，审批限组长）",
    404: "会商不存在或无权查看（二者不作区分）",
    409: "会商已被他人修改（version）或当前状态不允许该操作",
    503: "服务器缺少生成PDF所需的字体",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


# --- representations --------------------------------------------------------------------


class AttendeeSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="单位代码，如 hrss")
    staff = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="人员用户名（可选）")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    title = serializers.CharField(required=False, allow_blank=True, max_length=64)
    attendance = serializers.ChoiceField(
        choices=Attendance.choices, help_text="present 出席 / leave 请假 / observer 列席"
    )


class ResolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    department = serializers.SlugField(help_text="承办单位代码")
    case = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="案件编号（可选）")
    text = serializers.CharField()
    due_on = serializers.DateField(required=False, allow_null=True, help_text="留空按规定时限计算")
    due_provisional = serializers.BooleanField(read_only=True)
    task = serializers.IntegerField(read_only=True, allow_null=True, help_text="转成的办理任务 id")
    make_task = serializers.BooleanField(write_only=True, required=False, default=False, help_text="同时转为办理任务")


class MinutesDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    number = serializers.CharField(help_text="文号")
    issued_at = serializers.DateTimeField()
    pages = serializers.IntegerField()
    pdf_sm3 = serializers.CharField()
    docx_sm3 = serializers.CharField()
    pdf_url = serializers.CharField()
    docx_url = serializers.CharField()


class ConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    # A plain string (the service validates it): a ChoiceField named ``kind`` would collide
    # with the other ``kind`` enums of the schema.
    kind = serializers.CharField(help_text="; ".join(f"`{v}` {label}" for v, label in ConsultationKind.choices))
    topic = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=128)
    chair = serializers.CharField(required=False, allow_blank=True, max_length=64)
    cases = serializers.ListField(child=serializers.CharField(), required=False, help_text="案件编号")
    policy_issue = serializers.CharField(required=False, allow_blank=True, help_text="政策性、普遍性、倾向性问题")
    status = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    attendees = AttendeeSerializer(many=True, required=False, help_text="省略时默认邀请领导小组成员")
    discussion = serializers.CharField(read_only=True)
    conclusions = serializers.ListField(child=serializers.CharField(), read_only=True)
    resolutions = ResolutionSerializer(many=True, read_only=True)
    documents = MinutesDocumentSerializer(many=True, read_only=True)


class ConsultationListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    topic = serializers.CharField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    status = serializers.CharField()
    cases = serializers.ListField(child=serializers.CharField())


def _document(c: Consultation, d: IssuedDocument) -> dict[str, Any]:
    def url(fmt: str) -> str:
        return reverse(f"api-consultation-document-{fmt}", kwargs={"pk": c.pk, "document_id": d.pk})

    return {
        "id": d.pk,
        "title": d.title,
        "number": d.number,
        "issued_at": d.issued_at,
        "pages": d.pages,
        "pdf_sm3": d.pdf_sm3,
        "docx_sm3": d.docx_sm3,
        "pdf_url": url("pdf"),
        "docx_url": url("docx"),
    }


def _resolution(r: Resolution) -> dict[str, Any]:
    return {
        "id": r.pk,
        "department": r.department.code,
        "case": r.case.number if r.case else None,
        "text": r.text,
        "due_on": r.due_on,
        "due_provisional": r.due_provisional,
        "task": r.task_id,
    }


def _represent(c: Consultation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "topic": c.topic,
        "starts_at": c.starts_at,
        "place": c.place,
        "chair": c.chair,
        "cases": [x.number for x in c.cases.order_by("number")],
        "policy_issue": c.policy_issue,
        "status": c.status,
        "version": c.version,
        "attendees": [
            {
                "department": a.department.code,
                "staff": a.staff.username if a.staff else None,
                "name": a.name,
                "title": a.title,
                "attendance": a.attendance,
            }
            for a in selectors.attendees_of(c)
        ],
        "discussion": c.discussion,
        "conclusions": c.conclusion_lines(),
        "resolutions": [_resolution(r) for r in selectors.resolutions_of(c)],
        "documents": [_document(c, d) for d in c.documents.order_by("issued_at", "id")],
    }


def _detail(c: Consultation) -> dict[str, Any]:
    return dict(ConsultationSerializer(_represent(c)).data)


def _department(staff: Staff, code: str, field: str = "department") -> Department:
    department = Department.objects.filter(jurisdiction=staff.jurisdiction, code=code).first()
    if department is None:
        raise serializers.ValidationError({field: [f"本旗县没有代码为“{code}”的单位。"]})
    return department


def _attendees(staff: Staff, rows: list[dict[str, Any]]) -> list[services.AttendeeData]:
    names = [r["staff"] for r in rows if r.get("staff")]
    people = {s.username: s for s in Staff.objects.filter(username__in=names)}
    out = []
    for row in rows:
        person = people.get(row.get("staff") or "")
        if row.get("staff") and person is None:
            raise serializers.ValidationError({"attendees": [f"没有用户名为“{row['staff']}”的人员。"]})
        out.append(
            services.AttendeeData(
                department=_department(staff, row["department"], "attendees"),
                staff=person,
                name=row.get("name") or "",
                title=row.get("title") or "",
                attendance=row["attendance"],
            )
        )
    return out


def _plan(staff: Staff, data: dict[str, Any]) -> services.ConsultationData:
    try:
        cases = forms.cases_by_number(staff, " ".join(data.get("cases") or []))
    except forms.forms.ValidationError as exc:
        raise serializers.ValidationError({"cases": exc.messages}) from None
    return services.ConsultationData(
        kind=data["kind"],
        topic=data["topic"],
        starts_at=data["starts_at"],
        place=data["place"],
        policy_issue=data.get("policy_issue") or "",
        cases=cases,
        chair=data.get("chair") or "",
    )


# --- views ------------------------------------------------------------------------------


class MeetingsStep(StepView, abstract=True):
    # A step of the group office on consultations (core.steps); no docstring, as each step's
    # own is its description.
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer: ClassVar[Serializer] = ConsultationSerializer
    refusal = "只有领导小组办公室可以组织会商。"

    def respond(self, staff: Staff, consultation: Any, result: Any) -> dict[str, Any]:
        return _detail(result)


class ConsultationStep(MeetingsStep, abstract=True):
    def fetch(self, staff: Staff, pk: int, **kwargs: Any) -> Consultation:
        return selectors.consultation_get_for(user=staff, pk=pk)  # a resolution's id is for perform

    def allowed(self, staff: Staff, consultation: Consultation) -> bool:
        return permissions.may_edit(staff, consultation)


class ConsultationListView(MeetingsStep):
    """会商 the caller may see; planning a new one (the group office)."""

    operation_id = "consultations_create"
    summary = "安排会商"
    description = (
        "Plan a general (一般事项会商) or major (重大事项会商, needs the leader's consent) consultation "
        "covering cases (by number) and/or a policy issue. Without `attendees`, the leadership group is invited."
    )
    request_serializer = ConsultationSerializer
    status_code = status.HTTP_201_CREATED
    error_codes = (400, 401, 403)

    @extend_schema(
        tags=TAGS,
        operation_id="consultations_list",
        summary="会商列表",
        description="`view=upcoming` (default: not yet held, soonest first) or `view=held`.",
        responses={200: ConsultationListItemSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        view = "held" if request.query_params.get("view") == "held" else "upcoming"
        rows = [
            {
                "id": c.pk,
                "kind": c.kind,
                "topic": c.topic,
                "starts_at": c.starts_at,
                "place": c.place,
                "status": c.status,
                "cases": [x.number for x in c.cases.all()],
            }
            for c in selectors.consultation_list_for(user=staff, view=view)[:200]
        ]
        return Response(ConsultationListItemSerializer(rows, many=True).data)

    def allowed(self, staff: Staff, consultation: None) -> bool:
        return staff.jurisdiction is not None and permissions.may_organise(staff, staff.jurisdiction.pk)

    def perform(self, staff: Staff, consultation: None, data: dict[str, Any]) -> Consultation:
        attendees = _attendees(staff, data["attendees"]) if "attendees" in data else None
        return services.consultation_create(actor=staff, data=_plan(staff, data), attendees=attendees)


class ConsultationDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="consultations_retrieve",
        summary="会商详情",
        responses={200: ConsultationSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        staff = request_staff(request)
        return Response(_detail(selectors.consultation_get_for(user=staff, pk=pk)))


class StepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[("request_approval", "报请组长同意"), ("hold", "会商已召开"), ("cancel", "取消会商")]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, help_text="页面所见版本；不一致时 409")


class ConsultationStepView(ConsultationStep):
    operation_id = "consultations_step"
    summary = "报请组长同意 / 召开 / 取消"
    request_serializer = StepSerializer

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> Consultation:
        version = d.get("version")
        if d["action"] == "request_approval":
            return services.consultation_request_approval(
                consultation=consultation, actor=staff, reason=d["reason"], expected_version=version
            )
        if d["action"] == "hold":
            return services.consultation_hold(consultation=consultation, actor=staff, expected_version=version)
        return services.consultation_cancel(
            consultation=consultation, actor=staff, reason=d["reason"], expected_version=version
        )


class ApprovalSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="不同意时必填")
    version = serializers.IntegerField(required=False, allow_null=True)


class ConsultationApprovalView(ConsultationStep):
    operation_id = "consultations_approve"
    summary = "组长审批重大事项会商"
    request_serializer = ApprovalSerializer
    refusal = "只有领导小组组长可以同意召开重大事项会商。"

    def allowed(self, staff: Staff, consultation: Consultation) -> bool:
        return permissions.may_approve(staff, consultation)

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> Consultation:
        return services.consultation_decide(
            consultation=consultation,
            actor=staff,
            approve=d["approve"],
            note=d["note"],
            expected_version=d.get("version"),
        )


class AttendanceSerializer(serializers.Serializer):
    attendees = AttendeeSerializer(many=True)
    version = serializers.IntegerField(required=False, allow_null=True)


class ConsultationAttendanceView(ConsultationStep):
    method = "put"
    operation_id = "consultations_attendance"
    summary = "登记参会人员（出席/请假/列席）"
    description = "Replaces the whole attendee list."
    request_serializer = AttendanceSerializer

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> Consultation:
        attendees = _attendees(staff, d["attendees"])
        return services.attendance_set(
            consultation=consultation, actor=staff, attendees=attendees, expected_version=d.get("version")
        )


class MinutesSerializer(serializers.Serializer):
    chair = serializers.CharField(required=False, allow_blank=True, max_length=64)
    discussion = serializers.CharField(required=False, allow_blank=True, default="")
    conclusions = serializers.ListField(child=serializers.CharField(), help_text="议定事项，每条一项，纪要中编号")
    version = serializers.IntegerField(required=False, allow_null=True)


class ConsultationMinutesView(ConsultationStep):
    method = "put"
    operation_id = "consultations_minutes"
    summary = "编辑会议纪要"
    request_serializer = MinutesSerializer

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> Consultation:
        return services.minutes_save(
            consultation=consultation,
            actor=staff,
            discussion=d["discussion"],
            conclusions="\n".join(d["conclusions"]),
            chair=d.get("chair"),
            expected_version=d.get("version"),
        )


class ResolutionStep(ConsultationStep, abstract=True):
    response_serializer = ResolutionSerializer
    status_code = status.HTTP_201_CREATED

    def respond(self, staff: Staff, consultation: Consultation, result: Resolution) -> dict[str, Any]:
        resolution = selectors.resolutions_of(consultation).get(pk=result.pk)
        return dict(ResolutionSerializer(_resolution(resolution)).data)


class ConsultationResolutionsView(ResolutionStep):
    operation_id = "consultations_resolutions_create"
    summary = "添加决定事项"
    description = (
        "A resolution names a department, the text, optionally a covered case and a due date "
        "(default: the written-opinion time limit from the calendar). `make_task` turns it into the "
        "department's task on the case."
    )
    request_serializer = ResolutionSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="consultations_resolutions_list",
        summary="决定事项列表",
        responses={200: ResolutionSerializer(many=True), **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        staff = request_staff(request)
        consultation = selectors.consultation_get_for(user=staff, pk=pk)
        rows = [_resolution(r) for r in selectors.resolutions_of(consultation)]
        return Response(ResolutionSerializer(rows, many=True).data)

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> Resolution:
        case = None
        if d.get("case"):
            case = consultation.cases.filter(number=d["case"]).first()
            if case is None:
                raise serializers.ValidationError({"case": ["该案件不在本次会商范围内。"]})
        return services.resolution_add(
            consultation=consultation,
            actor=staff,
            department=_department(staff, d["department"]),
            text=d["text"],
            case=case,
            due_on=d.get("due_on"),
            make_task=d.get("make_task", False),
        )


class ResolutionTaskView(ResolutionStep):
    operation_id = "consultations_resolutions_task"
    summary = "决定事项转为办理任务"

    def perform(self, staff: Staff, consultation: Consultation, data: dict[str, Any]) -> Resolution:
        # looked for after the organiser's check: a refused caller learns nothing of the resolutions
        resolution = selectors.resolutions_of(consultation).filter(pk=self.kwargs["resolution_id"]).first()
        if resolution is None:
            raise Http404
        return services.resolution_task_create(resolution=resolution, actor=staff)


class IssueSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True)


class ConsultationIssueView(ConsultationStep):
    operation_id = "consultations_issue"
    summary = "印发会议纪要"
    description = (
        "Numbers the minutes (文号), renders them per GB/T 9704 §10.3 to DOCX and PDF, stores them "
        "with SM3 digests and records the issue on every covered case."
    )
    request_serializer = IssueSerializer
    response_serializer = MinutesDocumentSerializer
    status_code = status.HTTP_201_CREATED
    error_codes = (400, 401, 403, 404, 409, 503)
    unavailable = (FontMissing,)

    def perform(self, staff: Staff, consultation: Consultation, d: dict[str, Any]) -> IssuedDocument:
        return services.minutes_issue(consultation=consultation, actor=staff, expected_version=d.get("version"))

    def respond(self, staff: Staff, consultation: Consultation, document: IssuedDocument) -> dict[str, Any]:
        return dict(MinutesDocumentSerializer(_document(consultation, document)).data)


class _MinutesFileView(APIView):
    fmt = ""

    def get(self, request: Request, pk: int, document_id: int) -> FileResponse:
        staff = request_staff(request)
        consultation = selectors.consultation_get_for(user=staff, pk=pk)
        document = consultation.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        file = document.docx if self.fmt == "docx" else document.pdf
        try:
            handle = file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        trail.minutes_downloaded(actor=staff, document=document, fmt=self.fmt)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{document.title}{document.number}.{self.fmt}",
            content_type=CONTENT_TYPES[self.fmt],
        )
        response["Cache-Control"] = "private, no-store"
        return response


_FILE_RESPONSE = OpenApiResponse(description="文件")


class MinutesDocxView(_MinutesFileView):
    fmt = "docx"

    @extend_schema(
        tags=TAGS,
        operation_id="consultations_minutes_docx",
        summary="下载纪要DOCX",
        responses={(200, CONTENT_TYPES["docx"]): _FILE_RESPONSE, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int, document_id: int) -> FileResponse:
        return super().get(request, pk, document_id)


class MinutesPdfView(_MinutesFileView):
    fmt = "pdf"

    @extend_schema(
        tags=TAGS,
        operation_id="consultations_minutes_pdf",
        summary="下载纪要PDF",
        responses={(200, CONTENT_TYPES["pdf"]): _FILE_RESPONSE, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int, document_id: int) -> FileResponse:
        return super().get(request, pk, document_id)
