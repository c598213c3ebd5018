"""Every warning on the workbench leads its reader to a page they can use, or names who can
act (issue 11 §1). The calendar warning comes from ARCHITECTURE.md: a year with no holiday
data is a warning, never a guess (docs/calendar.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from fengqiao.core import calendar
from fengqiao.core.models import CalendarYear
from fengqiao.org.models import Staff


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar.calendar_cache_clear()
    yield
    calendar.calendar_cache_clear()


def _links(html: str) -> list[str]:
    import re

    return re.findall(r'<div class="warning" role="alert">.*?</div>', html, re.S)


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_missing_holidays_lead_the_administrator_to_the_entry_page(naiman, administrator, client_for) -> None:
    client = client_for(administrator)
    html = client.get(reverse("home")).content.decode()
    (warning,) = _links(html)
    url = reverse("admin:core_calendaryear_add") + "?year=2027"
    assert "尚未录入2027年的节假日安排" in warning
    assert f'href="{url}"' in warning
    page = client.get(url)
    assert page.status_code == 200  # the page the link leads to opens for its reader
    assert 'value="2027"' in page.content.decode()

    started = CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕X号")
    html = client.get(reverse("home")).content.decode()
    change = reverse("admin:core_calendaryear_change", args=[started.pk])
    assert f'href="{change}"' in html
    assert client.get(change).status_code == 200


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
@pytest.mark.parametrize("key", ["tax_handler", "group_office", "group_leader", "intake_clerk"])
def test_readers_who_cannot_act_are_told_who_can(naiman, persona, administrator, client_for, key) -> None:
    Staff.objects.filter(pk=administrator.pk).update(office_phone="0475-4212345")
    html = client_for(persona(key)).get(reverse("home")).content.decode()
    (warning,) = _links(html)
    assert "尚未录入2027年的节假日安排" in warning
    assert "admin" not in warning  # no link to a page that would answer 403
    assert administrator.name in warning and "0475-4212345" in warning


def test_no_warning_when_the_calendar_is_known(naiman, administrator, tax_handler, client_for) -> None:
    with time_machine.travel(datetime(2025, 3, 3, 9, 0, tzinfo=UTC)):  # 2025 and 2026 are in the package
        for staff in (administrator, tax_handler):
            client = client_for(staff)
            assert _links(client.get(reverse("home")).content.decode()) == []


def test_staff_without_role_or_department_are_told_who_can_help(naiman, outsider, administrator, client_for) -> None:
    with time_machine.travel(datetime(2025, 3, 3, 9, 0, tzinfo=UTC)):
        html = client_for(outsider).get(reverse("home")).content.decode()
    warnings = _links(html)
    assert any("尚未被分配角色" in w and administrator.name in w for w in warnings)
    assert any("尚未被分配所在部门" in w for w in warnings)
