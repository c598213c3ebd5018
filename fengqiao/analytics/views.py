"""Pages of 综合分析 (四(六)) and 绩效考评 (五(四)): the month's figures with the early
warnings, the department scorecards, the generated reports and their downloads."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.analytics import permissions, services
from fengqiao.analytics.models import MonthlyReport, MonthSnapshot
from fengqiao.analytics.months import figures_of, month_recount, scorecards_of
from fengqiao.audit import trail
from fengqiao.core.auth import request_staff
from fengqiao.documents.fonts import FontMissing
from fengqiao.org.models import Jurisdiction, Staff

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_of(value: str | None, *, today: date) -> tuple[int, int]:
    """``YYYY-MM`` from the query string; by default the month just ended. Bad input → the
    default (the page says which month it shows)."""
    match = MONTH.match(value or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        try:
            services.month_validate(year, month, today=today)
        except ValidationError:
            pass
        else:
            return year, month
    return services.previous_month(today)


def _county(user: Staff) -> Jurisdiction:
    county = user.jurisdiction
    if county is None:
        raise PermissionDenied
    return county


def _months(today: date, count: int = 12) -> list[str]:
    year, month = today.year, today.month
    out = []
    for _i in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def _bar(rows: list[Any]) -> list[dict[str, Any]]:
    top = max((r.count for r in rows), default=0)
    return [{"row": r, "width": round(r.count * 100 / top) if top else 0} for r in rows]


@login_required
@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    """综合分析: the month's figures, breakdowns with bars, warnings and the reports generated."""
    user = request_staff(request)
    if not permissions.may_view_analysis(user):
        raise PermissionDenied
    county = _county(user)
    today = timezone.localdate()
    year, month = month_of(request.GET.get("month"), today=today)
    figures, taken_at = figures_of(county=county, year=year, month=month)
    if request.GET.get("format") == "xlsx":
        cards, _taken_at = scorecards_of(county=county, year=year, month=month)
        trail.exported(
            actor=user,
            what="analysis_xlsx",
            summary=f"导出{year}年{month}月综合分析及部门考评（XLSX）",
            detail={"county": county.code, "month": f"{year}-{month:02d}", "format": "xlsx"},
        )
        response = HttpResponse(
            services.figures_xlsx(figures, cards),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="analysis-{county.code}-{year}{month:02d}.xlsx"'
        return response
    context = services.report_context(figures, [])  # the scorecards have their own page
    return render(
        request,
        "analytics/monthly.html",
        {
            **context,
            "month_value": f"{year}-{month:02d}",
            "months": _months(today),
            "taken_at": taken_at,
            "bars": {
                "category": _bar(figures.by_category),
                "payer_group": _bar(figures.by_payer_group),
                "channel": _bar(figures.by_channel),
                "township": _bar(figures.by_township[:15]),
                "satisfaction": _bar(figures.by_satisfaction),
                "opinion_risk": _bar(figures.opinion_by_risk),
                "opinion_platform": _bar(figures.opinion_by_platform),
                "opinion_category": _bar(figures.opinion_by_category),
                "accountability_failure": _bar(figures.accountability_by_failure),
                "accountability_status": _bar(figures.accountability_by_status),
                "accountability_department": _bar(figures.accountability_confirmed_by_department),
            },
            "reports": MonthlyReport.objects.filter(jurisdiction=county, year=year, month=month).select_related(
                "generated_by"
            ),
            "may_generate": permissions.may_generate_report(user),
            "snapshot": (
                MonthSnapshot.objects.filter(jurisdiction=county, year=year, month=month)
                .select_related("recounted_by")
                .first()
                if taken_at
                else None
            ),
        },
    )


@login_required
@require_POST
def recount(request: HttpRequest) -> HttpResponse:
    """重新统计 a kept month (the group office, with the reason), then back to its analysis."""
    user = request_staff(request)
    county = _county(user)
    year, month = month_of(request.POST.get("month"), today=timezone.localdate())
    try:
        month_recount(county=county, year=year, month=month, actor=user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for field_errors in exc.message_dict.values():
            for text in field_errors:
                messages.error(request, text)
    else:
        messages.success(
            request, _("已重新统计%(y)s年%(m)s月的数据（及与其比较的已结月份）。") % {"y": year, "m": month}
        )
    return redirect(f"{reverse('analytics-monthly')}?month={year}-{month:02d}")


@login_required
@require_GET
def scorecards(request: HttpRequest) -> HttpResponse:
    """绩效考评: every department's month (the group), or one's own department (its head)."""
    user = request_staff(request)
    allowed = permissions.scorecard_departments(user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    county = _county(user)
    today = timezone.localdate()
    year, month = month_of(request.GET.get("month"), today=today)
    cards, taken_at = scorecards_of(county=county, year=year, month=month)
    if allowed is not None:
        cards = [c for c in cards if c.department_code in allowed]
    return render(
        request,
        "analytics/scorecards.html",
        {"cards": cards, "month_value": f"{year}-{month:02d}", "months": _months(today), "taken_at": taken_at},
    )


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    """生成综合分析报告 of the month shown."""
    user = request_staff(request)
    if not permissions.may_generate_report(user):
        raise PermissionDenied
    county = _county(user)
    year, month = month_of(request.POST.get("month"), today=timezone.localdate())
    try:
        report = services.report_generate(county=county, year=year, month=month, actor=user)
    except FontMissing as exc:
        messages.error(request, str(exc))
    else:
        text = _("已生成%(y)s年%(m)s月综合分析报告（第%(v)s版）。")
        messages.success(request, text % {"y": year, "m": month, "v": report.version})
    return redirect(f"{reverse('analytics-monthly')}?month={year}-{month:02d}")


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """A generated report as DOCX or PDF."""
    user = request_staff(request)
    if not permissions.may_view_analysis(user):
        raise PermissionDenied
    report = MonthlyReport.objects.filter(pk=pk, jurisdiction=user.jurisdiction).first()
    if report is None or fmt not in ("docx", "pdf"):
        raise Http404("no such report")
    file = report.docx if fmt == "docx" else report.pdf
    content_type = (
        "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"analysis-{report.jurisdiction.code}-{report.year}{report.month:02d}-v{report.version}.{fmt}"
    trail.downloaded(
        actor=user,
        object_type="monthly_report",
        object_id=report.pk,
        summary=f"下载{report.year}年{report.month}月综合分析报告（第{report.version}版）",
        detail={"format": fmt},
    )
    return FileResponse(file.open("rb"), content_type=content_type, as_attachment=True, filename=name)
