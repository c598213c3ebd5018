"""REST API of 调查处理 (四(三)), under ``/api/v1/``: the task inbox, signing for and returning
tasks, the written opinion, the decision and the leader's approval of special handling.

Thin endpoints: reads through ``selectors`` (a task or case the caller may not see is a 404),
input through the same forms as the pages, every write through ``services``. Errors have one
shape, ``{"errors": {field: [..]}}``; a stale version or a step the state no longer allows is
409 (``fengqiao.core.api.exception_handler``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms as django_forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import Serializer, StepView, expected_version, form_data
from fengqiao.handling import forms, legal, permissions, selectors, services
from fengqiao.handling.models import (
    Decision,
    DecisionResult,
    DecisionStatus,
    Opinion,
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


def _task_detail(staff: Staff, pk: int) -> dict[str, Any]:
    task = selectors.task_get_for(user=staff, pk=pk)
    return dict(TaskDetailSerializer(task, context={"today": timezone.localdate()}).data)


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
        return Response(_task_detail(request_staff(request), pk))


class HandlingStep(StepView, abstract=True):
    # A step of investigation (core.steps); the pages' forms read the body. No docstring: each
    # step's own is its description.
    tags = TAGS
    error_texts = ERROR_TEXT


class TaskStep(HandlingStep, abstract=True):
    # A step on one task: 404 for a task of a case the caller may not see, 403 for one they may
    # not work on; the answer is the task read again, with its opinion.
    response_serializer = TaskDetailSerializer
    request_serializer: ClassVar[Serializer] = VersionRequestSerializer
    form_class: ClassVar[type[django_forms.Form] | None] = forms.VersionForm
    refusal = gettext_lazy("您无权办理该任务。")

    def fetch(self, staff: Staff, pk: int) -> Task:
        return selectors.task_get_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_work_task(staff, task)

    def respond(self, staff: Staff, task: Task, result: Any) -> dict[str, Any]:
        return _task_detail(staff, task.pk)


class NewTaskStep(TaskStep, abstract=True):
    # A step that gives the case a new task in the task's place: 201 with the new task.
    status_code = 201

    def respond(self, staff: Staff, task: Task, new: Task) -> dict[str, Any]:
        return _task_detail(staff, new.pk)


class TaskSignView(TaskStep):
    """签收: a handler or the head of the task's department takes it on."""

    summary = "签收任务"

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return services.task_sign(task=task, actor=staff, expected_version=expected_version(data))


class TaskReturnView(TaskStep):
    """退回: not the department's duty — within the return limit, with reasons."""

    summary = "退回任务"
    request_serializer = ReturnRequestSerializer
    form_class = forms.TaskReturnForm

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return services.task_return(
            task=task, actor=staff, reason=data["reason"], expected_version=expected_version(data)
        )


class TaskRerouteView(NewTaskStep):
    """重新转办: the reviewer gives a returned task to another department (201, the new task)."""

    summary = "重新转办被退回的任务"
    request_serializer = RerouteRequestSerializer
    form_class = forms.RerouteForm
    refusal = gettext_lazy("您无权重新转办该任务。")

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_reroute(staff, task.case)

    def form_kwargs(self, staff: Staff, task: Task) -> dict[str, Any]:
        return {"county": task.case.jurisdiction}

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Task:
        return services.task_reroute(
            task=task, department=data["department"], actor=staff, instructions=data.get("instructions") or ""
        )


class OpinionView(TaskStep):
    """书面意见 draft: the handler writes (PUT) the facts found, the opinion and its basis."""

    method = "put"
    summary = "保存书面意见草稿"
    description = "Send the opinion's `version` you read (0 for a new one): 409 if someone changed it since."
    request_serializer = OpinionRequestSerializer
    form_class = forms.OpinionForm

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Opinion:
        return services.opinion_save(
            task=task,
            actor=staff,
            facts=data["facts"],
            text=data["text"],
            basis=data.get("basis") or "",
            expected_version=expected_version(data),
        )


class OpinionSubmitView(TaskStep):
    """提交: the draft goes to the department head."""

    summary = "提交书面意见"

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Opinion:
        return services.opinion_submit(task=task, actor=staff, expected_version=expected_version(data))


class OpinionSignView(TaskStep):
    """签发: the department head signs; the task is done and the opinion never changes."""

    summary = "签发书面意见"

    def allowed(self, staff: Staff, task: Task) -> bool:
        return permissions.may_sign_opinion(staff, task)

    def perform(self, staff: Staff, task: Task, data: dict[str, Any]) -> Opinion:
        return services.opinion_sign(task=task, actor=staff, expected_version=expected_version(data))


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


class DecisionStep(HandlingStep, abstract=True):
    # A step on the case's decision (处理意见), for whoever may decide the case.
    response_serializer = DecisionSerializer

    def fetch(self, staff: Staff, number: str) -> Case:
        return case_selectors.case_get_for(user=staff, number=number)

    def allowed(self, staff: Staff, case: Case) -> bool:
        return permissions.may_decide(staff, case)


class DecisionView(DecisionStep):
    """处理意见 of a case: read it (or the editor's first draft) and write the draft."""

    method = "put"
    operation_id = "cases_decision_update"
    summary = "保存处理意见草稿"
    request_serializer = DecisionRequestSerializer
    form_class = forms.DecisionForm
    refusal = gettext_lazy("您无权拟写该案件的处理意见。")

    @extend_schema(
        tags=TAGS,
        operation_id="cases_decision_retrieve",
        summary="处理意见",
        description="The issued decision, the draft, or (status `new`) the first draft made from the signed opinions.",
        responses={200: DecisionSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        staff, case = self.acting_on(request, number=number)
        return Response(DecisionSerializer(_decision_data(case, selectors.decision_current(case=case), staff)).data)

    def validate(self, request: Request, staff: Staff, case: Case) -> Any:
        body = form_data(request)
        if not isinstance(body.get("remedies", []), list):
            raise serializers.ValidationError({"remedies": [_("救济途径应为列表。")]})
        return super().validate(request, staff, case)

    def perform(self, staff: Staff, case: Case, data: dict[str, Any]) -> Decision:
        return services.decision_save(
            case=case,
            actor=staff,
            request=data["request"],
            facts_and_reasons=data["facts_and_reasons"],
            result=data["result"],
            legal_basis=data["legal_basis"],
            remedies=data["remedies"],
            expected_version=expected_version(data),
        )

    def respond(self, staff: Staff, case: Case, decision: Decision) -> dict[str, Any]:
        return dict(DecisionSerializer(_decision_data(case, decision, staff)).data)


class DecisionIssueView(DecisionStep):
    """出具处理意见书: the case moves to DECIDED and the notice is numbered and stored."""

    operation_id = "cases_decision_issue"
    summary = "出具处理意见书"
    request_serializer = VersionRequestSerializer
    form_class = forms.VersionForm
    refusal = gettext_lazy("您无权出具该案件的处理意见书。")

    def perform(self, staff: Staff, case: Case, data: dict[str, Any]) -> Decision:
        decision = selectors.decision_current(case=case)
        if decision is None:
            raise serializers.ValidationError({"non_field_errors": [_("请先保存处理意见草稿。")]})
        return services.decision_issue(decision=decision, actor=staff, expected_version=expected_version(data))

    def respond(self, staff: Staff, case: Case, decision: Decision) -> dict[str, Any]:
        case = case_selectors.case_get_for(user=staff, number=case.number)  # as the issue left it
        return dict(DecisionSerializer(_decision_data(case, selectors.decision_current(case=case), staff)).data)


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


class SpecialStep(HandlingStep, abstract=True):
    # The group office's and the leader's steps on a 专案处理申请.
    response_serializer = SpecialRequestSerializer
    refusal = gettext_lazy("您无权审批该申请。")

    def fetch(self, staff: Staff, pk: int) -> SpecialHandlingRequest:
        return selectors.special_request_get_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, special: SpecialHandlingRequest) -> bool:
        return permissions.may_approve_special(staff, special.case)


class SpecialForwardView(SpecialStep):
    """转报: the group office forwards the request to the leader."""

    summary = "转报专案处理申请"
    request_serializer = ForwardRequestSerializer
    form_class = forms.ForwardForm

    def allowed(self, staff: Staff, special: SpecialHandlingRequest) -> bool:
        return permissions.may_forward_special(staff, special.case)

    def perform(self, staff: Staff, special: SpecialHandlingRequest, data: dict[str, Any]) -> SpecialHandlingRequest:
        return services.special_request_forward(special=special, actor=staff, note=data.get("note") or "")


class SpecialApproveView(SpecialStep):
    """组长同意: special handling by the member units chosen (default all)."""

    summary = "同意专案处理"
    request_serializer = ApproveRequestSerializer

    def validate(self, request: Request, staff: Staff, special: SpecialHandlingRequest) -> dict[str, Any]:
        body = form_data(request)
        codes = body.get("member_units") or []
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",") if c.strip()]
        units = list(Department.objects.filter(jurisdiction_id=special.case.jurisdiction_id, code__in=codes))
        unknown = sorted(set(codes) - {d.code for d in units})
        if unknown:
            raise serializers.ValidationError({"member_units": [_("未知的部门：%(c)s") % {"c": "、".join(unknown)}]})
        return {"member_units": units or None, "note": str(body.get("note") or "")}

    def perform(self, staff: Staff, special: SpecialHandlingRequest, data: dict[str, Any]) -> SpecialHandlingRequest:
        return services.special_request_approve(special=special, actor=staff, **data)


class SpecialDeclineView(SpecialStep):
    """组长不同意: back to general handling with the reason."""

    summary = "不同意专案处理"
    request_serializer = DeclineRequestSerializer
    form_class = forms.DeclineForm

    def perform(self, staff: Staff, special: SpecialHandlingRequest, data: dict[str, Any]) -> SpecialHandlingRequest:
        return services.special_request_decline(special=special, actor=staff, reason=data["reason"])
