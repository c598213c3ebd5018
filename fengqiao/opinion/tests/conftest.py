"""Fixtures of the online-item tests: the 网信办, the office and the leader of the Naiman
Banner (with office phones, so their alerts go out through the outbox), and an item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from fengqiao.opinion.models import OnlineItem, Platform, RiskLevel
from fengqiao.opinion.services import ItemData, item_record
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.org.services import staff_create
from fengqiao.testing.personas import PASSWORD


def _staff(county: Jurisdiction, username: str, dept: str, roles: tuple[str, ...], phone: str = "") -> Staff:
    staff = staff_create(
        username=username,
        name=username,
        password=PASSWORD,
        department=Department.objects.get(jurisdiction=county, code=dept),
        roles=roles,
    )
    if phone:
        Staff.objects.filter(pk=staff.pk).update(office_phone=phone)
        staff.office_phone = phone
    return staff


@pytest.fixture
def cyberspace(naiman: Jurisdiction) -> Staff:
    """旗委网信办: records items, links them, opens lead cases (demo login ``cyberspace``)."""
    return _staff(naiman, "o_cyber", "cyberspace", (Role.CYBERSPACE_OFFICE, Role.HANDLER))


@pytest.fixture
def office(naiman: Jurisdiction) -> Staff:
    return _staff(naiman, "o_office", "tax", (Role.GROUP_OFFICE,), phone="13900000001")


@pytest.fixture
def leader(naiman: Jurisdiction) -> Staff:
    return _staff(naiman, "o_leader", "banner_gov", (Role.GROUP_LEADER,), phone="13900000002")


@pytest.fixture
def hrss_handler_o(naiman: Jurisdiction) -> Staff:
    return _staff(naiman, "o_hrss", "hrss", (Role.HANDLER,))


@pytest.fixture
def hrss_head_o(naiman: Jurisdiction) -> Staff:
    return _staff(naiman, "o_hrss_head", "hrss", (Role.DEPARTMENT_HEAD,), phone="13900000003")


@pytest.fixture
def medical_handler_o(naiman: Jurisdiction) -> Staff:
    return _staff(naiman, "o_medical", "medical", (Role.HANDLER,))


def item_data(**kwargs: Any) -> ItemData:
    values: dict[str, Any] = {
        "platform": Platform.DOUYIN,
        "url": "https://www.douyin.com/video/7300000000000000001",
        "seen_at": timezone.now() - timedelta(hours=2),
        "summary": "网民称灵活就业人员养老保险缴费基数过高，身份证150525198503150013，电话13812345678",
        "risk": RiskLevel.MEDIUM,
        "views": 12000,
        "reposts": 340,
    }
    values.update(kwargs)
    return ItemData(**values)


@pytest.fixture
def make_item(cyberspace: Staff) -> Callable[..., OnlineItem]:
    def make(**kwargs: Any) -> OnlineItem:
        actor = kwargs.pop("actor", cyberspace)
        return item_record(actor=actor, data=item_data(**kwargs))

    return make


def at(moment: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
