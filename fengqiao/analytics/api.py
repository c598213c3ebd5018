"""REST API of 综合分析 (四(六)) and 绩效考评 (五(四)), under ``/api/v1/analytics/``.

The same computations as the pages; errors in the one shape ``{"errors": {...}}``."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.analytics import permissions, services
from fengqiao.analytics.models import MonthlyReport
from fengqiao.analytics.months import figures_of, month_recount, scorecards_of
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.documents.fonts import FontMissing
from fengqiao.org.models import Jurisdiction, Staff

TAGS = ["analytics"]

ERROR_TEXT = {
    400: "月份有误（errors.month）：格式为 YYYY-MM，且该月已开始",
    403: "综合分析限领导小组办公室、组长、副组长；部门考评另限本部门负责人",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


class CountSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    count = serializers.IntegerField()


class WarningSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="category_surge / township_cluster / repeat_payer / dissatisfaction / overdue_department / "
        "opinion_category / opinion_open_cases"
    )
    level = serializers.CharField(help_text="red / yellow")
    text = serializers.CharField()
    cases = serializers.ListField(child=serializers.CharField(), help_text="涉及的案件编号（至多20个）")


class FiguresSerializer(serializers.Serializer):
    county_code = serializers.CharField()
    county_name = serializers.CharField()
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="次月1日（不含）")
    received = serializers.IntegerField()
    received_previous_month = serializers.IntegerField()
    received_same_month_last_year = serializers.IntegerField()
    by_category = CountSerializer(many=True)
    by_payer_group = CountSerializer(many=True)
    by_payer_kind = CountSerializer(many=True)
    by_channel = CountSerializer(many=True)
    by_township = CountSerializer(many=True)
    by_intake_outcome = CountSerializer(many=True)
    by_classification = CountSerializer(many=True)
    decided = serializers.IntegerField()
    decided_on_time = serializers.IntegerField()
    by_result = CountSerializer(many=True)
    tasks_due = serializers.IntegerField()
    tasks_done_on_time = serializers.IntegerField()
    tasks_returned = serializers.IntegerField()
    open_at_end = serializers.IntegerField(help_text="生成时在办")
    overdue_open = serializers.IntegerField(help_text="生成时超期在办")
    extensions = serializers.IntegerField()
    consultations = serializers.IntegerField()
    referrals = serializers.IntegerField()
    discipline_transfers = serializers.IntegerField()
    deliveries = serializers.IntegerField()
    deliveries_on_time = serializers.IntegerField(help_text="按期反馈（与结果反馈同口径：争议双方）")
    deliveries_by_party = CountSerializer(many=True, help_text="结果反馈按受送达人（缴费人/另一方当事人）")
    visits_done = serializers.IntegerField(help_text="完成回访（争议双方）")
    visits_by_party = CountSerializer(many=True, help_text="回访按回访对象")
    by_satisfaction = CountSerializer(many=True)
    objections = serializers.IntegerField(help_text="缴费人有异议")
    objections_other_party = serializers.IntegerField(help_text="争议另一方有异议（记录在案）")
    remedies_filed = CountSerializer(many=True)
    remedies_ended = CountSerializer(many=True)
    archived = serializers.IntegerField()
    opinion_items = serializers.IntegerField(help_text="本月发现的网络舆情（按发现时间）")
    opinion_by_risk = CountSerializer(many=True, help_text="网络舆情按风险等级")
    opinion_by_platform = CountSerializer(many=True, help_text="网络舆情按平台")
    opinion_by_category = CountSerializer(many=True, help_text="网络舆情按争议事项（一条舆情可涉及多个事项）")
    opinion_responded = serializers.IntegerField(help_text="已开展处置（有首个处置步骤）的舆情")
    opinion_first_step_median_hours = serializers.FloatField(
        allow_null=True, help_text="登记至首个处置步骤用时中位数（小时）；无则为空"
    )
    opinion_closed = serializers.IntegerField(help_text="已办结的舆情（生成时）")
    opinion_closed_median_hours = serializers.FloatField(
        allow_null=True, help_text="登记至办结用时中位数（小时）；无则为空"
    )
    opinion_overdue = serializers.IntegerField(help_text="超过回应期限的舆情（办结晚于期限，或生成时未办结且已过期限）")
    opinion_linked_cases = serializers.IntegerField(help_text="本月舆情关联的案件数")
    opinion_linked_numbers = serializers.ListField(
        child=serializers.CharField(), help_text="关联案件编号（至多20个，先受理的在前）"
    )
    accountability_records = serializers.IntegerField(help_text="本月提出的责任追究记录")
    accountability_by_failure = CountSerializer(many=True, help_text="本月提出的记录按追责事由")
    accountability_by_status = CountSerializer(many=True, help_text="本月提出的记录按状态（生成时）")
    accountability_confirmed_by_department = CountSerializer(
        many=True, help_text="本月确认的责任追究记录按部门（与部门考评同口径）"
    )
    warnings = WarningSerializer(many=True)


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    occurrences = serializers.IntegerField()
    deduction = serializers.DecimalField(max_digits=6, decimal_places=2)


class ScorecardSerializer(serializers.Serializer):
    department_code = serializers.CharField()
    department_name = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    on_time_rate = serializers.FloatField(allow_null=True)
    tasks_received = serializers.IntegerField()
    tasks_done = serializers.IntegerField()
    tasks_done_on_time = serializers.IntegerField()
    tasks_overdue_open = serializers.IntegerField()
    tasks_returned = serializers.IntegerField()
    signed_late = serializers.IntegerField()
    reminders = serializers.IntegerField()
    escalations = serializers.IntegerField()
    extensions = serializers.IntegerField()
    decisions = serializers.IntegerField()
    feedback_late = serializers.IntegerField()
    visits_done = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    refusals = serializers.IntegerField()
    measures = MeasureSerializer(many=True)


class ReportSerializer(serializers.ModelSerializer[MonthlyReport]):
    generated_by = serializers.CharField(source="generated_by.username", allow_null=True, default=None)
    pdf_url = serializers.SerializerMethodField()
    docx_url = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "year",
            "month",
            "version",
            "generated_at",
            "generated_by",
            "pdf_sm3",
            "docx_sm3",
            "pdf_url",
            "docx_url",
        ]

    def get_pdf_url(self, report: MonthlyReport) -> str:
        return reverse("analytics-report-download", args=[report.pk, "pdf"])

    def get_docx_url(self, report: MonthlyReport) -> str:
        return reverse("analytics-report-download", args=[report.pk, "docx"])


#: ``{month}`` in the paths: YYYY-MM, the pattern the schema documents and the views check alike.
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
MONTH = OpenApiParameter(
    "month",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="月份，YYYY-MM（如 2026-02），且该月已开始",
    pattern=MONTH_PATTERN,
)


def _month(value: str) -> tuple[int, int]:
    if not re.fullmatch(MONTH_PATTERN, value):
        raise ValidationError({"month": ["月份格式应为 YYYY-MM。"]})
    year, month = (int(part) for part in value.split("-"))
    services.month_validate(year, month, today=timezone.localdate())
    return year, month


def _county(staff: Staff) -> Jurisdiction:
    county = staff.jurisdiction
    if county is None:
        raise PermissionDenied()
    return county


class MonthlyView(APIView):
    """综合分析 of one month of the caller's county."""

    @extend_schema(
        parameters=[MONTH],
        tags=TAGS,
        operation_id="analytics_monthly",
        summary="月度综合分析",
        description="The month's figures by dispute type, payer group, channel and township, handling and "
        "follow-up, the online items (网络舆情) and accountability records (责任追究), and the early warnings "
        "(四(六)). `month` is YYYY-MM.",
        responses={200: FiguresSerializer, **_errors(400, 401, 403)},
    )
    def get(self, request: Request, month: str) -> Response:
        staff = request_staff(request)
        if not permissions.may_view_analysis(staff):
            raise PermissionDenied()
        year, number = _month(month)
        figures, _taken_at = figures_of(county=_county(staff), year=year, month=number)
        return Response(FiguresSerializer(figures.as_dict()).data)


class ScorecardsView(APIView):
    """绩效考评 of one month: every department's scorecard (the group), or one's own (its head)."""

    @extend_schema(
        parameters=[MONTH],
        tags=TAGS,
        operation_id="analytics_scorecards",
        summary="部门绩效考评",
        description="One scorecard per member unit: the month's tasks, timeliness, reminders and escalations, "
        "decisions, feedback, satisfaction and refusals, with the deductions of the scoring rules (五(四)).",
        responses={200: ScorecardSerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request, month: str) -> Response:
        staff = request_staff(request)
        allowed = permissions.scorecard_departments(staff)
        if allowed is not None and not allowed:
            raise PermissionDenied()
        year, number = _month(month)
        cards, _taken_at = scorecards_of(county=_county(staff), year=year, month=number)
        rows: list[dict[str, Any]] = [c.as_dict() for c in cards if allowed is None or c.department_code in allowed]
        return Response(ScorecardSerializer(rows, many=True).data)


class ReportsView(APIView):
    """综合分析报告 of one month: the versions generated, and generating another."""

    @extend_schema(
        parameters=[MONTH],
        tags=TAGS,
        operation_id="analytics_reports_list",
        summary="综合分析报告",
        responses={200: ReportSerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request, month: str) -> Response:
        staff = request_staff(request)
        if not permissions.may_view_analysis(staff):
            raise PermissionDenied()
        year, number = _month(month)
        reports = MonthlyReport.objects.filter(jurisdiction=_county(staff), year=year, month=number).select_related(
            "generated_by"
        )
        return Response(ReportSerializer(reports, many=True).data)

    @extend_schema(
        parameters=[MONTH],
        tags=TAGS,
        operation_id="analytics_reports_create",
        summary="生成综合分析报告",
        description="Compute the month's figures and scorecards, keep them and write the report (DOCX and PDF); "
        "generating again makes the next version. Only the group office.",
        request=None,
        responses={201: ReportSerializer, **_errors(400, 401, 403, 503)},
    )
    def post(self, request: Request, month: str) -> Response:
        staff = request_staff(request)
        if not permissions.may_generate_report(staff):
            raise PermissionDenied()
        year, number = _month(month)
        try:
            report = services.report_generate(county=_county(staff), year=year, month=number, actor=staff)
        except FontMissing as exc:
            return Response({"errors": {"detail": [str(exc)]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class RecountSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="重新统计的原因（如：某案件的争议事项已更正）")


class RecountResultSerializer(serializers.Serializer):
    month = serializers.CharField()
    taken_at = serializers.DateTimeField()
    recounts = serializers.IntegerField()
    recount_reason = serializers.CharField()


class RecountView(APIView):
    """重新统计 a kept (closed) month after a late correction to one of its cases."""

    @extend_schema(
        parameters=[MONTH],
        tags=TAGS,
        operation_id="analytics_recount",
        summary="重新统计已结月份",
        description="Count a closed month again and rewrite its kept figures, with the kept months that compare "
        "with it (the three after it and the same month a year later); the reason is kept. Only the group office. "
        "A month still counted live is 400 on `month`.",
        request=RecountSerializer,
        responses={200: RecountResultSerializer, **_errors(400, 401, 403)},
    )
    def post(self, request: Request, month: str) -> Response:
        staff = request_staff(request)
        if not permissions.may_generate_report(staff):
            raise PermissionDenied()
        year, number = _month(month)
        body = RecountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        snapshot = month_recount(
            county=_county(staff), year=year, month=number, actor=staff, reason=body.validated_data["reason"]
        )
        data = {
            "month": f"{year}-{number:02d}",
            "taken_at": snapshot.taken_at,
            "recounts": snapshot.recounts,
            "recount_reason": snapshot.recount_reason,
        }
        return Response(RecountResultSerializer(data).data)
