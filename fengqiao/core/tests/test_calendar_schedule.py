"""The administrator enters a year's holiday schedule on the year's page (docs/calendar.md):
ARCHITECTURE.md — a year with no data is a warning, never a guess; the State Council's notice
(国务院办公厅关于××××年部分节假日安排的通知) is typed in as lines and becomes CalendarDay rows.
The dates below are test data, not the real 2027 schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.core import calendar, services
from fengqiao.core.models import CalendarDay, CalendarYear
from fengqiao.testing.browser import chromium
from fengqiao.testing.personas import PASSWORD

SCHEDULE = """\
2027-01-01 休 元旦
2027-02-05至2027-02-11 休 春节
2027-02-14 班 春节调休
"""


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar.calendar_cache_clear()
    yield
    calendar.calendar_cache_clear()


def test_lines_become_days_with_runs_and_names() -> None:
    days = services.schedule_parse(year=2027, text=SCHEDULE + "\n# 注释\n")
    assert len(days) == 9
    assert days[0] == services.ScheduleDay(date(2027, 1, 1), CalendarDay.Kind.HOLIDAY, "元旦")
    assert days[-1] == services.ScheduleDay(date(2027, 2, 14), CalendarDay.Kind.WORKDAY, "春节调休")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2027-13-01 休 元旦", "第1行：日期“2027-13-01”无效"),
        ("\n2026-12-31 休", "第2行：日期须在2027年内"),
        ("2027-01-01 放 元旦", "第1行：类型须为“休”"),
        ("元旦 2027-01-01", "第1行：“元旦 2027-01-01”看不懂"),
        ("2027-02-11至2027-02-05 休", "第1行：日期段须从前往后"),
        ("2027-01-01 休\n2027-01-01 班", "第2行：2027-01-01 已在前面写为另一类型"),
    ],
)
def test_each_bad_line_is_named(text: str, error: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.schedule_parse(year=2027, text=text)
    assert any(error in m for m in exc.value.messages), exc.value.messages


def _save(client, url: str, **data: str):
    page = client.get(url)
    form = page.context["adminform"].form
    payload = {"year": "2027", "source": "测试通知", "seen": form.initial.get("seen", ""), "_save": "保存"}
    payload.update(data)
    return client.post(url, payload)


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_administrator_enters_the_year_on_one_page(naiman, administrator, client_for) -> None:
    """One save: the notice, every day, and 已完整录入; the workbench warning then ends."""
    client = client_for(administrator)
    add = reverse("admin:core_calendaryear_add") + "?year=2027"
    response = _save(client, add, schedule=SCHEDULE, complete="on")
    assert response.status_code == 302, response.context["adminform"].form.errors
    year = CalendarYear.objects.get(year=2027)
    assert year.complete and year.entered_by == administrator
    assert CalendarDay.objects.filter(date__year=2027).count() == 9
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 2, 14))  # a Sunday worked
    assert "尚未录入2027年" not in client.get(reverse("home")).content.decode()

    # The page shows the schedule as entered; a line removed removes its day.
    change = reverse("admin:core_calendaryear_change", args=[year.pk])
    shown = client.get(change).context["adminform"].form.initial["schedule"]
    assert shown == SCHEDULE.strip()
    response = _save(client, change, schedule="2027-01-01 休 元旦\n2027-02-05至2027-02-11 休 春节", complete="on")
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2027, 2, 14)).exists()


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_complete_without_days_is_refused_naming_the_field(naiman, administrator, client_for) -> None:
    client = client_for(administrator)
    response = _save(client, reverse("admin:core_calendaryear_add") + "?year=2027", schedule="", complete="on")
    assert response.status_code == 200
    assert "schedule" in response.context["adminform"].form.errors
    assert not CalendarYear.objects.exists()  # nothing half-saved


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_a_bad_line_saves_nothing(naiman, administrator, client_for) -> None:
    client = client_for(administrator)
    response = _save(client, reverse("admin:core_calendaryear_add"), schedule="2027-01-01 休 元旦\n2027-02-30 休")
    assert response.status_code == 200
    assert "第2行" in str(response.context["adminform"].form.errors["schedule"])
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
def test_two_administrators_do_not_overwrite_each_other(naiman, administrator, client_for) -> None:
    """The second of two editors who opened the same year is told to reload; the first
    editor's days stay (concurrent writers never lose an update)."""
    year = CalendarYear.objects.create(year=2027)
    client = client_for(administrator)
    change = reverse("admin:core_calendaryear_change", args=[year.pk])
    stale = client.get(change).context["adminform"].form.initial["seen"]
    assert _save(client, change, schedule="2027-01-01 休 元旦").status_code == 302  # the first editor
    response = client.post(
        change, {"year": "2027", "source": "", "seen": stale, "schedule": "2027-10-01 休 国庆节", "_save": "保存"}
    )
    assert response.status_code == 200
    assert "已被他人修改" in str(response.context["adminform"].form.errors["schedule"])
    assert list(CalendarDay.objects.values_list("name", flat=True)) == ["元旦"]
    with pytest.raises(ValidationError):
        services.calendar_year_schedule_set(calendar_year=year, days=[], seen=stale)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_administrator_enters_2027_from_the_workbench_warning(live_server, naiman, administrator) -> None:
    """Browser: the administrator signs in, follows the workbench's warning, enters 2027's
    holidays and marks the year complete; the warning is gone."""
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC)), chromium() as browser:
        calendar.calendar_cache_clear()
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", administrator.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.click("text=录入2027年节假日安排")
        page.wait_for_selector("#id_schedule")
        assert page.input_value("#id_year") == "2027"
        page.fill("#id_source", "国务院办公厅关于2027年部分节假日安排的通知（测试）")
        page.fill("#id_schedule", SCHEDULE)
        page.check("#id_complete")
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")
        page.goto(f"{live_server.url}/")
        assert "尚未录入2027年" not in page.inner_text("main")
    assert CalendarYear.objects.get(year=2027).complete
    assert CalendarDay.objects.filter(date__year=2027).count() == 9
