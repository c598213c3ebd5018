"""Configuration only: retention rules and archive settings. Dossiers are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.archive.models import ArchiveSettings, Dossier, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction", "classification", "intake_outcome", "retention", "basis")


@admin.register(ArchiveSettings)
class ArchiveSettingsAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction", "fonds_code", "category_code", "organization_code")


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("archive_number", "case", "retention", "sealed_at")
    readonly_fields = [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
