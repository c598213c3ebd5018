"""Online items are read-only here: they are written through the pages and the API
(``fengqiao.opinion.services``). The numbering pattern per county is configuration."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.opinion.models import ItemNumbering, OnlineItem


@admin.register(ItemNumbering)
class ItemNumberingAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction", "year", "pattern", "last")
    readonly_fields = ("last",)


@admin.register(OnlineItem)
class OnlineItemAdmin(admin.ModelAdmin):
    list_display = ("number", "platform", "risk", "seen_at", "responsible_department", "status")
    list_filter = ("status", "risk", "platform")
    readonly_fields = [f.name for f in OnlineItem._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
