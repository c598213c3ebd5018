"""Staff manage their own password and API token; 接口文档 is shown to those who use the API
(issue 11 §1, §5). Who uses the API is decided in org.permissions.API_ROLES."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from fengqiao.core.context_processors import NAVIGATION
from fengqiao.org.permissions import API_ROLES
from fengqiao.testing.personas import PASSWORD

# --- password -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client, db: None) -> None:
    for name in ["account-password", "account-api-token"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_user_menu_links_to_the_password_page(client_for, tax_handler) -> None:
    html = client_for(tax_handler).get(reverse("home")).content.decode()
    assert reverse("account-password") in html


def test_staff_change_their_own_password(client_for, tax_handler) -> None:
    """Django's PasswordChangeView in the site frame: the old password is checked, the new one
    must pass the validators, and the session stays signed in."""
    client = client_for(tax_handler)
    page = client.get(reverse("account-password"))
    assert page.status_code == 200
    assert 'class="topbar"' in page.content.decode()
    wrong = client.post(
        reverse("account-password"),
        {"old_password": "not-it", "new_password1": "Neu-pass-2026-x", "new_password2": "Neu-pass-2026-x"},
    )
    assert wrong.status_code == 200
    assert "old_password" in wrong.context["form"].errors
    weak = client.post(
        reverse("account-password"), {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert "new_password2" in weak.context["form"].errors
    tax_handler.refresh_from_db()
    assert tax_handler.check_password(PASSWORD)  # nothing half-saved
    done = client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": "Neu-pass-2026-x", "new_password2": "Neu-pass-2026-x"},
    )
    assert done.status_code == 302
    tax_handler.refresh_from_db()
    assert tax_handler.check_password("Neu-pass-2026-x")
    assert client.get(reverse("home")).status_code == 200  # still signed in


# --- API tokens -----------------------------------------------------------------------------


def test_api_roles_make_a_token_shown_once_and_revoke_it(client_for, hotline_officer) -> None:
    """The hotline office's account is the 12345 platform's (docs/integrations.md): it makes its
    token on the page, sees the key once, uses it, revokes it."""
    client = client_for(hotline_officer)
    assert reverse("account-api-token") in client.get(reverse("home")).content.decode()
    made = client.post(reverse("account-api-token"), {"action": "create"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"] or "no-cache" in made["Cache-Control"]
    key = Token.objects.get(user=hotline_officer).key
    assert key in made.content.decode()
    again = client.get(reverse("account-api-token")).content.decode()
    assert key not in again  # shown once
    assert key[:6] in again
    api = Client()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200

    renewed = client.post(reverse("account-api-token"), {"action": "create"})
    new_key = Token.objects.get(user=hotline_officer).key
    assert new_key != key and new_key in renewed.content.decode()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401

    assert client.post(reverse("account-api-token"), {"action": "revoke"}).status_code == 302
    assert not Token.objects.filter(user=hotline_officer).exists()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new_key}").status_code == 401


def test_roles_without_api_work_make_no_token(client_for, tax_handler) -> None:
    """A handler works on the pages: no token link, and a forged POST makes nothing."""
    client = client_for(tax_handler)
    assert reverse("account-api-token") not in client.get(reverse("home")).content.decode()
    response = client.post(reverse("account-api-token"), {"action": "create"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=tax_handler).exists()


def test_anyone_revokes_a_token_they_hold(client_for, tax_handler) -> None:
    """A token the administrator made for a handler (or left from a former role) can be revoked
    by its owner; nobody revokes someone else's from this page."""
    Token.objects.create(user=tax_handler)
    client = client_for(tax_handler)
    assert client.post(reverse("account-api-token"), {"action": "revoke"}).status_code == 302
    assert not Token.objects.filter(user=tax_handler).exists()


def test_unknown_action_changes_nothing(client_for, group_office) -> None:
    client = client_for(group_office)
    assert client.post(reverse("account-api-token"), {"action": "x"}).status_code == 302
    assert not Token.objects.filter(user=group_office).exists()


# --- 接口文档 ---------------------------------------------------------------------------------


def test_navigation_and_permissions_agree_on_who_uses_the_api() -> None:
    roles = next(roles for _label, name, roles in NAVIGATION if name == "api-docs")
    assert set(roles) == set(API_ROLES)


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("hotline_officer", True),
        ("group_office", True),
        ("administrator", True),
        ("intake_clerk", False),
        ("tax_handler", False),
        ("department_head", False),
        ("group_leader", False),
        ("discipline_liaison", False),
        ("outsider", False),
    ],
)
def test_api_docs_link_is_shown_to_those_who_use_the_api(naiman, persona, client_for, key, shown) -> None:
    html = client_for(persona(key)).get(reverse("home")).content.decode()
    assert (reverse("api-docs") in html) is shown
