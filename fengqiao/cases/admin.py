"""Configuration of intake and routing in the admin: the categories of 三(三) (administrators
may add), the routing rules drawn from 三(二), case numbering. Case work is never done here;
reveal records are shown read-only for supervision (五(三))."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.cases.models import CaseNumbering, DisputeCategory, RevealRecord, RoutingRule


@admin.register(DisputeCategory)
class DisputeCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    search_fields = ["code", "name"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "payer_kind", "department", "role", "basis", "jurisdiction"]
    list_filter = ["jurisdiction", "category", "role", "department"]
    list_select_related = ["category", "department", "jurisdiction"]


@admin.register(CaseNumbering)
class CaseNumberingAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "year", "pattern", "last"]
    readonly_fields = ["last"]


@admin.register(RevealRecord)
class RevealRecordAdmin(admin.ModelAdmin):
    """查看明文记录: who saw which payer's personal data, in which case, and why."""

    list_display = ["at", "staff", "case", "payer", "field", "reason"]
    list_filter = ["field"]
    date_hierarchy = "at"
    list_select_related = ["staff", "case", "payer"]
    search_fields = ["case__number", "staff__username", "staff__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
