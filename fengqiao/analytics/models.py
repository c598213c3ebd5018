"""综合分析 (四(六)) and 绩效考评 (五(四)).

The figures are computed from the records (cases, tasks, deliveries, visits, remedies,
notices) by ``fengqiao.analytics.analysis`` and ``fengqiao.analytics.scorecards``; a
``MonthlyReport`` keeps what was generated for a month so the leadership group reads the same
numbers later, whatever happens to the cases after."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.org.models import Jurisdiction


class MonthlyReport(models.Model):
    """综合分析报告 of one county and month: the figures and scorecards as generated, and the
    report as DOCX and PDF (SM3 of each). Generating again makes a new version."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    figures = models.JSONField(_("分析数据"))
    scorecards = models.JSONField(_("部门考评"))
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示由每月定时任务生成"),
    )
    docx = models.FileField(_("报告（DOCX）"), upload_to="analytics/", max_length=255)
    pdf = models.FileField(_("报告（PDF）"), upload_to="analytics/", max_length=255)
    docx_sm3 = models.CharField(_("DOCX SM3"), max_length=64)
    pdf_sm3 = models.CharField(_("PDF SM3"), max_length=64)

    class Meta:
        verbose_name = _("综合分析报告")
        verbose_name_plural = _("综合分析报告")
        ordering = ["-year", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "month", "version"], name="analytics_report_once"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="analytics_report_month"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}年{self.month}月综合分析（第{self.version}版）"


class MonthSnapshot(models.Model):
    """The kept figures of one county and closed month: what ``analysis.monthly_figures`` and
    the scorecards' counts (``scorecards.department_counts``) gave when the month was closed,
    so a past month is read in one query instead of recounted over the county's cases.

    Written by ``fengqiao.analytics.months`` when a month is closed — by the daily job once the
    month and its grace days (``months.CLOSING_DAYS``) are over, or on the first request for such
    a month — and read thereafter; the current month is counted live. ``taken_at`` says as at
    when the figures were counted (the "as at generation" figures — open and overdue cases,
    overdue tasks — are as at then). A correction made afterwards to a case of that month is not
    in them until the month is recounted — by the group office from the analysis page or the API
    (``months.month_recount``, with its reason) or ``manage.py analytics_months --recount`` —
    which rewrites the row and its ``taken_at``."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="month_snapshots"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    figures = models.JSONField(_("分析数据"))
    department_counts = models.JSONField(_("部门考评计数"))
    taken_at = models.DateTimeField(_("统计时间"))
    recounts = models.PositiveSmallIntegerField(_("重新统计次数"), default=0)
    recounted_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("最近重新统计人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recount_reason = models.CharField(_("最近重新统计原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("月度统计快照")
        verbose_name_plural = _("月度统计快照")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "month"], name="analytics_snapshot_once"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="analytics_snapshot_month"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}年{self.month}月统计快照"


class ScoringRule(models.Model):
    """绩效考评 (五(四)) — one measure of a department's month and its points: a deduction per
    occurrence (e.g. an overdue task), capped. Data an administrator edits; defaults are seeded
    by ``fengqiao.analytics.scorecards.scoring_defaults_load`` with their basis."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    label = models.CharField(_("考评项目"), max_length=64)
    points = models.DecimalField(_("每次扣分"), max_digits=5, decimal_places=2, default=Decimal("1"))
    cap = models.DecimalField(_("扣分上限"), max_digits=5, decimal_places=2, default=Decimal("20"))
    basis = models.CharField(_("依据"), max_length=255, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考评规则")
        verbose_name_plural = _("考评规则")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label
