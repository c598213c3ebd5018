"""REST API of 责任追究 (五(四)) under ``/api/v1/accountability/records/``: the list (with the
page's filters) and hand entry, one record, and the group office's confirm and dismiss.

Reads go through ``selectors`` (a record the caller may not read is a 404), writes through
``services``; errors have the project's one shape, ``{"errors": {field: [..]}}``. The name of a
person a record names is given to the county-wide readers and the liaison only (else null)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.accountability import permissions, selectors, services
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.cases.models import Case
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView, expected_version
from fengqiao.org.models import Department, Staff

TAGS = ["accountability"]
#: The list answers at most this many records (newest first); the filters narrow it.
LIST_LIMIT = 200

ERROR_TEXT = {
    403: "可以查看但无权办理（录入、确认、不予追究限领导小组办公室）",
    404: "记录不存在或无权查看（二者不作区分）",
    409: "记录已被他人更新（version）或已经决定",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


def _choices(choices: list[tuple[str, Any]]) -> str:
    return "; ".join(f"`{v}` {label}" for v, label in choices)


class AccountabilityRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = serializers.CharField(help_text="责任部门代码")
    department_name = serializers.CharField()
    person = serializers.CharField(allow_null=True, help_text="责任人姓名；无权查看或未指明时为 null")
    failure = serializers.CharField(help_text=_choices(Failure.choices))
    case = serializers.CharField(allow_null=True, help_text="案件编号")
    item = serializers.CharField(allow_null=True, help_text="舆情编号")
    facts = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text=_choices(RecordStatus.choices))
    proposed_at = serializers.DateTimeField()
    proposed_by_system = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)
    dismiss_reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()


class AccountabilityInputSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="责任部门代码，如 hrss")
    person = serializers.CharField(required=False, allow_blank=True, default="", help_text="责任人用户名（可选）")
    failure = serializers.ChoiceField(choices=Failure.choices)
    case = serializers.CharField(required=False, allow_blank=True, default="", help_text="案件编号（可选）")
    item = serializers.CharField(required=False, allow_blank=True, default="", help_text="舆情编号（可选）")
    facts = serializers.CharField(max_length=services.TEXT_MAX)
    decision = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.TEXT_MAX, help_text="填写则记录即为已确认"
    )


class AccountabilityConfirmSerializer(serializers.Serializer):
    decision = serializers.CharField(max_length=services.TEXT_MAX, help_text="处理决定")
    version = serializers.IntegerField(required=False, allow_null=True, help_text="页面所见版本；不一致时 409")


class AccountabilityDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.TEXT_MAX, help_text="不予追究理由")
    version = serializers.IntegerField(required=False, allow_null=True, help_text="页面所见版本；不一致时 409")


def _represent(r: AccountabilityRecord, see_person: bool) -> dict[str, Any]:
    return {
        "id": r.pk,
        "department": r.department.code,
        "department_name": r.department.name,
        "person": str(r.person) if r.person is not None and see_person else None,
        "failure": r.failure,
        "case": r.case.number if r.case is not None else None,
        "item": r.item.number if r.item is not None else None,
        "facts": r.facts,
        "decision": r.decision,
        "status": r.status,
        "proposed_at": r.proposed_at,
        "proposed_by_system": r.proposed_by_id is None,
        "decided_at": r.decided_at,
        "dismiss_reason": r.dismiss_reason,
        "version": r.version,
    }


def _input(staff: Staff, data: dict[str, Any]) -> services.RecordData:
    """The API's codes and numbers as objects; an unknown one is an error naming its field."""
    from django.core.exceptions import ValidationError

    from fengqiao.opinion.models import OnlineItem

    county = staff.jurisdiction
    errors: dict[str, list[str]] = {}
    department = Department.objects.filter(jurisdiction=county, code=data["department"]).first()
    if department is None:
        errors["department"] = [f"没有代码为“{data['department']}”的部门。"]
    person = None
    if data["person"]:
        person = Staff.objects.filter(username=data["person"], department__jurisdiction=county).first()
        if person is None:
            errors["person"] = [f"找不到工作人员：{data['person']}"]
    case = None
    if data["case"]:
        case = Case.objects.filter(jurisdiction=county, number=data["case"]).first()
        if case is None:
            errors["case"] = [f"找不到案件：{data['case']}"]
    item = None
    if data["item"]:
        item = OnlineItem.objects.filter(jurisdiction=county, number=data["item"]).first()
        if item is None:
            errors["item"] = [f"找不到舆情：{data['item']}"]
    if errors:
        raise ValidationError(errors)
    return services.RecordData(
        department=department,
        person=person,
        failure=data["failure"],
        case=case,
        item=item,
        facts=data["facts"],
        decision=data["decision"],
    )


_FILTERS = [
    OpenApiParameter("status", str, enum=RecordStatus.values, description="状态"),
    OpenApiParameter("failure", str, enum=Failure.values, description="追责事由"),
    OpenApiParameter("department", str, description="责任部门代码"),
    OpenApiParameter("month", str, description="提出月份 YYYY-MM"),
]


class AccountabilityStep(StepView, abstract=True):
    # A step of the group office on the county's records (core.steps); no docstring, as each
    # step's own is its description. Its answer names the person: the office may read it.
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer = AccountabilityRecordSerializer

    def respond(self, staff: Staff, record: Any, result: AccountabilityRecord) -> dict[str, Any]:
        return _represent(result, True)


class RecordListView(AccountabilityStep):
    """责任追究记录 the caller may read; hand entry (the group office)."""

    operation_id = "accountability_records_create"
    summary = "录入责任追究记录"
    description = "The group office enters a record by hand: proposed, or confirmed at once with `decision`."
    request_serializer = AccountabilityInputSerializer
    status_code = 201
    error_codes = (400, 401, 403)
    refusal = "只有领导小组办公室可以录入责任追究记录。"

    @extend_schema(
        tags=TAGS,
        operation_id="accountability_records_list",
        summary="责任追究记录列表",
        description=f"Newest first, at most {LIST_LIMIT}; filtered as the list page.",
        parameters=_FILTERS,
        responses={200: AccountabilityRecordSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        filters = selectors.RecordFilter.of(request.query_params.dict())
        see = permissions.may_see_person(staff)
        rows = [_represent(r, see) for r in selectors.record_list_for(user=staff, filters=filters)[:LIST_LIMIT]]
        return Response(AccountabilityRecordSerializer(rows, many=True).data)

    def allowed(self, staff: Staff, record: None) -> bool:
        county = staff.jurisdiction
        return county is not None and permissions.may_decide(staff, county.pk)

    def perform(self, staff: Staff, record: None, data: dict[str, Any]) -> AccountabilityRecord:
        return services.record_enter(actor=staff, data=_input(staff, data))


class RecordDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="accountability_records_retrieve",
        summary="责任追究记录详情",
        responses={200: AccountabilityRecordSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        staff = request_staff(request)
        record = selectors.record_get_for(user=staff, pk=pk)
        return Response(_represent(record, permissions.may_see_person(staff, record)))


class RecordDecisionStep(AccountabilityStep, abstract=True):
    # 确认 or 不予追究: the record read within the user's scope, the office's right checked before
    # the body (403 before 400), then the one service with the page's version (409 if stale).
    refusal = "只有领导小组办公室可以确认或决定不予追究。"

    def fetch(self, staff: Staff, pk: int) -> AccountabilityRecord:
        return selectors.record_get_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, record: AccountabilityRecord) -> bool:
        return permissions.may_decide(staff, record.jurisdiction_id)


class RecordConfirmView(RecordDecisionStep):
    operation_id = "accountability_records_confirm"
    summary = "确认责任追究"
    request_serializer = AccountabilityConfirmSerializer

    def perform(self, staff: Staff, record: AccountabilityRecord, d: dict[str, Any]) -> AccountabilityRecord:
        return services.record_confirm(
            record=record, actor=staff, decision=d["decision"], expected_version=expected_version(d)
        )


class RecordDismissView(RecordDecisionStep):
    operation_id = "accountability_records_dismiss"
    summary = "不予追究"
    request_serializer = AccountabilityDismissSerializer

    def perform(self, staff: Staff, record: AccountabilityRecord, d: dict[str, Any]) -> AccountabilityRecord:
        return services.record_dismiss(
            record=record, actor=staff, reason=d["reason"], expected_version=expected_version(d)
        )
