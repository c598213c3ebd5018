"""The API of 报送办理: each path with the personas who may act, refusals in the project's error
shape, and list query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.cases.states import CaseState
from fengqiao.org.models import Staff
from fengqiao.referrals.models import ReferralStatus
from fengqiao.referrals.tests.helpers import feedback_fields, referral_of, referred_case

pytestmark = pytest.mark.django_db

START = "2026-03-02 10:00"


def api(staff: Staff | None = None) -> APIClient:
    client = APIClient()
    if staff is not None:
        client.force_authenticate(staff)
    return client


def step(staff: Staff, pk: int, name: str, **data: Any) -> Any:
    version = api(staff).get(reverse("api-referral", args=[pk])).json()["version"]
    return api(staff).post(
        reverse(f"api-referral-{name.replace('_', '-')}", args=[pk]), {"version": version, **data}, format="json"
    )


def test_dispatched_and_handled(intake_clerk, hotline_officer, hrss_handler, frozen_time) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    pk = referral_of(case).pk
    listed = api(hotline_officer).get(reverse("api-referrals"), {"view": "incoming"})
    assert listed.status_code == 200 and [r["case"] for r in listed.json()] == [case.number]
    detail = api(hotline_officer).get(reverse("api-referral", args=[pk])).json()
    assert set(detail["steps"]) >= {"dispatch", "work_order"}
    assert detail["form_document"]["pdf_url"]
    assert step(hotline_officer, pk, "work_order", work_order_number="NM-77").json()["work_order_number"] == "NM-77"
    body = step(hotline_officer, pk, "dispatch", department="hrss", kind="consultation").json()
    assert body["status"] == ReferralStatus.DISPATCHED and body["department"] == "hrss"
    assert step(hrss_handler, pk, "sign").json()["status"] == ReferralStatus.SIGNED
    answered = step(hrss_handler, pk, "feedback", **feedback_fields(case))
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == ReferralStatus.ANSWERED
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def test_returned_and_redispatched_then_designated(intake_clerk, hotline_officer, naiman, frozen_time) -> None:
    from fengqiao.handling.tests.handling_helpers import worker

    frozen_time(START)
    pk = referral_of(referred_case(intake_clerk)).pk
    for code in ("hrss", "medical", "finance"):
        assert step(hotline_officer, pk, "dispatch", department=code).status_code == 200
        assert step(worker(naiman, code), pk, "return", reason="不属本部门职责").json()["returns"] >= 1
    refused = step(hotline_officer, pk, "dispatch", department="hrss")
    assert refused.status_code == 409 and "errors" in refused.json()
    designated = step(hotline_officer, pk, "designate", department="hrss").json()
    assert designated["designated"] is True
    no_return = step(worker(naiman, "hrss"), pk, "return", reason="仍不属本部门职责")
    assert no_return.status_code == 409


def test_refused_and_transferred(intake_clerk, hotline_officer, hrss_handler, discipline_liaison, frozen_time) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    pk = referral_of(case).pk
    step(hotline_officer, pk, "dispatch", department="hrss")
    step(hrss_handler, pk, "return", reason="不属本部门职责")
    assert step(hotline_officer, pk, "reject_return", reason="理由不成立").json()["return_rejected"] is True
    early = step(intake_clerk, pk, "transfer")
    assert early.status_code == 409
    frozen_time("2026-03-05 10:00")
    assert api(intake_clerk).get(reverse("api-referral", args=[pk])).json()["refusal"] == "return_rejected"
    created = step(intake_clerk, pk, "transfer", note="拒不签收")
    assert created.status_code == 201, created.json()
    listed = api(discipline_liaison).get(reverse("api-discipline-transfers")).json()
    assert [t["case"] for t in listed] == [case.number]
    pdf = api(discipline_liaison).get(listed[0]["letter"]["pdf_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    one = api(discipline_liaison).get(reverse("api-discipline-transfer", args=[listed[0]["id"]]))
    assert one.status_code == 200
    assert api(hrss_handler).get(reverse("api-discipline-transfers")).json() == []


def test_anonymous_gets_401(intake_clerk, frozen_time) -> None:
    frozen_time(START)
    pk = referral_of(referred_case(intake_clerk)).pk
    assert api().get(reverse("api-referrals")).status_code == 401
    response = api().post(reverse("api-referral-dispatch", args=[pk]), {"department": "hrss"}, format="json")
    assert response.status_code == 401 and "errors" in response.json()


@pytest.mark.parametrize(
    "who,code", [("outsider", 404), ("medical_handler", 404), ("intake_clerk", 403), ("group_office", 403)]
)
def test_dispatch_permissions(who, code, persona, intake_clerk, frozen_time) -> None:
    frozen_time(START)
    pk = referral_of(referred_case(intake_clerk)).pk
    response = api(persona(who)).post(
        reverse("api-referral-dispatch", args=[pk]), {"department": "hrss"}, format="json"
    )
    assert response.status_code == code and "errors" in response.json()


def test_bad_input_names_the_field(intake_clerk, hotline_officer, frozen_time) -> None:
    frozen_time(START)
    pk = referral_of(referred_case(intake_clerk)).pk
    response = api(hotline_officer).post(
        reverse("api-referral-dispatch", args=[pk]), {"department": "nope"}, format="json"
    )
    assert response.status_code == 400 and "department" in response.json()["errors"]
    stale = api(hotline_officer).post(
        reverse("api-referral-dispatch", args=[pk]), {"department": "hrss", "version": 99}, format="json"
    )
    assert stale.status_code == 409


def test_list_query_counts_do_not_grow(intake_clerk, hotline_officer, discipline_liaison, frozen_time) -> None:
    frozen_time(START)
    referred_case(intake_clerk)
    client = api(hotline_officer)
    client.get(reverse("api-referrals"))  # the caller's roles are read once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(reverse("api-referrals")).json()) == 1
    for n in ("150525199001010015", "150525199202020011", "15052519930303001X"):
        referred_case(intake_clerk, id_number=n)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(reverse("api-referrals")).json()) == 4
    assert len(four) == len(one)
    liaison = api(discipline_liaison)
    with CaptureQueriesContext(connection) as empty:
        liaison.get(reverse("api-discipline-transfers"))
    assert len(empty) <= 4
