from django.urls import path

from fengqiao.opinion import views

# Mounted under /opinion/ (fengqiao/urls.py).
urlpatterns = [
    path("", views.item_list, name="opinion-list"),
    path("new/", views.item_new, name="opinion-new"),
    path("<int:pk>/", views.item_detail, name="opinion-detail"),
    path("<int:pk>/find/", views.item_find, name="opinion-find"),
    path("<int:pk>/link/", views.item_link, name="opinion-link"),
    path("<int:pk>/lead/", views.item_post, {"step": "lead"}, name="opinion-lead"),
    path("<int:pk>/assign/", views.item_post, {"step": "assign"}, name="opinion-assign"),
    path("<int:pk>/step/", views.item_post, {"step": "step"}, name="opinion-step"),
    path("<int:pk>/close/", views.item_post, {"step": "close"}, name="opinion-close"),
    path("<int:pk>/screenshots/", views.item_post, {"step": "screenshot"}, name="opinion-screenshot-add"),
    path("<int:pk>/screenshots/<str:token>/", views.screenshot_download, name="opinion-screenshot"),
]
