from django.urls import path

from fengqiao.meetings import views

# Mounted under /meetings/ (fengqiao/urls.py).
urlpatterns = [
    path("", views.consultation_list, name="consultation-list"),
    path("new/", views.consultation_create, name="consultation-create"),
    path("<int:pk>/", views.consultation_detail, name="consultation-detail"),
    path("<int:pk>/edit/", views.consultation_edit, name="consultation-edit"),
    path("<int:pk>/step/", views.consultation_step, name="consultation-step"),
    path("<int:pk>/decide/", views.consultation_decide, name="consultation-decide"),
    path("<int:pk>/attendance/", views.consultation_attendance, name="consultation-attendance"),
    path("<int:pk>/minutes/", views.consultation_minutes, name="consultation-minutes"),
    path("<int:pk>/resolutions/", views.resolution_add, name="consultation-resolution-add"),
    path("<int:pk>/resolutions/<int:resolution_id>/task/", views.resolution_task, name="consultation-resolution-task"),
    path("<int:pk>/issue/", views.minutes_issue, name="consultation-minutes-issue"),
    path(
        "<int:pk>/documents/<int:document_id>/<str:fmt>/", views.minutes_download, name="consultation-minutes-download"
    ),
]
