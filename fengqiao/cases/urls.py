from django.urls import path

from fengqiao.cases import views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_intake, name="case-intake"),
    path("new/validate/", views.case_intake_validate, name="case-intake-validate"),
    path("new/duplicates/", views.case_intake_duplicates, name="case-intake-duplicates"),
    path("<str:number>/", views.case_detail, name="case-detail"),
    path("<str:number>/review/", views.case_review, name="case-review"),
    path("<str:number>/reveal/", views.case_reveal, name="case-reveal"),
    path("<str:number>/parties/<str:party>/correct/", views.case_party_correct, name="case-party-correct"),
    path("<str:number>/attachments/", views.case_attachment_add, name="case-attachment-add"),
    path("<str:number>/attachments/<str:token>/", views.case_attachment, name="case-attachment"),
    path("<str:number>/link/", views.case_link, name="case-link"),
    path("<str:number>/merge/", views.case_merge, name="case-merge"),
]
