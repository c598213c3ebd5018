"""审计日志, under ``/audit/`` (the auditor's pages)."""

from django.urls import path

from fengqiao.audit import views

urlpatterns = [
    path("records/", views.record_list, name="audit-records"),
    path("records/export/", views.record_export, name="audit-records-export"),
    path("records/<int:pk>/", views.record_detail, name="audit-record"),
]
