"""REST API v1 routes. Each app adds its own router here."""

from django.urls import path

from fengqiao.cases import api as cases_api
from fengqiao.core import api as core_api
from fengqiao.documents import api as documents_api

urlpatterns = [
    path("me/", core_api.MeView.as_view(), name="api-me"),
    # 四(一) 一站受理, 四(二) 审核转办
    path("categories/", cases_api.CategoryListView.as_view(), name="api-categories"),
    path("cases/", cases_api.CaseListView.as_view(), name="api-cases"),
    path("cases/duplicates/", cases_api.DuplicateListView.as_view(), name="api-case-duplicates"),
    path("cases/<str:number>/", cases_api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<str:number>/routing/", cases_api.CaseRoutingView.as_view(), name="api-case-routing"),
    path("cases/<str:number>/reveal/", cases_api.CaseRevealView.as_view(), name="api-case-reveal"),
    # 文书 (GB/T 9704 DOCX and PDF)
    path("cases/<str:number>/documents/", documents_api.CaseDocumentListView.as_view(), name="api-case-documents"),
    path(
        "cases/<str:number>/documents/<int:document_id>/docx/",
        documents_api.CaseDocumentDocxView.as_view(),
        name="api-case-document-docx",
    ),
    path(
        "cases/<str:number>/documents/<int:document_id>/pdf/",
        documents_api.CaseDocumentPdfView.as_view(),
        name="api-case-document-pdf",
    ),
    path(
        "cases/<str:number>/attachments/<str:token>/",
        cases_api.CaseAttachmentDownloadView.as_view(),
        name="api-case-attachment",
    ),
]
