"""Dates that make sense in 会商 (issue 11 §3; ``core.dates``): a consultation is planned within
reach and not before the mechanism (奈政字〔2024〕123号, 2024-09-11); on cases it is held after
they were received (四(三)3 会商 discusses cases that were registered); a resolution's 办理期限
named by hand is not before the meeting, within reach, and on a working day — a year whose
holidays are missing is said so. Each error is under its field and names the bound."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from fengqiao.meetings import services
from fengqiao.meetings.models import Consultation, ConsultationKind
from fengqiao.meetings.tests.helpers import TZ, plan, two_cases
from fengqiao.org.models import Department

pytestmark = pytest.mark.django_db


def message(field: str, call, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value.message_dict[field][0]


def test_a_consultation_is_planned_within_reach_and_not_before_the_mechanism(naiman, group_office, frozen_time):
    frozen_time("2026-03-02 09:00")
    far = datetime(9999, 12, 31, 9, 0, tzinfo=TZ)
    assert "会商时间不能晚于今后366日（2027-03-03）" in message("starts_at", plan, group_office, starts_at=far)
    old = datetime(1900, 1, 1, 9, 0, tzinfo=TZ)
    assert "会商时间不能早于本机制施行之日（2024-09-11" in message("starts_at", plan, group_office, starts_at=old)
    assert not Consultation.objects.exists()


def test_a_consultation_on_cases_is_held_after_they_were_received(
    naiman, intake_clerk, group_office, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    first, second = two_cases(intake_clerk)
    consultation = plan(
        group_office,
        kind=ConsultationKind.GENERAL,
        cases=(first, second),
        starts_at=datetime(2026, 3, 2, 8, 0, tzinfo=TZ),
    )
    early = datetime(2026, 3, 2, 8, 30, tzinfo=TZ)
    text = message("held_at", services.consultation_hold, consultation=consultation, actor=group_office, held_at=early)
    assert "召开时间不能早于案件" in text and "的受理时间（2026-03-02 09:00）" in text
    held = services.consultation_hold(consultation=consultation, actor=group_office)
    assert held.held_at is not None


def test_a_resolution_deadline_named_by_hand_makes_sense(naiman, intake_clerk, group_office, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    first, second = two_cases(intake_clerk)
    consultation = plan(
        group_office,
        kind=ConsultationKind.GENERAL,
        cases=(first, second),
        starts_at=datetime(2026, 3, 2, 9, 0, tzinfo=TZ),
    )
    consultation = services.consultation_hold(consultation=consultation, actor=group_office)
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    add = {"consultation": consultation, "actor": group_office, "department": tax, "text": "复核缴费基数"}
    assert "办理期限不能早于会商召开之日（2026-03-02" in message(
        "due_on", services.resolution_add, due_on=date(2026, 2, 27), **add
    )
    assert "今后366日" in message("due_on", services.resolution_add, due_on=date(9999, 12, 31), **add)
    assert "不是工作日" in message("due_on", services.resolution_add, due_on=date(2026, 3, 7), **add)  # Saturday
    assert "2027年的节假日安排尚未录入" in message("due_on", services.resolution_add, due_on=date(2027, 1, 1), **add)
    assert not consultation.resolutions.exists()
    resolution = services.resolution_add(due_on=date(2026, 3, 9), **add)
    assert resolution.due_on == date(2026, 3, 9)
