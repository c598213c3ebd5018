from django.urls import path

from fengqiao.accountability import views

# Mounted under /accountability/ (fengqiao/urls.py).
urlpatterns = [
    path("", views.record_list, name="accountability-list"),
    path("new/", views.record_create, name="accountability-create"),
    path("<int:pk>/", views.record_detail, name="accountability-detail"),
    path("<int:pk>/confirm/", views.record_confirm, name="accountability-confirm"),
    path("<int:pk>/dismiss/", views.record_dismiss, name="accountability-dismiss"),
]
