"""My account: password, API token and second factor (``/account/``)."""

from django.urls import path

from fengqiao.core import account_views

urlpatterns = [
    path("password/", account_views.PasswordChangeView.as_view(), name="account-password"),
    path("api-token/", account_views.api_token, name="account-api-token"),
    path("otp/", account_views.otp_setup, name="account-otp"),
    path("otp/verify/", account_views.otp_verify, name="login-otp"),
]
