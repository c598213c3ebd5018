"""Sign-in, the staff home, the health check and the API's who-am-I."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from fengqiao.org.services import DEMO_STAFF

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_is_chinese_and_uses_local_assets(client: Client) -> None:
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "工作人员登录" in html
    assert 'lang="zh-hans"' in html
    assert "http://" not in html and "https://" not in html  # no CDN


def test_wrong_password_is_refused_in_chinese(naiman, client: Client) -> None:
    call_command("demo_staff", verbosity=0)
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_every_demo_login_reaches_the_staff_home(naiman, client: Client) -> None:
    """make run's promise: every demo login signs in and sees its department and roles."""
    call_command("demo_staff", verbosity=0, password="demo-pass-987")
    for username, name, *_ in DEMO_STAFF:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": "demo-pass-987"}, follow=True)
        assert response.status_code == 200, username
        html = response.content.decode()
        assert "工作台" in html and name in html, username


def test_home_shows_department_and_roles(client_for, tax_handler) -> None:
    html = client_for(tax_handler).get(reverse("home")).content.decode()
    assert "国家税务总局奈曼旗税务局" in html
    assert "社保非税部门" in html
    assert "部门经办人" in html
    assert "系统配置" not in html  # only administrators see the configuration link


def test_outsider_sees_no_roles(client_for, outsider) -> None:
    html = client_for(outsider).get(reverse("home")).content.decode()
    assert "无角色" in html


def test_administrator_sees_configuration(client_for, administrator) -> None:
    html = client_for(administrator).get(reverse("home")).content.decode()
    assert "系统配置" in html
    assert client_for(administrator).get(reverse("admin:index")).status_code == 200


def test_healthz(client: Client, db: None) -> None:
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_api_me_needs_a_token(client: Client, tax_handler) -> None:
    from rest_framework.authtoken.models import Token

    assert client.get("/api/v1/me/").status_code in (401, 403)
    token = Token.objects.create(user=tax_handler)
    data = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert data["username"] == "p_tax"
    assert data["jurisdiction"] == "150525"
    assert data["roles"] == ["handler"]


def test_api_schema_and_docs_are_served(client_for, tax_handler) -> None:
    c = client_for(tax_handler)
    assert c.get(reverse("api-schema")).status_code == 200
    docs = c.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
