"""The audit trail in the API (三员分立): ``GET /api/v1/audit/records/`` for the 审计管理员
alone, with the filters of the 审计日志 page, newest first, paged by keyset cursor."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from fengqiao.audit import selectors
from fengqiao.audit.exports import COLUMNS
from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.paging import KeysetPagination

TAGS = ["安全审计"]


class AuditQuerySerializer(serializers.Serializer):
    """The filters (each optional): days both included, the account's login name, what, the
    result, a case number."""

    date_from = serializers.DateField(required=False, help_text="开始日期（含）YYYY-MM-DD")
    date_to = serializers.DateField(required=False, help_text="结束日期（含）YYYY-MM-DD")
    account = serializers.CharField(required=False, max_length=150, help_text="账号（登录名，完整）")
    action = serializers.ChoiceField(required=False, choices=Action.choices, help_text="事项")
    result = serializers.ChoiceField(required=False, choices=Result.choices, help_text="结果")
    case = serializers.CharField(required=False, max_length=64, help_text="案件编号")
    cursor = serializers.CharField(required=False, help_text="翻页游标：取自上一页的 next")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期。")]})
        return attrs


class AuditRecordSerializer(serializers.ModelSerializer[AuditRecord]):
    """One record: who, when, from where, what, the result — and its place in its chain."""

    case_number = serializers.SerializerMethodField(help_text="案件编号")

    class Meta:
        model = AuditRecord
        fields = ["id", "actor", *COLUMNS, "link"]
        read_only_fields = fields

    def get_case_number(self, obj: AuditRecord) -> str:
        return obj.case.number if obj.case_id and obj.case else ""


class AuditRecordListView(GenericAPIView[AuditRecord]):
    """审计记录 (五(三)): the records the auditor reads — their county's chain and the system's."""

    serializer_class = AuditRecordSerializer
    pagination_class = KeysetPagination

    @extend_schema(
        tags=TAGS,
        operation_id="audit_records_list",
        summary="审计记录",
        description=(
            "For the 审计管理员 only (三员分立: every other role, the 系统管理员 included, is answered 403). "
            "Sign-ins, failed sign-ins, case views, reveals, downloads, exports and configuration changes, "
            "newest first; filters as on the 审计日志 page. Pages follow `next` (a keyset cursor); "
            "`count` stops at 10,001 (`count_capped`). Never carries personal data in plain text."
        ),
        parameters=[AuditQuerySerializer],
        responses={200: AuditRecordSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        if not selectors.may_read_audit(staff):
            raise PermissionDenied(_("只有审计管理员可以查阅审计记录。"))
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        d = query.validated_data
        filters = selectors.AuditFilter(
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            account=d.get("account", "").strip(),
            action=d.get("action", ""),
            result=d.get("result", ""),
            case_number=d.get("case", "").strip(),
        )
        records = selectors.records_for(user=staff, filters=filters).select_related("case")
        page = self.paginate_queryset(records)
        rows = AuditRecordSerializer(page if page is not None else records, many=True).data
        return self.get_paginated_response(rows) if page is not None else Response(rows)
