"""绩效考评 (五(四)) configuration in the admin: the scoring rules' points, caps and whether
they count are data an administrator edits; the monthly reports are shown read-only (they keep
what was generated, so the leadership group reads the same numbers later)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.analytics.models import MonthlyReport, ScoringRule


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    """考评规则: deduction per occurrence, capped. The code names what is counted
    (``fengqiao.analytics.scorecards``); a rule with an unknown code deducts nothing."""

    list_display = ["label", "code", "points", "cap", "active", "sort_order", "basis"]
    list_editable = ["points", "cap", "active"]
    list_filter = ["active"]
    search_fields = ["code", "label", "basis"]
    ordering = ["sort_order", "code"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """综合分析报告 as generated; a new version is generated, never edited here."""

    list_display = ["jurisdiction", "year", "month", "version", "generated_at", "generated_by"]
    list_filter = ["jurisdiction", "year", "month"]
    list_select_related = ["jurisdiction", "generated_by"]
    date_hierarchy = "generated_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
