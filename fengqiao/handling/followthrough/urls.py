"""Pages of 时限督办, 延期 and 调解, under ``/handling/followthrough/`` (the 法律审查 pages share the
prefix and are in ``handling.urls``)."""

from django.urls import path

from fengqiao.handling.followthrough import views

urlpatterns = [
    path("supervision/", views.supervision, name="followthrough-supervision"),
    path("reminders/", views.reminders, name="followthrough-reminders"),
    path("cases/<str:number>/extension/", views.extension_request, name="followthrough-extension-request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="followthrough-extension-decide"),
    path("cases/<str:number>/mediation/", views.mediation_open, name="followthrough-mediation-open"),
    path("mediations/<int:pk>/result/", views.mediation_result, name="followthrough-mediation-result"),
]
