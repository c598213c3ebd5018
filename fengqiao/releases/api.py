"""REST API of 信息发布审批 (五(三)), under ``/api/v1/releases/``: the requester's requests and a
new one, the approvers' queue, one request, its decision, withdrawal and the record of a
release. Reads are scoped (a request one may not see is a 404); writes go through
``services``; errors have the project's one shape, ``{"errors": {field: [..]}}``."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases import selectors as case_selectors
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView
from fengqiao.org.models import Staff
from fengqiao.releases import selectors, services
from fengqiao.releases.models import ReleaseKind, ReleaseRequest, ReleaseState
from fengqiao.releases.services import MAX_USES, MAX_VALIDITY_DAYS

TAGS = ["releases"]
# Plain strings in the schema (the names "kind" and "state" are other enums' already).
KIND_HELP = "信息类别：" + "；".join(f"{v} {label}" for v, label in ReleaseKind.choices)
STATE_HELP = "状态：" + "；".join(f"{v} {label}" for v, label in ReleaseState.choices)
LIST_LIMIT = 200

ERROR_TEXT = {
    400: "输入有误：错误按字段列出（如未填写接收单位、案件尚未归档、不予批准未写理由）",
    403: "无权申请、不是本旗县审批人、不能审批本人的申请，或只有申请人可以撤回/记录发布",
    404: "申请不存在或无权查看（二者不作区分）",
    409: "申请当前状态不能执行该步骤（已审批、已撤回、已过期或次数已用完）",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


class ReleaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    case = serializers.CharField(allow_null=True, help_text="案件编号（案卷归档包、案件文书）")
    reference = serializers.CharField(help_text="档号、月份（YYYY-MM）或其他编号")
    description = serializers.CharField(help_text="发布或提供的信息")
    recipient_organisation = serializers.CharField(help_text="接收单位")
    recipient_person = serializers.CharField(help_text="接收人")
    purpose = serializers.CharField(help_text="用途")
    legal_basis = serializers.CharField(help_text="依据")
    uses = serializers.IntegerField(help_text="批准使用次数")
    used = serializers.IntegerField(help_text="已使用次数")
    validity_days = serializers.IntegerField(help_text="批准有效期（天）")
    state = serializers.CharField(help_text=STATE_HELP)
    expired = serializers.BooleanField(help_text="已批准但已过有效期")
    usable = serializers.BooleanField(help_text="已批准、在有效期内且尚有使用次数")
    requested_by = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(help_text="审批意见")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="批准有效至")
    released_at = serializers.DateTimeField(allow_null=True, help_text="最近发布时间")


class RequestInputSerializer(serializers.Serializer):
    kind = serializers.RegexField(r"^(dossier|documents|analysis|other)$", max_length=16, help_text=KIND_HELP)
    case = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="案件编号：案卷归档包、案件文书须填写"
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="月度综合分析填写月份（YYYY-MM）"
    )
    description = serializers.CharField(max_length=2000)
    recipient_organisation = serializers.CharField(max_length=128)
    recipient_person = serializers.CharField(max_length=64)
    purpose = serializers.CharField(max_length=2000)
    legal_basis = serializers.CharField(max_length=255)
    uses = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_USES)
    validity_days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=MAX_VALIDITY_DAYS)


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 批准，false 不予批准")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="不予批准须写明理由")


class RecordInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, help_text="发布情况")


def _represent(release: ReleaseRequest) -> dict[str, Any]:
    return {
        "id": release.pk,
        "kind": release.kind,
        "case": release.case.number if release.case is not None else None,
        "reference": release.reference,
        "description": release.description,
        "recipient_organisation": release.recipient_organisation,
        "recipient_person": release.recipient_person,
        "purpose": release.purpose,
        "legal_basis": release.legal_basis,
        "uses": release.uses,
        "used": release.used,
        "validity_days": release.validity_days,
        "state": release.state,
        "expired": release.expired,
        "usable": release.usable,
        "requested_by": str(release.requested_by),
        "requested_at": release.requested_at,
        "decided_by": str(release.decided_by) if release.decided_by is not None else None,
        "decided_at": release.decided_at,
        "decision_reason": release.decision_reason,
        "expires_at": release.expires_at,
        "released_at": release.released_at,
    }


def _out(release: ReleaseRequest, code: int = status.HTTP_200_OK) -> Response:
    return Response(ReleaseSerializer(_represent(release)).data, status=code)


class ReleasesStep(StepView, abstract=True):
    # A step on information release requests (core.steps); no docstring, as each step's own is
    # its description. Who may take it (the requester, an approver, not one's own) the
    # services say, with the audit chain's record of a refusal.
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer = ReleaseSerializer

    def respond(self, staff: Staff, release: Any, result: ReleaseRequest) -> dict[str, Any]:
        return dict(ReleaseSerializer(_represent(result)).data)


class ReleaseListView(ReleasesStep):
    """The caller's requests (or, with ``view=queue``, the requests waiting on the caller as
    approver), and a new request."""

    operation_id = "releases_create"
    summary = "提出信息发布申请"
    description = (
        "对外发布或向其他有关部门提供信息，要严格按照规定和程序报批 (五(三)). A dossier export package "
        "needs the case to be archived; its archive number becomes the reference. The request waits for one of "
        "the county's approvers."
    )
    request_serializer = RequestInputSerializer
    status_code = 201
    error_codes = (400, 401, 403)

    @extend_schema(
        tags=TAGS,
        operation_id="releases_list",
        summary="信息发布申请列表",
        description="`view=mine` (default): the caller's own requests, newest first; `view=queue`: pending "
        "requests of the caller's county that the caller may approve (not the caller's own), oldest first. "
        f"At most {LIST_LIMIT}.",
        parameters=[OpenApiParameter("view", str, enum=["mine", "queue"], required=False)],
        responses={200: ReleaseSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        view = request.query_params.get("view", "mine")
        rows = selectors.queue(user=user) if view == "queue" else selectors.mine(user=user)
        return Response(ReleaseSerializer([_represent(r) for r in rows[:LIST_LIMIT]], many=True).data)

    def perform(self, staff: Staff, release: None, data: dict[str, Any]) -> ReleaseRequest:
        number = (data.pop("case", "") or "").strip()
        case = None
        if number:
            try:
                case = case_selectors.case_get_for(user=staff, number=number)
            except Http404:
                raise serializers.ValidationError({"case": ["没有该编号的案件，或您无权查看。"]}) from None
        return services.release_request(actor=staff, case=case, **data)


class ReleaseDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="releases_retrieve",
        summary="信息发布申请",
        description="One request, for its requester and the county's approvers.",
        responses={200: ReleaseSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _out(selectors.release_get_for(user=request_staff(request), pk=pk))


class ReleaseStep(ReleasesStep, abstract=True):
    def fetch(self, staff: Staff, pk: int) -> ReleaseRequest:
        return selectors.release_get_for(user=staff, pk=pk)


class ReleaseDecisionView(ReleaseStep):
    operation_id = "releases_decide"
    summary = "审批信息发布申请"
    description = (
        "An approver of the county (by role, configured per county; by default 领导小组办公室 and "
        "组长/副组长) approves or refuses a pending request; never the requester. An approval runs for the "
        "request's validity_days. Recorded in the audit chain; a refused attempt is recorded as denied."
    )
    request_serializer = DecisionInputSerializer

    def perform(self, staff: Staff, release: ReleaseRequest, data: dict[str, Any]) -> ReleaseRequest:
        return services.release_decide(
            release=release, actor=staff, approve=data["approve"], reason=data.get("reason", "")
        )


class ReleaseWithdrawalView(ReleaseStep):
    operation_id = "releases_withdraw"
    summary = "撤回信息发布申请"
    description = "The requester withdraws a pending request or an approval not yet used up."
    error_codes = (401, 403, 404, 409)

    def perform(self, staff: Staff, release: ReleaseRequest, data: dict[str, Any]) -> ReleaseRequest:
        return services.release_withdraw(release=release, actor=staff)


class ReleaseRecordView(ReleaseStep):
    operation_id = "releases_record"
    summary = "记录信息发布"
    description = (
        "The requester records that approved information (documents, a month's analysis, other) was "
        "given, using one of the approval's uses; a dossier package is released by downloading it "
        "(`GET /api/v1/cases/{number}/dossier/export/`). Recorded in the audit chain."
    )
    request_serializer = RecordInputSerializer
    error_codes = (400, 401, 403, 404)

    def perform(self, staff: Staff, release: ReleaseRequest, data: dict[str, Any]) -> ReleaseRequest:
        return services.release_record(release=release, actor=staff, note=data.get("note", ""))
