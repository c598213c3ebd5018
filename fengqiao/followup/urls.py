"""Pages of 结果反馈, 跟踪回访 and 救济途径, under ``/followup/``."""

from django.urls import path

from fengqiao.followup import views

urlpatterns = [
    path("", views.work, name="followup-work"),
    path("cases/<str:number>/feedback/", views.feedback, name="followup-feedback"),
    path("cases/<str:number>/visits/", views.visit_schedule, name="followup-visit-schedule"),
    path("cases/<str:number>/remedies/", views.remedy_record, name="followup-remedy"),
    path("cases/<str:number>/deliveries/<int:pk>/reveal/", views.delivery_reveal, name="followup-delivery-reveal"),
    path("visits/<int:pk>/", views.visit_record, name="followup-visit"),
    path("remedies/<int:pk>/check/", views.remedy_check, name="followup-remedy-check"),
    path("remedies/<int:pk>/outcome/", views.remedy_outcome, name="followup-remedy-outcome"),
]
