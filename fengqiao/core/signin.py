"""Sign-in hardening (五(三) 落实保密责任; 等保 2.0 level 3 身份鉴别): the lockout after wrong
passwords (django-axes), the session's idle and absolute timeout, and the second factor
(django-otp TOTP) that a sign-in must pass before any page. docs/security.md.

The audit trail records the lockouts (axes' ``user_locked_out``) and each step of the second
factor (:data:`second_factor_step`) from its own receivers (``audit.signals``).

- **Lockout.** ``settings.AXES_*``: FENGQIAO_LOGIN_FAILURE_LIMIT wrong passwords for one
  username from one address lock that pair for FENGQIAO_LOGIN_COOLOFF_MINUTES. The login page
  says so and until when (:func:`lockout_response`); the lock is an audit record
  (``Action.LOCKED_OUT``); the 系统管理员 sees and lifts locks in /admin/ (axes' 访问尝试).
- **Session.** :class:`SessionTimeoutMiddleware`: signed out after FENGQIAO_SESSION_IDLE_SECONDS
  without a request, and FENGQIAO_SESSION_SECONDS after signing in, whatever happens.
- **Second factor.** A member of staff with a confirmed TOTP device, or whose roles may reveal
  personal data when FENGQIAO_OTP_REQUIRED is on (:func:`otp_required_for`), is signed in by the
  password only halfway: :class:`SecondFactorMiddleware` sends every page to the code (or, with no
  device yet, to setting one up) until it is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.org.models import Role

#: A step of the second factor was taken on the pages: ``request``, ``ok`` (a right code, or
#: done), ``step`` — "verify" (the code after the password), "setup" (a device confirmed) or
#: "remove" (switched off).
second_factor_step = Signal()

#: Session keys: when the person signed in and when they were last seen (Unix seconds), and
#: what the second factor still asks ("verify" a code, "setup" a device first).
SIGNED_IN_AT = "fengqiao_signed_in_at"
SEEN_AT = "fengqiao_seen_at"
OTP_PENDING = "fengqiao_otp_pending"

#: The last-seen time is written back at most this often: a request that changes nothing in
#: the session saves nothing (one UPDATE a minute at most, not one a request).
SEEN_REFRESH_SECONDS = 60

#: The roles whose work reveals personal data (``cases.permissions.may_reveal``) and the
#: administrator: with FENGQIAO_OTP_REQUIRED on they sign in with a second factor.
OTP_REQUIRED_ROLES: tuple[str, ...] = (
    Role.INTAKE_CLERK,
    Role.HANDLER,
    Role.DEPARTMENT_HEAD,
    Role.GROUP_OFFICE,
    Role.HOTLINE_OFFICE,
    Role.ADMINISTRATOR,
)


def client_ip(request: HttpRequest, *args: Any) -> str:
    """The client's address: REMOTE_ADDR, or the header FENGQIAO_CLIENT_IP_HEADER names (set by
    the reverse proxy in front of gunicorn, which itself sees 127.0.0.1). The lockout and the
    throttles count by it."""
    header = settings.FENGQIAO_CLIENT_IP_HEADER
    if header and header != "REMOTE_ADDR":
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return value.split(",")[0].strip()[:45]
    return str(request.META.get("REMOTE_ADDR") or "")[:45]


# --- Lockout ------------------------------------------------------------------------------


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """The login page again, saying that this account is locked from here and until when
    (axes' ``AXES_LOCKOUT_CALLABLE``; status 429). A wrong password while locked starts the
    cool-off again (axes' default), so the time shown is from now."""
    from django.contrib.auth.forms import AuthenticationForm

    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")[:150]})
    return render(
        request,
        "core/login.html",
        {
            "form": form,
            "locked_until": until,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "next": request.POST.get("next", "") if request.method == "POST" else "",
        },
        status=429,
    )


# --- Second factor ------------------------------------------------------------------------


def otp_required_for(user: Any) -> bool:
    """Must this member of staff sign in with a second factor? Only when FENGQIAO_OTP_REQUIRED is
    on, and then for the roles that may reveal personal data, the administrator and superusers."""
    if not settings.FENGQIAO_OTP_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_role(*OTP_REQUIRED_ROLES))


@receiver(user_logged_in, dispatch_uid="fengqiao_signin_started")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Start the session's clocks and note what the second factor still asks."""
    from django_otp import user_has_device

    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session.pop(OTP_PENDING, None)
    verified = getattr(user, "otp_device", None) is not None
    if not verified:
        if user_has_device(user):
            request.session[OTP_PENDING] = "verify"
        elif otp_required_for(user):
            request.session[OTP_PENDING] = "setup"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _signed_out(request: HttpRequest, message: str) -> HttpResponse | None:
    """Sign out and send a page to the login with ``message``; an API request continues as
    anonymous (DRF answers 401)."""
    logout(request)
    if _is_api(request):
        return None
    messages.warning(request, message)
    login_url = resolve_url(settings.LOGIN_URL)
    if getattr(request, "htmx", False):
        return HttpResponse(headers={"HX-Redirect": f"{login_url}?next={request.headers.get('HX-Current-URL', '/')}"})
    return redirect_to_login(request.get_full_path(), login_url)


class SessionTimeoutMiddleware:
    """超时退出: signed out after FENGQIAO_SESSION_IDLE_SECONDS without a request, and
    FENGQIAO_SESSION_SECONDS after signing in whatever happens; the next page goes to the login
    with a message saying why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if settings.SESSION_COOKIE_NAME in request.COOKIES and "_auth_user_id" in session:
            now = int(time.time())
            signed_in = session.get(SIGNED_IN_AT)
            seen = session.get(SEEN_AT)
            idle = settings.FENGQIAO_SESSION_IDLE_SECONDS
            if signed_in is None or seen is None:  # a session from before these clocks
                session[SIGNED_IN_AT] = session[SEEN_AT] = now
            elif now - signed_in > settings.SESSION_COOKIE_AGE:
                response = _signed_out(request, _("登录已超过规定时长，系统已自动退出，请重新登录。"))
                if response is not None:
                    return response
            elif idle and now - seen > idle:
                response = _signed_out(
                    request,
                    _("您已超过 %(minutes)d 分钟未操作，系统已自动退出，请重新登录。") % {"minutes": idle // 60},
                )
                if response is not None:
                    return response
            elif now - seen >= SEEN_REFRESH_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)


#: Paths a half-signed-in person may reach: the code, setting up a device, signing out,
#: the language switch.
def _open_paths() -> tuple[str, ...]:
    return (
        reverse("login-otp"),
        reverse("account-otp"),
        reverse("logout"),
        "/i18n/",
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
    )


class SecondFactorMiddleware:
    """二次验证: until the code is given, every page sends a half-signed-in person to it (or to
    setting up a device when their role requires one and they have none), and the API refuses
    the session (403, the API's error shape)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.get(OTP_PENDING) if settings.SESSION_COOKIE_NAME in request.COOKIES else None
        if pending and not request.path.startswith(_open_paths()):
            if _is_api(request):
                return JsonResponse(
                    {"errors": {"detail": [_("请先在页面上完成二次验证（动态验证码）后再使用接口。")]}}, status=403
                )
            target = reverse("login-otp") if pending == "verify" else reverse("account-otp")
            return redirect_to_login(request.get_full_path(), target)
        return self.get_response(request)


def otp_passed(request: HttpRequest, device: Any) -> None:
    """The code was right: the session is verified (django-otp) and nothing is pending."""
    import django_otp

    django_otp.login(request, device)
    request.session.pop(OTP_PENDING, None)
