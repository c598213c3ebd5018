"""Sign-in hardening (issue 13 §4; 等保 2.0 level 3 身份鉴别: 登录失败处理、口令复杂度、超时退出、
双因素鉴别): the lockout after wrong passwords, throttled and expiring API tokens, the password
policy, the session's idle timeout and the TOTP second factor. docs/security.md."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from fengqiao.audit.models import Action, AuditRecord
from fengqiao.core import signin
from fengqiao.core.throttles import StaffRateThrottle
from fengqiao.org.management.commands.demo_staff import DEFAULT_PASSWORD
from fengqiao.testing.personas import PASSWORD

ME = "/api/v1/me/"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Lockout --------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_at_that_address_and_the_login_page_says_until_when(
    client: Client, tax_handler, settings
) -> None:
    """50 wrong passwords in 13 seconds no longer leave the 51st, right one, to sign in: after
    AXES_FAILURE_LIMIT failures the username is locked from that address, even for the right
    password, and the page says so in Chinese with the time it ends."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, tax_handler.username, "wrong-password").status_code == 200
    assert _login(client, tax_handler.username, "wrong-password").status_code == 429  # the lock starts
    locked = _login(client, tax_handler.username, PASSWORD)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "已被锁定至" in html and "联系系统管理员解锁" in html
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action=Action.LOCKED_OUT, actor_name=tax_handler.username).exists()
    # Another address is not locked (username + address).
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, tax_handler.username, PASSWORD).status_code == 302


def test_the_administrator_sees_locked_sign_ins_and_unlocks_them_in_the_admin(
    client: Client, tax_handler, administrator, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, tax_handler.username, "wrong-password")
    admin = Client()
    admin.force_login(administrator)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert tax_handler.username in listing.content.decode()
    attempt = AccessAttempt.objects.get(username=tax_handler.username)
    assert admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 302
    assert _login(client, tax_handler.username, PASSWORD).status_code == 302


def test_the_demo_password_still_signs_in(client: Client, tax_handler) -> None:
    """Validators run when a password is set or changed, never at sign-in: the demo accounts'
    ``fengqiao-demo`` (set by demo_staff without validation) still works."""
    tax_handler.set_password(DEFAULT_PASSWORD)
    tax_handler.save()
    assert _login(client, tax_handler.username, DEFAULT_PASSWORD).status_code == 302


# --- API tokens -----------------------------------------------------------------------------


def test_random_tokens_are_counted_per_address_and_answered_429_with_retry_after(client: Client, db, settings) -> None:
    settings.FENGQIAO_TOKEN_FAILURE_LIMIT = 3
    for n in range(3):
        response = client.get(ME, HTTP_AUTHORIZATION=f"Token guess{n:036d}")
        assert response.status_code == 401
    refused = client.get(ME, HTTP_AUTHORIZATION="Token " + "f" * 40)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.FENGQIAO_TOKEN_FAILURE_WINDOW
    assert list(refused.json()) == ["errors"]
    assert "秒后再试" in refused.json()["errors"]["detail"][0]
    # Another address is not refused.
    assert Client(REMOTE_ADDR="10.0.0.7").get(ME, HTTP_AUTHORIZATION="Token " + "f" * 40).status_code == 401


def test_an_expired_token_gets_401_saying_so(client: Client, group_office, settings) -> None:
    token = Token.objects.create(user=group_office)
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=token.created - dt.timedelta(days=settings.FENGQIAO_TOKEN_DAYS))
    response = client.get(ME, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert "过期" in response.json()["errors"]["detail"][0]


def test_the_token_page_shows_when_the_token_expires(client_for, group_office) -> None:
    client = client_for(group_office)
    client.post(reverse("account-api-token"), {"action": "create"})
    html = client.get(reverse("account-api-token")).content.decode()
    assert "有效期至" in html and "续期" in html


def test_signed_in_api_use_has_a_rate_per_person(client: Client, group_office, monkeypatch) -> None:
    monkeypatch.setattr(StaffRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    token = Token.objects.create(user=group_office)
    auth = f"Token {token.key}"
    assert [client.get(ME, HTTP_AUTHORIZATION=auth).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(ME, HTTP_AUTHORIZATION=auth)
    assert "Retry-After" in refused and list(refused.json()) == ["errors"]


# --- Passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Short-1a", "至少"),  # Django's minimum length, 12 here
        ("alllowercaseletters", "四类中的 3 类"),
        ("lowerandupperONLY", "四类中的 3 类"),
        ("P_handler_tax", "用户名"),  # the username itself (p_handler_tax), another case
        ("Password1234", "常见"),
    ],
)
def test_the_password_policy_names_the_rule_it_refuses(tax_handler, password, rule) -> None:
    tax_handler.username = "p_handler_tax"
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, tax_handler)
        messages = refused.value.messages
    assert any(rule in message for message in messages), messages


def test_a_strong_password_passes(tax_handler) -> None:
    validate_password("Winter-Lantern-2026", tax_handler)


def test_the_last_five_passwords_cannot_be_used_again(tax_handler, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    used = [f"Lantern-{n}-Winter-x" for n in range(6)]
    for password in used:
        validate_password(password, tax_handler)
        tax_handler.set_password(password)
        tax_handler.save()
    for recent in used[1:]:
        with pytest.raises(ValidationError, match="最近 5 次"):
            validate_password(recent, tax_handler)
    validate_password(used[0], tax_handler)  # the sixth back is allowed again


# --- Session --------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_and_the_next_page_goes_to_the_login_with_a_message(
    client_for, tax_handler, settings
) -> None:
    settings.FENGQIAO_SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client = client_for(tax_handler)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200  # a request keeps it alive
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "分钟未操作" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_ends_after_its_absolute_age_however_busy(client_for, tax_handler, settings) -> None:
    with time_machine.travel(time.time(), tick=False) as clock:
        client = client_for(tax_handler)
        for _ in range(settings.SESSION_COOKIE_AGE // (20 * 60)):
            clock.shift(dt.timedelta(minutes=20))
            client.get(reverse("home"))
        clock.shift(dt.timedelta(minutes=20))
        response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- Second factor --------------------------------------------------------------------------


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_person_sets_up_a_second_factor_and_every_sign_in_then_asks_for_the_code(client: Client, tax_handler) -> None:
    client.force_login(tax_handler)
    page = client.get(reverse("account-otp"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "二维码" in html  # drawn here, no outside service
    device = TOTPDevice.objects.get(user=tax_handler, confirmed=False)
    wrong = client.post(reverse("account-otp"), {"code": "000000" if _code(device) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows the next try after a wrong code
    assert client.post(reverse("account-otp"), {"code": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("logout"))
    assert _login(client, tax_handler.username, PASSWORD).status_code == 302
    halfway = client.get(reverse("home"))
    assert halfway.status_code == 302 and reverse("login-otp") in halfway["Location"]
    assert client.get(ME).status_code == 403
    device.refresh_from_db()
    device.last_t = -1  # the same 30-second code again (a used code is refused otherwise)
    device.save()
    assert client.post(reverse("login-otp"), {"code": _code(device), "next": "/"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditRecord.objects.filter(action=Action.SECOND_FACTOR, actor=tax_handler).count() >= 2


def test_when_required_a_revealing_role_must_set_up_the_second_factor_before_any_page(
    client: Client, tax_handler, settings
) -> None:
    settings.FENGQIAO_OTP_REQUIRED = True
    assert signin.otp_required_for(tax_handler)
    assert _login(client, tax_handler.username, PASSWORD).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("account-otp") in response["Location"]
    assert client.get(reverse("account-otp")).status_code == 200


def test_the_administrator_resets_a_lost_device_in_the_admin(client: Client, tax_handler, administrator) -> None:
    device = TOTPDevice.objects.create(user=tax_handler, name="phone", confirmed=True)
    admin = Client()
    admin.force_login(administrator)
    assert admin.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    assert admin.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=tax_handler).exists()


def test_a_public_page_is_limited_per_address_with_retry_after(rf, db, monkeypatch) -> None:
    """The throttle the payer's public pages (issue 14) will use: ``@rate_limited("public")``."""
    from fengqiao.core.throttles import PublicRateThrottle, rate_limited

    monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": "2/minute"})

    @rate_limited("public")
    def page(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    answers = [page(rf.get("/p/", REMOTE_ADDR="10.1.1.1")) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "请求过于频繁" in answers[2].content.decode()
    assert page(rf.get("/p/", REMOTE_ADDR="10.1.1.2")).status_code == 200


# --- Security headers -----------------------------------------------------------------------


def _assert_security_headers(response: Any, *, no_store: bool) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert ("no-store" in response.get("Cache-Control", "")) is no_store


def test_security_headers_on_a_page_an_api_answer_a_static_file_and_an_error_page(client_for, tax_handler) -> None:
    client = client_for(tax_handler)
    _assert_security_headers(client.get(reverse("home")), no_store=True)
    _assert_security_headers(client.get(ME), no_store=True)
    static = client.get("/static/fengqiao/app.css")
    assert static.status_code == 200
    _assert_security_headers(static, no_store=False)
    missing = client.get("/cases/NO-SUCH-CASE/")
    assert missing.status_code == 404
    _assert_security_headers(missing, no_store=True)


def test_no_template_has_inline_script_or_style_attributes() -> None:
    """What the Content-Security-Policy would block: an on…= handler, a style= attribute or an
    inline <script> in a page template (the PDF templates are WeasyPrint's, never served)."""
    import re
    from pathlib import Path

    from django.conf import settings

    pattern = re.compile(r"""\son[a-z]+\s*=\s*["']|\sstyle\s*=\s*["']|<script(?![^>]*\ssrc=)[^>]*>|<style""")
    offenders = []
    for template in Path(settings.BASE_DIR, "fengqiao").rglob("templates/**/*.html"):
        if "/pdf/" in str(template) or "documents/templates/documents/print" in str(template):
            continue
        if pattern.search(template.read_text(encoding="utf-8")):
            offenders.append(str(template))
    assert offenders == []
