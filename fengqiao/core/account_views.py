"""My account (个人设置): change my password, make and revoke my API token, set up the second
factor (动态验证码), and the code asked after the password at sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fengqiao.core import signin, tokens
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
            if signin.otp_required_for(staff) and not request.user.is_verified():  # type: ignore[union-attr]
                messages.error(request, _("生成接口令牌前须先启用并通过二次验证。"))
                return redirect("account-otp")
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
            "expires": tokens.api_token_expires(token) if token else None,
            "expired": bool(token and tokens.api_token_expires(token) <= timezone.now()),
            "token_days": settings.FENGQIAO_TOKEN_DAYS,
            "new_key": new_key,
            "may_use_api": may_use_api(staff),
            "api_roles": [str(label) for value, label in Role.choices if value in API_ROLES],
        },
    )


# --- Second factor (二次验证) ----------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return str(reverse_lazy("home"))


def _otp_record(request: HttpRequest, *, ok: bool, what: str) -> None:
    signin.second_factor_step.send(sender=None, request=request, ok=ok, step=what)


def _code(request: HttpRequest) -> str:
    return "".join(ch for ch in request.POST.get("code", "") if ch.isdigit())[:8]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """动态验证码: after the password, the six-digit code of the person's authenticator app; a
    wrong code is refused (django-otp slows repeated failures down)."""
    import django_otp

    staff = request_staff(request)
    if not django_otp.user_has_device(staff):
        return redirect("account-otp")
    error = ""
    if request.method == "POST":
        device = django_otp.match_token(staff, _code(request))
        if device is not None:
            signin.otp_passed(request, device)
            _otp_record(request, ok=True, what="verify")
            return redirect(_next_url(request))
        _otp_record(request, ok=False, what="verify")
        error = _("验证码不正确或已过期，请输入认证器应用中当前显示的 6 位数字。")
    return render(request, "core/otp_verify.html", {"error": error, "next": _next_url(request)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """二次验证设置: a QR code (drawn here, no outside service) for an authenticator app, confirmed
    with its first code; once on, every sign-in asks for a code. Switching it off is for those
    whose role does not require it; the administrator resets a lost device in /admin/."""
    import segno
    from django_otp import devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = request_staff(request)
    required = signin.otp_required_for(staff)
    confirmed = list(devices_for_user(staff, confirmed=True))
    pending = request.session.get(signin.OTP_PENDING)
    if confirmed and pending == "verify":
        return redirect(f"{reverse_lazy('login-otp')}?next={_next_url(request)}")
    error = ""
    if request.method == "POST" and request.POST.get("action") == "remove" and confirmed:
        if required:
            messages.error(request, _("您的角色必须使用二次验证，不能关闭。更换手机请联系系统管理员重置。"))
        else:
            TOTPDevice.objects.filter(user=staff).delete()
            _otp_record(request, ok=True, what="remove")
            messages.success(request, _("已关闭二次验证，今后登录只需输入密码。"))
        return redirect("account-otp")
    device = None
    if not confirmed:
        device = TOTPDevice.objects.filter(user=staff, confirmed=False).first() or TOTPDevice.objects.create(
            user=staff, name=_("认证器应用"), confirmed=False
        )
        if request.method == "POST":
            if device.verify_token(_code(request)):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                signin.otp_passed(request, device)
                _otp_record(request, ok=True, what="setup")
                messages.success(request, _("已启用二次验证，今后每次登录都需输入动态验证码。"))
                return redirect(_next_url(request))
            error = _("验证码不正确，请输入认证器应用中当前显示的 6 位数字。")
    import base64

    return render(
        request,
        "core/otp_setup.html",
        {
            "device": device,
            "confirmed": bool(confirmed),
            "required": required,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2) if device else "",
            "secret": base64.b32encode(device.bin_key).decode() if device else "",
            "error": error,
            "next": _next_url(request),
        },
    )
