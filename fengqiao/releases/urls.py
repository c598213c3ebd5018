from django.urls import path

from fengqiao.releases import views

# Mounted under /releases/ (fengqiao/urls.py).
urlpatterns = [
    path("", views.release_list, name="release-list"),
    path("new/", views.release_request, name="release-request"),
    path("<int:pk>/", views.release_detail, name="release-detail"),
    path("<int:pk>/decide/", views.release_decide, name="release-decide"),
    path("<int:pk>/withdraw/", views.release_withdraw, name="release-withdraw"),
    path("<int:pk>/record/", views.release_record, name="release-record"),
]
