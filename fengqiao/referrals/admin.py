from django.contrib import admin

from fengqiao.referrals.models import DispatchCatalogueEntry


@admin.register(DispatchCatalogueEntry)
class DispatchCatalogueEntryAdmin(admin.ModelAdmin):
    """派单目录 is configuration (category → department); referrals themselves are case work."""

    list_display = ("jurisdiction", "category", "department", "basis", "sort_order")
    list_filter = ("jurisdiction", "department")
    list_editable = ("department", "sort_order")
