"""Pages of 时限督办, 延期, 调解 and 法律审查, under ``/handling/followthrough/``."""

from django.urls import path

from fengqiao.handling import followthrough_views as views

urlpatterns = [
    path("supervision/", views.supervision, name="followthrough-supervision"),
    path("reminders/", views.reminders, name="followthrough-reminders"),
    path("cases/<str:number>/extension/", views.extension_request, name="followthrough-extension-request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="followthrough-extension-decide"),
    path("cases/<str:number>/mediation/", views.mediation_open, name="followthrough-mediation-open"),
    path("mediations/<int:pk>/result/", views.mediation_result, name="followthrough-mediation-result"),
    path("legal/", views.legal_queue, name="followthrough-legal-queue"),
    path("legal/<int:pk>/", views.legal_review, name="followthrough-legal-review"),
    path("legal/<int:pk>/request/", views.legal_request, name="followthrough-legal-request"),
]
