"""My account: password and API token (``/account/``)."""

from django.urls import path

from fengqiao.core import account_views

urlpatterns = [
    path("password/", account_views.PasswordChangeView.as_view(), name="account-password"),
    path("api-token/", account_views.api_token, name="account-api-token"),
]
