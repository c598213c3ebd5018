"""线上枫桥: the payer's own pages under /payer/ (issue 14, docs/portal.md)."""

from django.urls import include, path

from fengqiao.portal import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("file/", views.file, name="portal-file"),
    path("filed/<str:number>/", views.filed, name="portal-filed"),
    path("lookup/", views.lookup, name="portal-lookup"),
    path("lookup/sms/", views.lookup_sms, name="portal-lookup-sms"),
    path("cases/<str:number>/", views.case_status, name="portal-case"),
    path("", include("fengqiao.portal.answer_urls")),
]
