"""The 系统管理员 administers (issue 11 §1): the administrator role opens and saves every
configuration page the README lists, and nothing else does.

Source: README ("admin: departments, staff, categories, time limits, holidays at /admin/"),
docs/development.md ("roles are rows … is_staff for the configuration admin, given with the
administrator role"), 五(一) (the leadership group may add member units at any time, which
the administrator enters).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from fengqiao.org.models import Department, Role, Staff
from fengqiao.org.permissions import ADMINISTRATOR_MODEL_PERMISSIONS, ADMINISTRATOR_WITHHELD
from fengqiao.org.services import staff_roles_set


class _FormReader(HTMLParser):
    """The fields of the admin's change form as a browser would submit them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def _resave(client: Client, url: str) -> Any:
    """Open a change form and save it as it stands (the admin's 保存)."""
    page = client.get(url)
    assert page.status_code == 200, url
    reader = _FormReader()
    reader.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    data["_save"] = ["保存"]
    return client.post(url, data)


# (README's words, model) — each page the administrator is there for.
README_PAGES = [
    ("departments", "org.department"),
    ("staff and their roles", "org.staff"),
    ("jurisdictions", "org.jurisdiction"),
    ("leadership group", "org.leadershipgroup"),
    ("categories", "cases.disputecategory"),
    ("routing rules", "cases.routingrule"),
    ("time limits", "core.timelimit"),
    ("holidays", "core.calendarday"),
    ("calendar years", "core.calendaryear"),
    ("scoring rules", "analytics.scoringrule"),
    ("API tokens", "authtoken.tokenproxy"),
]


def _first_object(label: str, naiman: Any, administrator: Staff) -> Any:
    from datetime import date

    from fengqiao.core.models import CalendarDay, CalendarYear

    if label == "core.calendaryear":
        return CalendarYear.objects.create(year=2027, source="测试")
    if label == "core.calendarday":
        return CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    if label == "authtoken.tokenproxy":
        from rest_framework.authtoken.models import Token

        return Token.objects.create(user=administrator)
    from django.apps import apps

    return apps.get_model(label).objects.order_by("pk").first()


@pytest.mark.parametrize(("what", "label"), README_PAGES)
def test_administrator_opens_and_saves_each_readme_page(naiman, administrator, client_for, what, label) -> None:
    """README: the administrator keeps departments, staff, categories, routing, time limits,
    holidays, scoring rules and tokens at /admin/ — list, add form, and a save of a row."""
    app_label, model_name = label.split(".")
    client = client_for(administrator)
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200, what
    if "add" in ADMINISTRATOR_MODEL_PERMISSIONS[label]:
        assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 200, what
    obj = _first_object(label, naiman, administrator)
    assert obj is not None, f"no {label} row in the Naiman set-up to save"
    object_id = obj.user_id if label == "authtoken.tokenproxy" else obj.pk
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[object_id])
    saved = _resave(client, url)
    assert saved.status_code == 302, (what, saved.context and saved.context.get("errors"))


def test_every_admin_page_is_decided_for_the_administrator() -> None:
    """A model registered in the admin is either part of the administrator's work or withheld
    on purpose: a new registration without a decision would be a page nobody can open."""
    registered = {model._meta.label_lower for model in admin.site._registry}
    undecided = registered - set(ADMINISTRATOR_MODEL_PERMISSIONS) - ADMINISTRATOR_WITHHELD
    assert undecided == set()


@pytest.mark.parametrize(
    "key",
    [
        "intake_clerk",
        "tax_handler",
        "department_head",
        "group_office",
        "group_leader",
        "hotline_officer",
        "discipline_liaison",
        "outsider",
    ],
)
def test_other_roles_are_refused_the_admin(naiman, persona, client_for, key) -> None:
    """Only the administrator role opens /admin/: other roles get 403 on every page."""
    client = client_for(persona(key))
    for name in ["admin:index", "admin:org_department_changelist", "admin:core_calendaryear_add"]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("admin:core_calendaryear_add"), {"year": 2027}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, naiman) -> None:
    response = client.get(reverse("admin:org_department_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_stray_is_staff_flag_opens_nothing(naiman, tax_handler, client_for) -> None:
    """is_staff is not the door: a handler with the flag set by hand gets no admin page."""
    Staff.objects.filter(pk=tax_handler.pk).update(is_staff=True)
    tax_handler.refresh_from_db()
    assert client_for(tax_handler).get(reverse("admin:org_department_changelist")).status_code == 403


def test_granting_and_revoking_the_role_grants_and_revokes_the_access(naiman, tax_handler, client_for) -> None:
    """The role is the whole story: staff_roles_set (the service every path uses) gives the
    administrator role, then takes it away."""
    url = reverse("admin:core_timelimit_changelist")
    staff_roles_set(staff=tax_handler, roles=[Role.HANDLER, Role.ADMINISTRATOR])
    assert client_for(tax_handler).get(url).status_code == 200
    staff_roles_set(staff=tax_handler, roles=[Role.HANDLER])
    assert client_for(tax_handler).get(url).status_code == 403
    assert not Staff.objects.get(pk=tax_handler.pk).is_staff


def test_administrator_adds_staff_with_a_role_in_the_admin(naiman, administrator, client_for) -> None:
    """五(一): the administrator adds a member of staff and gives the role in the admin; the role
    saved in the inline is what opens (or not) the admin for that person."""
    client = client_for(administrator)
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    response = client.post(
        reverse("admin:org_staff_add"),
        {
            "username": "new_admin",
            "name": "新管理员",
            "department": tax.pk,
            "password1": "Zz-a-long-pass-2026",
            "password2": "Zz-a-long-pass-2026",
            "usable_password": "true",
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            "roles-0-role": Role.ADMINISTRATOR,
            "_save": "保存",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    new = Staff.objects.get(username="new_admin")
    assert new.role_set == {Role.ADMINISTRATOR}
    assert new.is_staff
    other = Client()
    other.force_login(new)
    assert other.get(reverse("admin:org_department_changelist")).status_code == 200


def test_administrator_cannot_make_a_superuser(naiman, administrator, tax_handler, client_for) -> None:
    """An administrator manages roles; only a superuser makes a superuser (who bypasses roles)."""
    client = client_for(administrator)
    url = reverse("admin:org_staff_change", args=[tax_handler.pk])
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page
    _resave(client, url)
    assert not Staff.objects.get(pk=tax_handler.pk).is_superuser


def test_administrator_cannot_take_over_a_superuser(
    naiman, administrator, tax_handler, hotline_officer, client_for
) -> None:
    """Nor can an administrator become one another way: a superuser's password is reset, and a
    superuser changed or deleted, only by a superuser; a token is made only for an account whose
    roles use the API (a key is a sign-in)."""
    root = Staff.objects.create_superuser(username="root", password="root-pass-123", name="超级用户")
    client = client_for(administrator)
    password_url = reverse("admin:org_staff_changelist") + f"{root.pk}/password/"
    assert client.get(password_url).status_code == 403
    refused = client.post(password_url, {"password1": "Taken-over-123", "password2": "Taken-over-123"})
    assert refused.status_code == 403
    root.refresh_from_db()
    assert root.check_password("root-pass-123")
    assert client.post(reverse("admin:org_staff_delete", args=[root.pk]), {"post": "yes"}).status_code == 403
    assert Staff.objects.filter(pk=root.pk).exists()
    # The administrator still resets the password of ordinary staff.
    assert client.get(reverse("admin:org_staff_changelist") + f"{tax_handler.pk}/password/").status_code == 200

    add = reverse("admin:authtoken_tokenproxy_add")
    for account in (root, tax_handler):
        client.post(add, {"user": account.pk})
        assert not Token.objects.filter(user=account).exists()
    client.post(add, {"user": hotline_officer.pk})
    assert Token.objects.filter(user=hotline_officer).exists()


def test_the_demo_admin_login_administers(naiman, client) -> None:
    """README's demo login `admin` (系统管理员, made by manage.py demo_staff) opens the pages the
    README lists; the demo `tax_handler` does not."""
    from fengqiao.org.services import demo_staff_create

    demo_staff_create(county=naiman, password="fengqiao-demo")
    client.force_login(Staff.objects.get(username="admin"))
    for name in [
        "admin:org_staff_add",
        "admin:core_calendaryear_add",
        "admin:core_timelimit_changelist",
        "admin:authtoken_tokenproxy_add",
    ]:
        assert client.get(reverse(name)).status_code == 200, name
    client.force_login(Staff.objects.get(username="tax_handler"))
    assert client.get(reverse("admin:index")).status_code == 403
