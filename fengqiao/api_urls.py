"""REST API v1 routes. Each app adds its own router here."""

from django.urls import path

from fengqiao.core import api as core_api

urlpatterns = [
    path("me/", core_api.MeView.as_view(), name="api-me"),
]
