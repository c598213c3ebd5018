"""Building blocks for case tests: a valid registration in one call."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fengqiao.cases.models import Case, Channel, DisputeCategory, PayerGroup, PayerKind
from fengqiao.cases.services import IntakeData, PayerData, case_register
from fengqiao.cases.states import IntakeOutcome
from fengqiao.org.models import Jurisdiction, Staff

DEFAULT_ID = "150525198503150013"


def intake_data(
    clerk: Staff,
    *,
    outcome: str = IntakeOutcome.REVIEW,
    id_number: str = DEFAULT_ID,
    phone: str = "13812345678",
    address: str = "",
    categories: tuple[str, ...] = ("04",),
    township: str = "150525100",
    name: str = "张三",
    **extra: Any,
) -> IntakeData:
    return IntakeData(
        payer=PayerData(
            kind=PayerKind.PERSON,
            name=name,
            payer_group=PayerGroup.FLEXIBLE,
            id_number=id_number,
            phone=phone,
            address=address,
        ),
        channel=Channel.WINDOW,
        received_at=timezone.now(),
        township=Jurisdiction.objects.get(code=township),
        categories=list(DisputeCategory.objects.filter(code__in=categories)),
        summary="对2026年灵活就业人员养老保险缴费金额有异议",
        claims="按实际收入核定缴费基数",
        outcome=outcome,
        **extra,
    )


def intake(clerk: Staff, **kwargs: Any) -> Case:
    return case_register(actor=clerk, data=intake_data(clerk, **kwargs))
