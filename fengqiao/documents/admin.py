"""Configuration of documents in the admin: the number patterns (文号格式) per county, type and
year. Issued documents are shown read-only: they are issued from the case, never here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fengqiao.documents.models import DocumentNumbering, IssuedDocument


@admin.register(DocumentNumbering)
class DocumentNumberingAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "doc_type", "year", "pattern", "last"]
    list_filter = ["jurisdiction", "doc_type", "year"]
    readonly_fields = ["last"]


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    """出具的文书: read-only, for supervision (an issued document never changes)."""

    list_display = ["number", "version", "title", "case", "department", "issued_by", "issued_at"]
    list_filter = ["doc_type", "jurisdiction"]
    list_select_related = ["case", "department", "issued_by"]
    search_fields = ["number", "case__number"]
    date_hierarchy = "issued_at"
    exclude = ["docx", "pdf"]  # files are served only through the case, with its checks

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
