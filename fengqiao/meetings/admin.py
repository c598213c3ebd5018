"""Admin: consultations are case work, not configuration — read-only here for inspection;
every change goes through the pages, the API and ``fengqiao.meetings.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.meetings.models import Attendee, Consultation, Resolution


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    can_delete = False
    readonly_fields = ("department", "staff", "name", "title", "attendance", "sort_order")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(_ReadOnly):
    list_display = ("number", "jurisdiction", "kind", "topic", "starts_at", "status")
    list_filter = ("jurisdiction", "kind", "status")
    search_fields = ("topic",)
    inlines = [AttendeeInline]


@admin.register(Resolution)
class ResolutionAdmin(_ReadOnly):
    list_display = ("consultation", "department", "due_on", "task")
    list_select_related = ("consultation", "department", "task")
