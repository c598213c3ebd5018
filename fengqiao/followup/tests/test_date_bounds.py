"""Dates that make sense in 结果反馈, 跟踪回访 and 救济途径 (issue 11 §3; ``core.dates``).

A date that records a fact (送达时间, 回访时间, 申请/起诉日期, 结果日期) is not in the future
and not before what it follows (the decision notice, the case, the filing); a planned date
(回访日期, 下次跟踪日期) lies between today and ``PLAN_HORIZON_DAYS`` ahead. Each error is under
the field and names the bound; nothing is saved."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.followup import services
from fengqiao.followup.models import (
    Delivery,
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def error(field: str, call, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    return info.value.message_dict[field][0]


@pytest.fixture
def decided(naiman, intake_clerk, tax_handler, department_head, frozen_time):
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-03 10:00")
    return case


@pytest.fixture
def tracking(decided, intake_clerk):
    """The payer objected at the visit: remedies are tracked."""
    services.feedback_record(
        case=decided, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON
    )
    services.visit_record(
        visit=Visit.objects.get(case=decided),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    return decided


def test_delivery_is_not_in_the_future_nor_before_the_notice(decided, intake_clerk) -> None:
    kwargs = {"case": decided, "actor": intake_clerk, "recipient": Recipient.PAYER, "method": DeliveryMethod.IN_PERSON}
    ahead = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)
    assert "送达时间不能晚于当前时间（2026-03-03 10:00）" in error(
        "delivered_at", services.feedback_record, delivered_at=ahead, **kwargs
    )
    early = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert "送达时间不能早于处理意见书出具时间（2026-03-02" in error(
        "delivered_at", services.feedback_record, delivered_at=early, **kwargs
    )
    assert not Delivery.objects.exists()


def test_a_visit_planned_within_reach_and_recorded_after_the_case(decided, intake_clerk) -> None:
    services.feedback_record(
        case=decided, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON
    )
    visit = Visit.objects.get(case=decided)
    message = error(
        "scheduled_on", services.visit_schedule, case=decided, actor=intake_clerk, scheduled_on=date(9999, 12, 31)
    )
    assert "回访日期不能晚于今后366日（2027-03-04）" in message
    message = error(
        "scheduled_on", services.visit_schedule, case=decided, actor=intake_clerk, scheduled_on=date(2026, 3, 2)
    )
    assert "回访日期不能早于今天（2026-03-03）" in message
    record = {
        "visit": visit,
        "actor": intake_clerk,
        "method": VisitMethod.PHONE,
        "satisfaction": Satisfaction.SATISFIED,
        "objects_to_decision": False,
    }
    message = error("done_at", services.visit_record, done_at=datetime(1900, 1, 1, 9, 0, tzinfo=SHANGHAI), **record)
    assert "回访时间不能早于案件受理时间（2026-03-02 09:00）" in message
    message = error("done_at", services.visit_record, done_at=datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI), **record)
    assert "回访时间不能晚于当前时间" in message
    visit.refresh_from_db()
    assert visit.done_at is None


def test_a_remedy_is_filed_between_the_case_and_today_and_checked_within_reach(tracking, intake_clerk) -> None:
    """A remedy is filed against this case's decision: not before the case, not in the future;
    its next check lies ahead within the horizon; its outcome between filing and today."""
    base = {"case": tracking, "actor": intake_clerk, "kind": RemedyKind.RECONSIDERATION, "body": "通辽市税务局"}
    assert "申请日期不能早于案件受理时间" in error(
        "filed_on", services.remedy_record, filed_on=date(1900, 1, 1), **base
    )
    assert "申请日期不能晚于今天（2026-03-03）" in error(
        "filed_on", services.remedy_record, filed_on=date(2026, 3, 4), **base
    )
    assert "下次跟踪日期不能晚于今后366日" in error(
        "next_check_on", services.remedy_record, filed_on=date(2026, 3, 3), next_check_on=date(9999, 12, 31), **base
    )
    assert not Remedy.objects.exists()
    remedy = services.remedy_record(filed_on=date(2026, 3, 3), **base)
    assert "下次跟踪日期不能晚于今后366日" in error(
        "next_check_on", services.remedy_check, remedy=remedy, actor=intake_clerk, next_check_on=date(9999, 12, 31)
    )
    outcome = {"remedy": remedy, "actor": intake_clerk, "outcome": RemedyOutcome.UPHELD}
    assert "结果日期不能早于申请日期（2026-03-03）" in error(
        "outcome_on", services.remedy_outcome, outcome_on=date(2026, 3, 2), **outcome
    )
    assert "结果日期不能晚于今天（2026-03-03）" in error(
        "outcome_on", services.remedy_outcome, outcome_on=date(2026, 3, 3) + timedelta(days=1), **outcome
    )


def test_the_api_answers_under_the_field(decided, intake_clerk, client_for) -> None:
    response = client_for(intake_clerk).post(
        reverse("api-case-deliveries", args=[decided.number]),
        {"recipient": "payer", "method": "in_person", "delivered_at": "2027-03-03T10:00:00+08:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "送达时间不能晚于当前时间" in response.json()["errors"]["delivered_at"][0]
