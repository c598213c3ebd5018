"""Configuration: which roles approve information releases in a county (信息发布审批角色).
Requests are read-only here: they are written through the pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.releases.models import ReleaseApprover, ReleaseRequest


@admin.register(ReleaseApprover)
class ReleaseApproverAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction", "role")
    list_filter = ("jurisdiction",)


@admin.register(ReleaseRequest)
class ReleaseRequestAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "kind", "reference", "recipient_organisation", "requested_by", "state")
    list_filter = ("state", "kind")
    readonly_fields = [f.name for f in ReleaseRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
