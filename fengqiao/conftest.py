"""Fixtures for every app: the Naiman Banner set-up, the personas, frozen time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.org.services import naiman_setup_load
from fengqiao.testing.personas import PERSONAS, persona_create


@pytest.fixture
def naiman(db: None) -> Jurisdiction:
    """The Naiman Banner (奈曼旗) with its townships, member units, leadership group, the ten
    dispute categories and the default routing rules."""
    from fengqiao.cases.defaults import routing_defaults_load
    from fengqiao.core.timelimits import defaults_load

    defaults_load()  # a transactional test elsewhere may have flushed the migration's rows
    county = naiman_setup_load()
    routing_defaults_load(county_code=county.code)
    return county


@pytest.fixture
def persona(naiman: Jurisdiction) -> Callable[[str], Staff]:
    """``persona("tax_handler")`` — a named member of staff, created once per test."""
    made: dict[str, Staff] = {}

    def get(key: str) -> Staff:
        if key not in made:
            made[key] = persona_create(key, naiman)
        return made[key]

    return get


def _persona_fixture(key: str) -> Callable[..., Staff]:
    @pytest.fixture(name=key)
    def fixture(persona: Callable[[str], Staff]) -> Staff:
        return persona(key)

    return fixture


for _key in PERSONAS:
    globals()[_key] = _persona_fixture(_key)


@pytest.fixture
def client_for(client: Client) -> Callable[[Staff], Client]:
    """A test client signed in as the given member of staff."""

    def sign_in(staff: Staff) -> Client:
        client.force_login(staff)
        return client

    return sign_in


@pytest.fixture
def frozen_time() -> Iterator[Callable[[str], time_machine.Traveller]]:
    """``frozen_time("2026-02-13 10:00")`` — stop the clock (Asia/Shanghai) for deadlines."""
    travellers: list[time_machine.travel] = []

    def freeze(moment: str) -> time_machine.Traveller:
        when = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        traveller = time_machine.travel(when, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture(autouse=True)
def _calendar_cache_clear() -> Iterator[None]:
    """A rolled-back test sends no delete signals: start and end every test with a cold
    calendar cache so entered holiday rows never leak between tests."""
    from fengqiao.core.calendar import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()
