"""REST API of 调查处理 (四(三)), under ``/api/v1/``: the task inbox, signing for and returning
tasks, the written opinion, the decision and the leader's approval of special handling.

Thin endpoints: reads through ``selectors`` (a task or case the caller may not see is a 404),
input through the same forms as the pages, every write through ``services``. Errors have one
shape, ``{"errors": {field: [..]}}``; a stale version or a step the state no longer allows is
409 (``fengqiao.core.api.exception_handler``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.api import error_responses, form_errors
from fengqiao.core.auth import request_staff
from fengqiao.handling import forms, legal, permissions, selectors, services
from fengqiao.handling.models import (
    Decision,
    DecisionResult,
    DecisionStatus,
    SpecialHandlingRequest,
    Task,
)
from fengqiao.org.models import Department, Staff

TAGS = ["handling"]

ERROR_TEXT = {
    403: "无权执行",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


def _body(request: Request) -> Any:
    data = request.data
    if not hasattr(data, "get"):
        raise serializers.ValidationError({"non_field_errors": [_("请求体应为 JSON 对象。")]})
    return data


def _valid(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form))
    return form.cleaned_data


def _version(data: dict[str, Any]) -> int | None:
    value = data.get("version")
    return None if value is None or value == "" else int(value)


# --- serializers ---------------------------------------------------------------------------


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OpinionSerializer(serializers.Serializer):
    facts = serializers.CharField()
    text = serializers.CharField()
    basis = serializers.CharField()
    status = serializers.CharField()
    author = serializers.CharField(source="author.username")
    signed_by = serializers.CharField(source="signed_by.username", allow_null=True, default=None)
    signed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    payer = serializers.CharField(source="case.payer.name")
    department = DepartmentRefSerializer()
    kind = serializers.CharField()
    status = serializers.CharField()
    is_lead = serializers.BooleanField()
    instructions = serializers.CharField()
    created_at = serializers.DateTimeField()
    return_due_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField()
    due_provisional = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    signed_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField(help_text="why it was cancelled or transferred")
    replaced_by = serializers.IntegerField(
        source="replaced_by_id", allow_null=True, help_text="the task of the member unit it was transferred to"
    )
    version = serializers.IntegerField()

    def get_overdue(self, task: Task) -> bool:
        return selectors.task_is_overdue(task, self.context.get("today"))


class TaskDetailSerializer(TaskSerializer):
    opinion = serializers.SerializerMethodField()

    @extend_schema_field(OpinionSerializer(allow_null=True))
    def get_opinion(self, task: Task) -> dict[str, Any] | None:
        opinion = selectors.opinion_of(task)
        return OpinionSerializer(opinion).data if opinion is not None else None


class TaskListQuerySerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=selectors.INBOX_VIEWS, required=False, default="all")


class VersionRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=0, help_text="the version you read (409 if stale)")


class ReturnRequestSerializer(VersionRequestSerializer):
    reason = serializers.CharField(help_text="why it is not the department's duty")


class RerouteRequestSerializer(serializers.Serializer):
    department = serializers.CharField(help_text="department code")
    instructions = serializers.CharField(required=False, allow_blank=True)


class OpinionRequestSerializer(VersionRequestSerializer):
    facts = serializers.CharField()
    text = serializers.CharField()
    basis = serializers.CharField(required=False, allow_blank=True)


class RemedySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="e.g. 申请行政复议")
    body = serializers.CharField(help_text="受理机关")
    deadline = serializers.CharField(help_text="期限")
    basis = serializers.CharField(required=False, allow_blank=True)


class DecisionRequestSerializer(VersionRequestSerializer):
    request = serializers.CharField()
    facts_and_reasons = serializers.CharField()
    result = serializers.ChoiceField(choices=DecisionResult.choices)
    legal_basis = serializers.CharField()
    remedies = RemedySerializer(many=True)


class DecisionLegalReviewSerializer(serializers.Serializer):
    """司法局把关 of the draft: a review covers the content it reviewed (its SM3 digest)."""

    review_required = serializers.BooleanField(
        help_text="a major matter: an approved review of the current content is needed before issuing"
    )
    status = serializers.CharField(help_text="e.g. 法律适用无误, 待司法局审查（必需）, 处理意见内容已修改，需重新审查")
    content_digest = serializers.CharField(help_text="SM3 of the draft's request, facts, result, basis and remedies")
    approved = serializers.BooleanField(help_text="an approved review of the current content exists")
    needs_new_review = serializers.BooleanField(help_text="reviewed before, but the content changed since")
    requested = serializers.BooleanField(help_text="a review of the current content was asked for")
    may_request = serializers.BooleanField(
        help_text="the caller may ask for a review of the current content (POST decisions/<id>/legal-review-request/)"
    )
    reviewed_version = serializers.IntegerField(
        allow_null=True, help_text="version of the latest review of this content"
    )


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    case = serializers.CharField()
    status = serializers.CharField(help_text="draft, issued, or new (not yet saved: the editor's first draft)")
    request = serializers.CharField()
    facts_and_reasons = serializers.CharField()
    result = serializers.CharField()
    legal_basis = serializers.CharField()
    remedies = RemedySerializer(many=True)
    version = serializers.IntegerField()
    issued_at = serializers.DateTimeField(allow_null=True)
    document = serializers.CharField(allow_null=True, help_text="文号 of the 处理意见书")
    outstanding = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="departments whose opinion is not yet signed"
    )
    needs_minutes = serializers.BooleanField()
    minutes_issued = serializers.BooleanField()
    legal_review = DecisionLegalReviewSerializer(
        allow_null=True, help_text="the 司法局's review of the draft's current content (null when there is no draft)"
    )


class SpecialRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    reason = serializers.CharField()
    status = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    requested_at = serializers.DateTimeField()
    forwarded_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    member_units = serializers.SerializerMethodField()

    def get_member_units(self, special: SpecialHandlingRequest) -> list[str]:
        return [d.code for d in special.member_units.all()]


class ForwardRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ApproveRequestSerializer(serializers.Serializer):
    member_units = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="department codes; empty or absent: all member units"
    )
    note = serializers.CharField(required=False, allow_blank=True)


class DeclineRequestSerializer(serializers.Serializer):
    reason = serializers.CharField()


# --- tasks ---------------------------------------------------------------------------------


def _task_for(request: Request, pk: int, may: Any = None) -> tuple[Staff, Task]:
    """The task, if the caller may see it (404 otherwise) and, with ``may``, act on it (403)."""
    staff = request_staff(request)
    task = selectors.task_get_for(user=staff, pk=pk)
    if may is not None and not may(staff, task):
        raise PermissionDenied(_("您无权办理该任务。"))
    return staff, task


def _task_detail(request: Request, staff: Staff, pk: int) -> Response:
    task = selectors.task_get_for(user=staff, pk=pk)
    return Response(TaskDetailSerializer(task, context={"today": timezone.localdate()}).data)


class TaskListView(GenericAPIView[Task]):
    """The task inbox: a department sees its tasks (and the receiving department's reviewers
    the tasks of the cases they routed); the group office and the leaders the county's. Paged
    like the other lists (``PageNumberPagination``, 50 a page)."""

    serializer_class = TaskSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="tasks_list",
        summary="任务列表（收件箱）",
        description=(
            "The caller's task inbox, by due date then id, 50 a page: `count`, `next` and `previous` "
            "(which keep `view`) and `results`. A bad parameter is answered with 400 naming it."
        ),
        parameters=[TaskListQuerySerializer],
        responses={200: TaskSerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        query = TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = selectors.task_inbox_for(user=staff, view=query.validated_data["view"])
        page = self.paginate_queryset(tasks)
        context = {"today": timezone.localdate()}
        rows = TaskSerializer(page if page is not None else tasks, many=True, context=context).data
        return self.get_paginated_response(rows) if page is not None else Response(rows)


class TaskDetailView(APIView):
    """One task with its written opinion, if the caller may see its case."""

    @extend_schema(tags=TAGS, summary="任务详情", responses={200: TaskDetailSerializer, **_errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk)
        return _task_detail(request, staff, task.pk)


class TaskSignView(APIView):
    """签收: a handler or the head of the task's department takes it on."""

    @extend_schema(
        tags=TAGS,
        summary="签收任务",
        request=VersionRequestSerializer,
        responses={200: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk, permissions.may_work_task)
        data = _valid(forms.VersionForm(_body(request)))
        services.task_sign(task=task, actor=staff, expected_version=_version(data))
        return _task_detail(request, staff, pk)


class TaskReturnView(APIView):
    """退回: not the department's duty — within the return limit, with reasons."""

    @extend_schema(
        tags=TAGS,
        summary="退回任务",
        request=ReturnRequestSerializer,
        responses={200: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk, permissions.may_work_task)
        data = _valid(forms.TaskReturnForm(_body(request)))
        services.task_return(task=task, actor=staff, reason=data["reason"], expected_version=_version(data))
        return _task_detail(request, staff, pk)


class TaskRerouteView(APIView):
    """重新转办: the reviewer gives a returned task to another department (201, the new task)."""

    @extend_schema(
        tags=TAGS,
        summary="重新转办被退回的任务",
        request=RerouteRequestSerializer,
        responses={201: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk)
        if not permissions.may_reroute(staff, task.case):
            raise PermissionDenied(_("您无权重新转办该任务。"))
        data = _valid(forms.RerouteForm(_body(request), county=task.case.jurisdiction))
        new = services.task_reroute(
            task=task, department=data["department"], actor=staff, instructions=data.get("instructions") or ""
        )
        response = _task_detail(request, staff, new.pk)
        response.status_code = 201
        return response


class OpinionView(APIView):
    """书面意见 draft: the handler writes (PUT) the facts found, the opinion and its basis."""

    @extend_schema(
        tags=TAGS,
        summary="保存书面意见草稿",
        description="Send the opinion's `version` you read (0 for a new one): 409 if someone changed it since.",
        request=OpinionRequestSerializer,
        responses={200: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk, permissions.may_work_task)
        data = _valid(forms.OpinionForm(_body(request)))
        services.opinion_save(
            task=task,
            actor=staff,
            facts=data["facts"],
            text=data["text"],
            basis=data.get("basis") or "",
            expected_version=_version(data),
        )
        return _task_detail(request, staff, pk)


class OpinionSubmitView(APIView):
    """提交: the draft goes to the department head."""

    @extend_schema(
        tags=TAGS,
        summary="提交书面意见",
        request=VersionRequestSerializer,
        responses={200: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk, permissions.may_work_task)
        data = _valid(forms.VersionForm(_body(request)))
        services.opinion_submit(task=task, actor=staff, expected_version=_version(data))
        return _task_detail(request, staff, pk)


class OpinionSignView(APIView):
    """签发: the department head signs; the task is done and the opinion never changes."""

    @extend_schema(
        tags=TAGS,
        summary="签发书面意见",
        request=VersionRequestSerializer,
        responses={200: TaskDetailSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, task = _task_for(request, pk, permissions.may_sign_opinion)
        data = _valid(forms.VersionForm(_body(request)))
        services.opinion_sign(task=task, actor=staff, expected_version=_version(data))
        return _task_detail(request, staff, pk)


# --- the decision --------------------------------------------------------------------------


def _legal_review_data(decision: Decision | None, staff: Staff) -> dict[str, Any] | None:
    if decision is None or decision.status != DecisionStatus.DRAFT:
        return None
    review = legal.review_state(decision)
    return {
        "review_required": review.required,
        "status": review.status,
        "content_digest": review.content_digest,
        "approved": review.approved,
        "needs_new_review": review.needs_new_review,
        "requested": review.requested,
        "may_request": review.requestable and legal.may_request_review(staff, case=decision.case),
        "reviewed_version": review.current.decision_version if review.current is not None else None,
    }


def _decision_data(case: Case, decision: Decision | None, staff: Staff) -> dict[str, Any]:
    state = selectors.decision_state(case=case)
    common = {
        "case": case.number,
        "outstanding": state.outstanding,
        "needs_minutes": state.needs_minutes,
        "minutes_issued": state.minutes_issued,
        "legal_review": _legal_review_data(decision, staff),
    }
    if decision is not None and decision.status == DecisionStatus.ISSUED and case.state in services.DRAFTING_STATES:
        # A remedy changed the issued decision and handling reopened: the next draft is new
        # (version 0) and starts from the decision it will replace.
        return {
            **common,
            "id": None,
            "status": "new",
            "request": decision.request,
            "facts_and_reasons": decision.facts_and_reasons,
            "result": decision.result,
            "legal_basis": decision.legal_basis,
            "remedies": decision.remedies,
            "version": 0,
            "issued_at": None,
            "document": None,
        }
    if decision is None:
        prefill = selectors.decision_prefill(case=case)
        return {
            **common,
            **prefill,
            "id": None,
            "status": "new",
            "version": 0,
            "issued_at": None,
            "document": None,
        }
    return {
        **common,
        "id": decision.pk,
        "status": decision.status,
        "request": decision.request,
        "facts_and_reasons": decision.facts_and_reasons,
        "result": decision.result,
        "legal_basis": decision.legal_basis,
        "remedies": decision.remedies,
        "version": decision.version,
        "issued_at": decision.issued_at,
        "document": decision.document.number if decision.document else None,
    }


class DecisionView(APIView):
    """处理意见 of a case: read it (or the editor's first draft) and write the draft."""

    def _decidable(self, request: Request, number: str) -> tuple[Staff, Case]:
        staff = request_staff(request)
        case = case_selectors.case_get_for(user=staff, number=number)
        if not permissions.may_decide(staff, case):
            raise PermissionDenied(_("您无权拟写该案件的处理意见。"))
        return staff, case

    @extend_schema(
        tags=TAGS,
        operation_id="cases_decision_retrieve",
        summary="处理意见",
        description="The issued decision, the draft, or (status `new`) the first draft made from the signed opinions.",
        responses={200: DecisionSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        staff, case = self._decidable(request, number)
        return Response(DecisionSerializer(_decision_data(case, selectors.decision_current(case=case), staff)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="cases_decision_update",
        summary="保存处理意见草稿",
        request=DecisionRequestSerializer,
        responses={200: DecisionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, number: str) -> Response:
        staff, case = self._decidable(request, number)
        body = _body(request)
        if not isinstance(body.get("remedies", []), list):
            raise serializers.ValidationError({"remedies": [_("救济途径应为列表。")]})
        data = _valid(forms.DecisionForm(body))
        decision = services.decision_save(
            case=case,
            actor=staff,
            request=data["request"],
            facts_and_reasons=data["facts_and_reasons"],
            result=data["result"],
            legal_basis=data["legal_basis"],
            remedies=data["remedies"],
            expected_version=_version(data),
        )
        return Response(DecisionSerializer(_decision_data(case, decision, staff)).data)


class DecisionIssueView(APIView):
    """出具处理意见书: the case moves to DECIDED and the notice is numbered and stored."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_decision_issue",
        summary="出具处理意见书",
        request=VersionRequestSerializer,
        responses={200: DecisionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, number: str) -> Response:
        staff = request_staff(request)
        case = case_selectors.case_get_for(user=staff, number=number)
        if not permissions.may_decide(staff, case):
            raise PermissionDenied(_("您无权出具该案件的处理意见书。"))
        data = _valid(forms.VersionForm(_body(request)))
        decision = selectors.decision_current(case=case)
        if decision is None:
            raise serializers.ValidationError({"non_field_errors": [_("请先保存处理意见草稿。")]})
        decision = services.decision_issue(decision=decision, actor=staff, expected_version=_version(data))
        case = case_selectors.case_get_for(user=staff, number=number)
        return Response(DecisionSerializer(_decision_data(case, selectors.decision_current(case=case), staff)).data)


# --- special handling ----------------------------------------------------------------------


class SpecialRequestListView(APIView):
    """专案处理申请 of the county: for the group office and the leader."""

    @extend_schema(
        tags=TAGS,
        summary="专案处理申请列表",
        parameters=[OpenApiParameter("pending", bool, description="only those waiting for me")],
        responses={200: SpecialRequestSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        if not staff.has_role(*permissions.COUNTY_TASK_ROLES):
            raise PermissionDenied(_("只有领导小组办公室和组长可以查看审批队列。"))
        pending = request.query_params.get("pending") in ("1", "true", "yes")
        qs = selectors.approval_pending_for(user=staff) if pending else selectors.approval_queue_for(user=staff)
        return Response(SpecialRequestSerializer(qs.prefetch_related("member_units")[:200], many=True).data)


def _special_for(request: Request, pk: int, may: Any) -> tuple[Staff, SpecialHandlingRequest]:
    staff = request_staff(request)
    special = selectors.special_request_get_for(user=staff, pk=pk)
    if not may(staff, special.case):
        raise PermissionDenied(_("您无权审批该申请。"))
    return staff, special


class SpecialForwardView(APIView):
    """转报: the group office forwards the request to the leader."""

    @extend_schema(
        tags=TAGS,
        summary="转报专案处理申请",
        request=ForwardRequestSerializer,
        responses={200: SpecialRequestSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, special = _special_for(request, pk, permissions.may_forward_special)
        data = _valid(forms.ForwardForm(_body(request)))
        special = services.special_request_forward(special=special, actor=staff, note=data.get("note") or "")
        return Response(SpecialRequestSerializer(special).data)


class SpecialApproveView(APIView):
    """组长同意: special handling by the member units chosen (default all)."""

    @extend_schema(
        tags=TAGS,
        summary="同意专案处理",
        request=ApproveRequestSerializer,
        responses={200: SpecialRequestSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, special = _special_for(request, pk, permissions.may_approve_special)
        body = _body(request)
        codes = body.get("member_units") or []
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",") if c.strip()]
        units = list(Department.objects.filter(jurisdiction_id=special.case.jurisdiction_id, code__in=codes))
        unknown = sorted(set(codes) - {d.code for d in units})
        if unknown:
            raise serializers.ValidationError({"member_units": [_("未知的部门：%(c)s") % {"c": "、".join(unknown)}]})
        special = services.special_request_approve(
            special=special, actor=staff, member_units=units or None, note=str(body.get("note") or "")
        )
        return Response(SpecialRequestSerializer(special).data)


class SpecialDeclineView(APIView):
    """组长不同意: back to general handling with the reason."""

    @extend_schema(
        tags=TAGS,
        summary="不同意专案处理",
        request=DeclineRequestSerializer,
        responses={200: SpecialRequestSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        staff, special = _special_for(request, pk, permissions.may_approve_special)
        data = _valid(forms.DeclineForm(_body(request)))
        special = services.special_request_decline(special=special, actor=staff, reason=data["reason"])
        return Response(SpecialRequestSerializer(special).data)
