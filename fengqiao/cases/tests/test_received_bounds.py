"""来访时间 that makes sense (issue 11 §3): a case received 1900-01-01 was accepted and opened a
1900 number series. 四(一) registers the 来访时间 of a payer who has come, under the mechanism
of 奈政字〔2024〕123号 (issued 2024-09-11): not ahead of the clock, not before the mechanism —
refused by ``case_register`` (so the page, the API and the 12345 work orders alike), the
error under ``received_at`` saying the bound, nothing saved."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases.models import Case, CaseNumbering, Payer
from fengqiao.cases.services import case_register
from fengqiao.cases.tests.helpers import intake_data
from fengqiao.cases.tests.test_api import body
from fengqiao.cases.tests.test_views import form_data

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def nothing_saved() -> bool:
    return not Case.objects.exists() and not Payer.objects.exists() and not CaseNumbering.objects.exists()


def test_service_refuses_a_case_received_before_the_mechanism_and_opens_no_1900_series(intake_clerk, naiman) -> None:
    """奈政字〔2024〕123号 (2024-09-11): 1900-01-01 is refused, no 1900 numbering row."""
    data = intake_data(intake_clerk)
    data.received_at = datetime(1900, 1, 1, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(ValidationError) as info:
        case_register(actor=intake_clerk, data=data)
    [message] = info.value.message_dict["received_at"]
    assert "2024-09-11" in message and "奈政字〔2024〕123号" in message
    assert nothing_saved()


def test_service_refuses_a_case_received_in_the_future(intake_clerk, naiman, frozen_time) -> None:
    """四(一) records when the payer came: an hour ahead of the clock is refused, a clock a few
    minutes fast is not."""
    frozen_time("2026-02-13 10:00")
    data = intake_data(intake_clerk)
    data.received_at = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError) as info:
        case_register(actor=intake_clerk, data=data)
    assert "不能晚于当前时间（2026-02-13 10:00）" in info.value.message_dict["received_at"][0]
    assert nothing_saved()
    data.received_at = timezone.now() + timedelta(minutes=3)
    case = case_register(actor=intake_clerk, data=data)
    assert case.number.split("-")[1] == "2026"


def test_the_check_costs_no_query(intake_clerk, naiman) -> None:
    """The bound is a setting, not a row: registering reads nothing more for it."""
    data = intake_data(intake_clerk)
    with CaptureQueriesContext(connection) as ok:
        case_register(actor=intake_clerk, data=data)
    data = intake_data(intake_clerk, id_number="150525199001011237")
    data.received_at = datetime(1900, 1, 1, 9, 0, tzinfo=SHANGHAI)
    with CaptureQueriesContext(connection) as refused, pytest.raises(ValidationError):
        case_register(actor=intake_clerk, data=data)
    assert len(refused) < len(ok)


def test_intake_page_shows_the_bound_beside_来访时间(client_for, intake_clerk, naiman) -> None:
    response = client_for(intake_clerk).post(reverse("case-intake"), form_data(received_at="1900-01-01 09:00"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "received_at" in errors and "2024-09-11" in errors["received_at"][0]
    assert "2024-09-11" in response.content.decode()
    assert nothing_saved()


def test_intake_api_answers_400_under_received_at(client_for, intake_clerk, naiman) -> None:
    response = client_for(intake_clerk).post(
        "/api/v1/cases/", body(received_at="1900-01-01T09:00:00+08:00"), content_type="application/json"
    )
    assert response.status_code == 400
    [message] = response.json()["errors"]["received_at"]
    assert "不能早于本机制施行之日（2024-09-11" in message
    assert nothing_saved()
    ahead = (timezone.localtime() + timedelta(days=1)).isoformat()
    response = client_for(intake_clerk).post("/api/v1/cases/", body(received_at=ahead), content_type="application/json")
    assert response.status_code == 400 and "不能晚于当前时间" in response.json()["errors"]["received_at"][0]
    assert nothing_saved()


def test_demo_cases_are_received_on_or_after_the_mechanism_start(naiman, settings) -> None:
    """The demo generator inserts rows itself; it keeps the same bound (years=5 reaches 2021)."""
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_cases", cases=60, batch=60, years=5, verbosity=0)
    first: Any = Case.objects.order_by("received_at").values_list("received_at", flat=True).first()
    assert timezone.localtime(first).date().isoformat() >= "2024-09-11"
    assert not CaseNumbering.objects.filter(year__lt=2024).exists()
