"""Pages of 综合分析 and 绩效考评, under ``/analytics/``."""

from django.urls import path

from fengqiao.analytics import views

urlpatterns = [
    path("monthly/", views.monthly, name="analytics-monthly"),
    path("monthly/report/", views.report_generate, name="analytics-report-generate"),
    path("monthly/recount/", views.recount, name="analytics-recount"),
    path("reports/<int:pk>/<str:fmt>/", views.report_download, name="analytics-report-download"),
    path("scorecards/", views.scorecards, name="analytics-scorecards"),
]
