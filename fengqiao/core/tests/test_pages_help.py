"""Pages that help (issue 11 §5): the UI language does not follow the browser, and the 403 and
404 pages keep the site's frame and a way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


# --- Language: zh-hans whatever the browser says (CONVENTIONS 9, issue 11 §5) -------------------


def test_an_english_browser_still_gets_the_chinese_sign_in_page(client: Client) -> None:
    response = client.get(reverse("login"), **ENGLISH_BROWSER)
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "工作人员登录" in html
    assert response["Content-Language"] == "zh-hans"


def test_djangos_own_messages_stay_chinese_for_an_english_browser(naiman, client: Client) -> None:
    """Django's built-in texts (the sign-in error, form field errors) come from its zh_Hans
    catalogue, not from Accept-Language."""
    call_command("demo_staff", verbosity=0)
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"}, **ENGLISH_BROWSER)
    html = response.content.decode()
    assert "请输入一个正确的" in html
    assert "Please enter a correct" not in html
    response = client.post(reverse("login"), {"username": "", "password": ""}, **ENGLISH_BROWSER)
    html = response.content.decode()
    assert "必填项" in html
    assert "This field is required" not in html


def test_the_admin_stays_chinese_for_an_english_browser(client_for, administrator) -> None:
    html = client_for(administrator).get(reverse("admin:index"), **ENGLISH_BROWSER).content.decode()
    assert "站点管理" in html or "系统配置" in html
    assert "Site administration" not in html


def test_the_api_answers_in_chinese_for_an_english_client(client: Client, db: None) -> None:
    data = client.get("/api/v1/me/", **ENGLISH_BROWSER).json()
    assert "身份认证信息未提供" in str(data)


def test_a_language_the_user_chose_is_kept(client: Client) -> None:
    """A user who chooses English (Django's set_language, a cookie) gets it; the browser's
    Accept-Language alone never switches."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-unknown"
    html = client.get(reverse("login"), **ENGLISH_BROWSER).content.decode()
    assert 'lang="zh-hans"' in html


# --- 403 and 404 keep the frame and a way back -------------------------------------------------


def test_404_for_a_signed_in_user_keeps_the_navigation(client_for, tax_handler) -> None:
    response = client_for(tax_handler).get("/cases/NO-SUCH-CASE/", **ENGLISH_BROWSER)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="mainnav"' in html and "工作台" in html and "案件" in html
    assert "页面不存在" in html
    assert f'href="{reverse("home")}"' in html
    assert "Not Found" not in html
    assert "no such case" not in html  # the internal reason is never shown


def test_404_for_an_anonymous_visitor_offers_sign_in(client: Client, db: None) -> None:
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert 'class="topbar"' in html
    assert f'href="{reverse("login")}?next=/no/such/page/"' in html
    assert 'class="mainnav"' not in html


def test_403_for_a_signed_in_user_keeps_the_navigation_and_says_why(client_for, outsider) -> None:
    response = client_for(outsider).get(reverse("case-intake"), **ENGLISH_BROWSER)
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html
    assert 'class="mainnav"' in html
    assert f'href="{reverse("home")}"' in html
    assert "403 Forbidden" not in html


def test_403_for_an_anonymous_request_offers_sign_in(client: Client, db: None) -> None:
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html
    assert f'href="{reverse("login")}?next=/somewhere/"' in html


def test_403_shows_the_services_reason(client_for, outsider) -> None:
    """A refusal with a reason (a service's PermissionDenied message) says it on the page."""
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/x/")
    request.user = outsider
    response = permission_denied(request, PermissionDenied("只有本旗县12345热线办可以派单。"))
    assert "只有本旗县12345热线办可以派单。" in response.content.decode()
