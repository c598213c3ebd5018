"""Building blocks for consultation tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fengqiao.cases.models import Case
from fengqiao.cases.tests.helpers import intake
from fengqiao.meetings import services
from fengqiao.meetings.models import Consultation, ConsultationKind
from fengqiao.org.models import Staff

TZ = ZoneInfo("Asia/Shanghai")


def two_cases(clerk: Staff) -> tuple[Case, Case]:
    first = intake(clerk)
    second = intake(clerk, id_number="150525199001011232", phone="13912345678")
    return first, second


def plan(
    office: Staff, *, kind: str = ConsultationKind.MAJOR, cases: tuple[Case, ...] = (), **extra: Any
) -> Consultation:
    data = services.ConsultationData(
        kind=kind,
        topic=extra.pop("topic", "灵活就业人员缴费基数核定争议"),
        starts_at=extra.pop("starts_at", datetime(2026, 3, 10, 9, 30, tzinfo=TZ)),
        place=extra.pop("place", "旗税务局三楼会议室"),
        policy_issue=extra.pop("policy_issue", "灵活就业人员缴费基数下限的适用口径"),
        cases=cases,
        **extra,
    )
    return services.consultation_create(actor=office, data=data)
