"""Kept figures of closed months (issue 12 §3, ``fengqiao.analytics.months``): a closed month is
counted once and read from its ``MonthSnapshot`` thereafter — fewer queries, the same figures
as the live count; the current month and a month in its grace days are counted live; a late
correction waits for a recount."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from fengqiao.analytics import months
from fengqiao.analytics.analysis import monthly_figures
from fengqiao.analytics.apps import CLOSE_SCHEDULE_NAME
from fengqiao.analytics.models import MonthSnapshot
from fengqiao.analytics.scorecards import department_scorecards, scoring_defaults_load
from fengqiao.analytics.tests.test_pages import api
from fengqiao.cases.services import case_merge
from fengqiao.cases.tests.helpers import intake
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401  (a fixture)
from fengqiao.org.models import Jurisdiction, Staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(naiman: Jurisdiction, intake_clerk: Staff, tax_handler: Staff, department_head: Staff, frozen_time: Any):
    """March 2026: eight disputes about 04 in one township (a cluster warning), two of them
    decided (tasks done, decisions issued: the scorecards count them)."""
    scoring_defaults_load()
    cases = []
    for day in range(2, 8):
        frozen_time(f"2026-03-{day:02d} 10:00")
        cases.append(intake(intake_clerk, categories=("04",)))
    for day in (10, 11):
        frozen_time(f"2026-03-{day:02d} 10:00")
        cases.append(decided_own_case(intake_clerk, tax_handler, department_head))
    return cases


def captured(call: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        value = call()
    return value, len(queries.captured_queries)


def test_a_closed_month_is_read_from_its_kept_figures_and_equals_the_live_count(
    march: list[Any], naiman: Jurisdiction, frozen_time: Any
) -> None:
    frozen_time("2026-04-10 09:00")  # March and its closing days are over
    assert months.is_closed(2026, 3)
    live, live_queries = captured(lambda: monthly_figures(county=naiman, year=2026, month=3))
    live_cards = department_scorecards(county=naiman, year=2026, month=3)
    assert live.received == 8 and live.decided == 2 and live.warnings

    (first, taken_at), _first_queries = captured(lambda: months.figures_of(county=naiman, year=2026, month=3))
    assert taken_at is not None  # kept on this first request
    assert MonthSnapshot.objects.filter(jurisdiction=naiman, year=2026, month=3).count() == 1

    (kept, kept_at), kept_queries = captured(lambda: months.figures_of(county=naiman, year=2026, month=3))
    assert kept == first == live
    assert kept_at == taken_at
    assert kept_queries == 1 < live_queries  # one indexed row instead of the recount

    (cards, _at), cards_queries = captured(lambda: months.scorecards_of(county=naiman, year=2026, month=3))
    assert cards == live_cards
    assert cards_queries == 2  # the kept counts and the scoring rules
    assert sum(card.decisions for card in cards) == 2


def test_the_current_month_and_one_in_its_closing_days_are_counted_live(
    march: list[Any], naiman: Jurisdiction, frozen_time: Any
) -> None:
    frozen_time(f"2026-04-0{months.CLOSING_DAYS} 23:00")  # still March's closing days
    figures, taken_at = months.figures_of(county=naiman, year=2026, month=3)
    _cards, cards_at = months.scorecards_of(county=naiman, year=2026, month=3)
    assert taken_at is None and cards_at is None
    assert figures.received == 8
    assert not MonthSnapshot.objects.exists()
    with pytest.raises(ValueError):
        months.month_close(county=naiman, year=2026, month=3)
    with pytest.raises(CommandError):
        call_command("analytics_months", "--month", "2026-03")


def test_a_late_correction_waits_for_the_recount(
    march: list[Any], naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Any
) -> None:
    """The kept figures are as at ``taken_at``; a case of March merged in April as a duplicate
    changes the live count only, until ``analytics_months --recount``."""
    frozen_time("2026-04-10 09:00")
    call_command("analytics_months", "--month", "2026-03")
    snapshot = MonthSnapshot.objects.get(jurisdiction=naiman, year=2026, month=3)
    assert snapshot.figures["received"] == 8 and snapshot.recounts == 0

    frozen_time("2026-04-12 09:00")
    case_merge(case=march[1], into=march[0], actor=intake_clerk, reason="同一缴费人同一事项重复登记")
    assert monthly_figures(county=naiman, year=2026, month=3).received == 7
    assert months.figures_of(county=naiman, year=2026, month=3)[0].received == 8

    call_command("analytics_months", "--month", "2026-03", "--recount")
    snapshot.refresh_from_db()
    assert snapshot.recounts == 1
    kept, taken_at = months.figures_of(county=naiman, year=2026, month=3)
    assert kept == monthly_figures(county=naiman, year=2026, month=3)
    assert kept.received == 7 and taken_at == snapshot.taken_at


def test_a_recount_rewrites_the_kept_months_that_compare_with_it(
    march: list[Any], naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Any
) -> None:
    """April's kept figures hold March's count (上月受理); after March is recounted for a merge,
    April is recounted with it, so the two pages agree."""
    frozen_time("2026-04-12 09:00")
    intake(intake_clerk, categories=("04",))
    frozen_time("2026-05-10 09:00")
    months.month_close(county=naiman, year=2026, month=3)
    april = months.month_close(county=naiman, year=2026, month=4)
    assert april.figures["received_previous_month"] == 8

    case_merge(case=march[1], into=march[0], actor=intake_clerk, reason="同一缴费人同一事项重复登记")
    call_command("analytics_months", "--month", "2026-03", "--recount")
    april.refresh_from_db()
    assert april.recounts == 1
    assert april.figures["received_previous_month"] == 7
    assert months.figures_of(county=naiman, year=2026, month=4)[0] == monthly_figures(county=naiman, year=2026, month=4)


def test_a_month_before_the_mechanism_is_counted_live_and_never_kept(
    naiman: Jurisdiction, settings: Any, frozen_time: Any
) -> None:
    """A month before FENGQIAO_MECHANISM_START holds no case of the mechanism: it is not kept
    (a row of zeros would stay wrong if its cases were imported later)."""
    settings.FENGQIAO_MECHANISM_START = "2024-09-11"
    frozen_time("2026-04-10 09:00")
    figures, taken_at = months.figures_of(county=naiman, year=2024, month=8)
    assert taken_at is None and figures.received == 0
    assert months.is_kept(2024, 9) and not months.is_kept(2024, 8)
    assert not MonthSnapshot.objects.filter(jurisdiction=naiman, year=2024, month=8).exists()
    with pytest.raises(CommandError, match="早于本机制施行之月"):
        call_command("analytics_months", "--month", "2024-08")


def test_the_live_month_reads_the_months_it_compares_with_from_their_snapshots(
    march: list[Any], naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Any
) -> None:
    frozen_time("2026-04-20 10:00")
    intake(intake_clerk, categories=("04",))
    months.month_close(county=naiman, year=2026, month=3)
    recounted = monthly_figures(county=naiman, year=2026, month=4)
    live, taken_at = months.figures_of(county=naiman, year=2026, month=4)
    assert taken_at is None
    assert live == recounted
    assert live.received == 1 and live.received_previous_month == 8


def test_the_daily_job_keeps_the_month_just_closed_once(
    march: list[Any], naiman: Jurisdiction, frozen_time: Any
) -> None:
    frozen_time("2026-04-03 01:30")
    assert months.last_closed() == (2026, 2)
    kept = months.months_close_task()  # March is live still: the closed months it and April compare with
    assert set(MonthSnapshot.objects.values_list("year", "month")) == {
        (2026, 2),
        (2026, 1),
        (2025, 12),
        (2025, 3),
        (2025, 4),
    }
    frozen_time("2026-04-06 01:30")
    assert months.last_closed() == (2026, 3)
    kept += months.months_close_task()  # March, closed now
    assert (2026, 3) in set(MonthSnapshot.objects.values_list("year", "month"))
    assert len(kept) == 6
    assert months.months_close_task() == []
    assert MonthSnapshot.objects.get(year=2026, month=3).figures["received"] == 8


def test_the_page_says_when_a_kept_month_was_counted(
    march: list[Any], group_office: Staff, client_for: Any, frozen_time: Any
) -> None:
    frozen_time("2026-04-10 09:00")
    client = client_for(group_office)
    page = client.get(reverse("analytics-monthly"), {"month": "2026-03"})
    assert page.status_code == 200
    assert "本月已结，数据统计于2026-04-10 09:00" in page.content.decode()
    assert page.context["f"].received == 8
    live = client.get(reverse("analytics-monthly"), {"month": "2026-04"})
    assert "数据为实时统计" in live.content.decode()
    cards = client.get(reverse("analytics-scorecards"), {"month": "2026-03"})
    assert "本月已结，数据统计于2026-04-10 09:00" in cards.content.decode()
    # The API reads the same kept row.
    MonthSnapshot.objects.filter(year=2026, month=3).update(figures={**kept_march(), "received": 99})
    assert api(group_office).get("/api/v1/analytics/monthly/2026-03/").json()["received"] == 99


def kept_march() -> dict[str, Any]:
    return MonthSnapshot.objects.get(year=2026, month=3).figures


def test_the_daily_job_is_scheduled() -> None:
    schedule = Schedule.objects.get(name=CLOSE_SCHEDULE_NAME)
    assert schedule.func == "fengqiao.analytics.months.months_close_task"
    assert schedule.schedule_type == Schedule.DAILY


def test_the_monthly_report_is_scheduled_for_the_day_the_month_before_is_kept(frozen_time: Any) -> None:
    """The report of a month reads its kept figures: it runs at 07:00 on the day after the
    closing days (the 6th), after the 01:30 job kept the month — not on the 1st, when the month
    is still counted live and may yet change."""
    from zoneinfo import ZoneInfo

    from fengqiao.analytics.apps import REPORT_SCHEDULE_NAME, report_schedule_ensure

    shanghai = ZoneInfo("Asia/Shanghai")
    for now, expected in (("2026-04-03 09:00", (2026, 4, 6)), ("2026-04-06 08:00", (2026, 5, 6))):
        Schedule.objects.filter(name=REPORT_SCHEDULE_NAME).delete()
        frozen_time(now)
        report_schedule_ensure()
        run = Schedule.objects.get(name=REPORT_SCHEDULE_NAME).next_run.astimezone(shanghai)
        assert (run.year, run.month, run.day, run.hour) == (*expected, 7)
        assert run.day == months.CLOSING_DAYS + 1


def test_the_group_office_recounts_a_kept_month_from_the_page_with_its_reason(
    march: list[Any], naiman: Jurisdiction, intake_clerk: Staff, group_office: Staff, client_for: Any, frozen_time: Any
) -> None:
    """A late correction (a duplicate merged after closing) reaches the kept figures when the
    group office recounts the month from the analysis page — no shell; the reason is required
    and kept, with who recounted."""
    frozen_time("2026-04-10 09:00")
    client = client_for(group_office)
    page = client.get(reverse("analytics-monthly"), {"month": "2026-03"}).content.decode()
    assert "重新统计本月" in page
    case_merge(case=march[1], into=march[0], actor=intake_clerk, reason="同一缴费人同一事项重复登记")

    refused = client.post(reverse("analytics-recount"), {"month": "2026-03", "reason": " "}, follow=True)
    assert "请说明重新统计的原因" in refused.content.decode()
    assert MonthSnapshot.objects.get(year=2026, month=3).recounts == 0

    done = client.post(reverse("analytics-recount"), {"month": "2026-03", "reason": "重复件合并"}, follow=True)
    text = done.content.decode()
    assert "已重新统计2026年3月的数据" in text and "最近一次：" in text and "重复件合并" in text
    snapshot = MonthSnapshot.objects.get(year=2026, month=3)
    assert (snapshot.figures["received"], snapshot.recounts) == (7, 1)
    assert (snapshot.recounted_by, snapshot.recount_reason) == (group_office, "重复件合并")

    live = client.post(reverse("analytics-recount"), {"month": "2026-04", "reason": "x"}, follow=True)
    assert "该月数据为实时统计，无需重新统计" in live.content.decode()


def test_only_the_group_office_recounts_and_the_api_says_why_not(
    march: list[Any], group_office: Staff, group_leader: Staff, client_for: Any, frozen_time: Any
) -> None:
    frozen_time("2026-04-10 09:00")
    assert (
        client_for(group_leader).post(reverse("analytics-recount"), {"month": "2026-03", "reason": "x"}).status_code
        == 403
    )
    assert (
        "重新统计本月"
        not in client_for(group_leader).get(reverse("analytics-monthly"), {"month": "2026-03"}).content.decode()
    )
    assert (
        api(group_leader).post("/api/v1/analytics/recount/2026-03/", {"reason": "x"}, format="json").status_code == 403
    )

    office = api(group_office)
    missing = office.post("/api/v1/analytics/recount/2026-03/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    live = office.post("/api/v1/analytics/recount/2026-04/", {"reason": "更正"}, format="json")
    assert live.status_code == 400 and "month" in live.json()["errors"]
    done = office.post("/api/v1/analytics/recount/2026-03/", {"reason": "更正"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["recounts"] == 1 and done.json()["recount_reason"] == "更正"


def test_the_live_count_reads_through_the_replica_and_the_kept_months_from_the_primary(
    march: list[Any], naiman: Jurisdiction, frozen_time: Any
) -> None:
    """With FENGQIAO_ANALYTICS_DATABASE_URL the live month's aggregates go to the read replica
    (core.db_routers.read_replica); the kept months it compares with are read from the primary,
    where a month kept a moment ago already is. Seen here by the flag each statement ran under."""
    from fengqiao.core import db_routers

    frozen_time("2026-04-20 10:00")
    months.month_close(county=naiman, year=2026, month=3)
    ran: list[tuple[bool, str]] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        ran.append((db_routers._on_replica.get(), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        months.figures_of(county=naiman, year=2026, month=4)
        months.scorecards_of(county=naiman, year=2026, month=4)
    snapshot_reads = [flag for flag, sql in ran if "analytics_monthsnapshot" in sql]
    case_reads = [flag for flag, sql in ran if "cases_case" in sql and "analytics_monthsnapshot" not in sql]
    assert snapshot_reads and not any(snapshot_reads)
    assert case_reads and all(case_reads)


def test_a_month_being_kept_is_counted_on_the_primary(march: list[Any], naiman: Jurisdiction, frozen_time: Any) -> None:
    """What is kept for good (the first request for a closed month, the daily job, a recount
    right after a correction) is counted on the primary, not on a replica that may lag behind
    the correction; only the live months go to the replica. Seen by the flag each statement
    ran under (core.db_routers.read_replica)."""
    from fengqiao.core import db_routers

    frozen_time("2026-04-20 10:00")
    ran: list[tuple[bool, str]] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        ran.append((db_routers._on_replica.get(), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        months.figures_of(county=naiman, year=2026, month=3)  # closed, not kept yet: kept now
        months.month_close(county=naiman, year=2026, month=3, recount=True)
    case_reads = [flag for flag, sql in ran if "cases_case" in sql and "analytics_monthsnapshot" not in sql]
    assert case_reads and not any(case_reads)
    assert MonthSnapshot.objects.get(jurisdiction=naiman, year=2026, month=3).recounts == 1
