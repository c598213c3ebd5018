"""My account (个人设置): change my password, make and revoke my API token."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fengqiao.core import tokens
from fengqiao.core.auth import request_staff
from fengqiao.org.models import Role
from fengqiao.org.permissions import API_ROLES, may_use_api


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: Django's own (old password, new twice, the password validators), in the site."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("已修改您的登录密码，下次登录请使用新密码。"))
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """接口令牌: my token (its first characters), make a new one (the key shown once), revoke it."""
    staff = request_staff(request)
    new_key = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            if not may_use_api(staff):
                messages.error(request, _("您的角色不使用接口，不能生成接口令牌。"))
                return redirect("account-api-token")
            new_key = tokens.api_token_create(staff=staff).key
        elif action == "revoke":
            if tokens.api_token_revoke(staff=staff):
                messages.success(request, _("已撤销您的接口令牌，使用它的程序将无法再访问接口。"))
            else:
                messages.info(request, _("您没有接口令牌，无需撤销。"))
            return redirect("account-api-token")
        else:
            messages.error(request, _("请选择要执行的操作（生成或撤销）。"))
            return redirect("account-api-token")
    token = tokens.api_token_for(staff=staff)
    return render(
        request,
        "core/api_token.html",
        {
            "token": token,
            "hint": token.key[: tokens.HINT_LENGTH] if token else "",
            "new_key": new_key,
            "may_use_api": may_use_api(staff),
            "api_roles": [str(label) for value, label in Role.choices if value in API_ROLES],
        },
    )
