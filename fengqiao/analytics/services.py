"""Generating the 综合分析报告 (四(六)) of a month: the figures and the department scorecards
are computed, kept as generated (``MonthlyReport``), and written as a DOCX and a PDF in the
GB/T 9704 layout of the document engine; the same figures export to a spreadsheet."""

from __future__ import annotations

import io
from datetime import date
from itertools import zip_longest
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from fengqiao.analytics.analysis import MonthlyFigures
from fengqiao.analytics.models import MonthlyReport
from fengqiao.analytics.months import figures_of, scorecards_of
from fengqiao.analytics.scorecards import Scorecard
from fengqiao.core import crypto
from fengqiao.documents.render import html_render
from fengqiao.opinion.models import RiskLevel
from fengqiao.org.models import Jurisdiction, JurisdictionLevel, Staff


def previous_month(today: date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def month_validate(year: int, month: int, *, today: date) -> None:
    """A month that has begun (the current month's figures are "so far")."""
    from django.core.exceptions import ValidationError

    if not 1 <= month <= 12:
        raise ValidationError({"month": ["月份应为1至12。"]})
    if (year, month) > (today.year, today.month) or year < 2000:
        raise ValidationError({"month": ["该月份尚未开始。"]})


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _hours(value: float | None) -> float | str:
    """A median in hours for a cell; "—" when there was nothing to measure."""
    return "—" if value is None else value


def _duration(value: float | None) -> str:
    """A median in hours for a sentence (24小时 and more also in days); "—" when there was
    nothing to measure."""
    if value is None:
        return "—"
    return f"{value:g}小时" + (f"（约{value / 24:.1f}天）" if value >= 24 else "")


def report_context(figures: MonthlyFigures, scorecards: list[Scorecard]) -> dict[str, Any]:
    return {
        "opinion_first_time": _duration(figures.opinion_first_step_median_hours),
        "opinion_closed_time": _duration(figures.opinion_closed_median_hours),
        # the report's table: risk levels beside categories, row by row (blank cells where one ends)
        "opinion_rows": list(zip_longest(figures.opinion_by_risk, figures.opinion_by_category, fillvalue=None)),
        "opinion_high": sum(c.count for c in figures.opinion_by_risk if c.key == RiskLevel.HIGH),
        "accountability_confirmed": sum(c.count for c in figures.accountability_confirmed_by_department),
        "f": figures,
        "cards": scorecards,
        "decided_rate": _percent(figures.decided_on_time, figures.decided),
        "task_rate": _percent(figures.tasks_done_on_time, figures.tasks_due),
        "delivery_rate": _percent(figures.deliveries_on_time, figures.deliveries),
        "satisfied": sum(c.count for c in figures.by_satisfaction if c.key in ("satisfied", "basically")),
        "satisfied_rate": _percent(
            sum(c.count for c in figures.by_satisfaction if c.key in ("satisfied", "basically")), figures.visits_done
        ),
    }


@transaction.atomic
def report_generate(*, county: Jurisdiction, year: int, month: int, actor: Staff | None = None) -> MonthlyReport:
    """生成综合分析报告: compute the month's figures and scorecards, render the report, keep
    both. Generating a month again makes the next version; earlier versions stay. A closed
    month's figures are its kept ones (``months``), so the report reads what the pages show."""
    figures, _taken_at = figures_of(county=county, year=year, month=month)
    cards, _taken_at = scorecards_of(county=county, year=year, month=month)
    now = timezone.now()
    title = f"{county.name}社会保险费征缴争议{year}年{month}月综合分析报告"
    html = render_to_string("analytics/forms/monthly_report.html", {**report_context(figures, cards), "now": now})
    rendered = html_render(html, title=title, author=f"{county.name}社会保险费征缴争议工作领导小组办公室", created=now)
    latest = (
        MonthlyReport.objects.select_for_update()
        .filter(jurisdiction=county, year=year, month=month)
        .aggregate(v=Max("version"))["v"]
    )
    version = (latest or 0) + 1
    report = MonthlyReport(
        jurisdiction=county,
        year=year,
        month=month,
        version=version,
        figures=figures.as_dict(),
        scorecards=[c.as_dict() for c in cards],
        generated_at=now,
        generated_by=actor,
        docx_sm3=crypto.sm3_hex(rendered.docx),
        pdf_sm3=crypto.sm3_hex(rendered.pdf),
    )
    stem = f"{county.code}-{year}{month:02d}-v{version}"
    report.docx.save(f"{stem}.docx", ContentFile(rendered.docx), save=False)
    report.pdf.save(f"{stem}.pdf", ContentFile(rendered.pdf), save=False)
    report.save()
    return report


def monthly_report_task() -> list[int]:
    """The monthly job (django-q2 schedule, the day the month before is closed — the 6th): each
    county's report of the month just ended, once — a month that already has a report is left
    alone (safe to run twice). Run before the month is closed (e.g. by hand on the 2nd) it is
    counted live, as the pages are then; the pages later show the kept figures."""
    year, month = previous_month(timezone.localdate())
    made = []
    for county in Jurisdiction.objects.filter(level=JurisdictionLevel.COUNTY):
        if not MonthlyReport.objects.filter(jurisdiction=county, year=year, month=month).exists():
            made.append(report_generate(county=county, year=year, month=month).pk)
    return made


def figures_xlsx(figures: MonthlyFigures, scorecards: list[Scorecard]) -> bytes:
    """The month's figures and scorecards as a workbook (one sheet each) for the office's own
    analysis."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "综合分析"
    bold = Font(bold=True)
    sheet.append([f"{figures.county_name}{figures.year}年{figures.month}月社会保险费征缴争议综合分析"])
    sheet["A1"].font = bold
    totals = [
        ("受理件数", figures.received),
        ("上月受理", figures.received_previous_month),
        ("上年同月受理", figures.received_same_month_last_year),
        ("形成处理意见", figures.decided),
        ("按期形成处理意见", figures.decided_on_time),
        ("到期任务", figures.tasks_due),
        ("按期办结任务", figures.tasks_done_on_time),
        ("退回任务", figures.tasks_returned),
        ("在办案件（生成时）", figures.open_at_end),
        ("超期在办（生成时）", figures.overdue_open),
        ("延期申请", figures.extensions),
        ("会商", figures.consultations),
        ("报送12345", figures.referrals),
        ("移交纪委监委", figures.discipline_transfers),
        ("结果反馈", figures.deliveries),
        ("按期反馈", figures.deliveries_on_time),
        ("完成回访", figures.visits_done),
        ("缴费人有异议", figures.objections),
        ("争议另一方有异议", figures.objections_other_party),
        ("归档", figures.archived),
        ("网络舆情", figures.opinion_items),
        ("已开展处置的舆情", figures.opinion_responded),
        ("登记至首次处置（中位数，小时）", _hours(figures.opinion_first_step_median_hours)),
        ("已办结的舆情", figures.opinion_closed),
        ("登记至办结（中位数，小时）", _hours(figures.opinion_closed_median_hours)),
        ("超期回应的舆情", figures.opinion_overdue),
        ("舆情关联案件", figures.opinion_linked_cases),
        ("责任追究记录", figures.accountability_records),
    ]
    for label, value in totals:
        sheet.append([label, value])
    for heading, rows in [
        ("争议事项", figures.by_category),
        ("争议群体", figures.by_payer_group),
        ("缴费人类型", figures.by_payer_kind),
        ("受理渠道", figures.by_channel),
        ("苏木镇", figures.by_township),
        ("受理结果", figures.by_intake_outcome),
        ("事项分类", figures.by_classification),
        ("处理结论", figures.by_result),
        ("结果反馈（受送达人）", figures.deliveries_by_party),
        ("跟踪回访（回访对象）", figures.visits_by_party),
        ("回访满意度", figures.by_satisfaction),
        ("救济途径（提出）", figures.remedies_filed),
        ("救济途径（终结）", figures.remedies_ended),
        ("网络舆情（风险等级）", figures.opinion_by_risk),
        ("网络舆情（平台）", figures.opinion_by_platform),
        ("网络舆情（争议事项）", figures.opinion_by_category),
        ("责任追究（事由）", figures.accountability_by_failure),
        ("责任追究（状态）", figures.accountability_by_status),
        ("责任追究（本月确认，按部门）", figures.accountability_confirmed_by_department),
    ]:
        sheet.append([])
        sheet.append([heading, "件数"])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for row in rows:
            sheet.append([row.label, row.count])
    sheet.append([])
    sheet.append(["预警"])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for w in figures.warnings:
        sheet.append([w.text, "、".join(w.cases)])
    sheet.column_dimensions["A"].width = 40
    cards = book.create_sheet("部门考评")
    cards.append(
        [
            "部门",
            "得分",
            "接收任务",
            "办结任务",
            "按期办结",
            "超期未办结",
            "退回",
            "逾期签收",
            "催办",
            "督办",
            "延期",
            "处理意见",
            "逾期反馈",
            "回访",
            "满意",
            "不满意",
            "拒不办理",
        ]
    )
    for c in scorecards:
        cards.append(
            [
                c.department_name,
                float(c.score),
                c.tasks_received,
                c.tasks_done,
                c.tasks_done_on_time,
                c.tasks_overdue_open,
                c.tasks_returned,
                c.signed_late,
                c.reminders,
                c.escalations,
                c.extensions,
                c.decisions,
                c.feedback_late,
                c.visits_done,
                c.satisfied,
                c.dissatisfied,
                c.refusals,
            ]
        )
    cards.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
