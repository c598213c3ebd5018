"""POST /api/v1/hotline/work-orders/: the 12345 platform's work orders become cases (四(八))."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case, CaseEvent, Channel, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.integrations.models import Endpoint, OutboxMessage, WorkOrder, WorkOrderKind
from fengqiao.org.models import Staff

URL = "/api/v1/hotline/work-orders/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Callable[[Staff | None], APIClient]:
    def make(staff: Staff | None) -> APIClient:
        client = APIClient()
        if staff is not None:
            token, _created = Token.objects.get_or_create(user=staff)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def body(number: str = "GD20260213000123", **extra: Any) -> dict[str, Any]:
    return {
        "work_order_number": number,
        "received_at": "2026-02-13T09:30:00+08:00",
        "kind": "complaint",
        "caller_name": "张三",
        "id_number": "150525198503150013",
        "phone": "13812345678",
        "township": "150525100",
        "categories": ["04"],
        "summary": "对灵活就业人员养老保险缴费金额有异议",
        "claims": "按实际收入核定缴费基数",
        **extra,
    }


def test_a_work_order_becomes_a_case_once(api, hotline_officer) -> None:
    client = api(hotline_officer)
    first = client.post(URL, body(), format="json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["created"] is True and data["linked"] is False and data["state"] == CaseState.REGISTERED
    case = Case.objects.get(number=data["case_number"])
    assert (case.channel, case.owner, case.receiving_department) == (
        Channel.HOTLINE,
        hotline_officer,
        hotline_officer.department,
    )
    assert "GD20260213000123" in case.summary
    work_order = WorkOrder.objects.get()
    assert (work_order.case, work_order.kind, work_order.created_by) == (case, WorkOrderKind.COMPLAINT, hotline_officer)
    assert "150525198503150013" in work_order.payload  # kept, encrypted at rest

    again = client.post(URL, body(summary="重复推送"), format="json")
    assert again.status_code == 200
    assert again.json() == {**data, "created": False}
    assert Case.objects.count() == 1 and WorkOrder.objects.count() == 1


def test_a_wrong_id_check_character_is_a_400_naming_the_field(api, hotline_officer) -> None:
    response = api(hotline_officer).post(URL, body(id_number="150525198503150019"[:-1] + "X"), format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]
    assert Case.objects.count() == 0 and WorkOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caller_name": ""}, "caller_name"),
        ({"work_order_number": ""}, "work_order_number"),
        ({"kind": "praise"}, "kind"),
        ({"township": "999999999"}, "township"),
        ({"categories": ["99"]}, "categories"),
        ({"phone": "123"}, "phone"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_bad_payloads_name_their_field(api, hotline_officer, change, field) -> None:
    response = api(hotline_officer).post(URL, body(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


def test_only_the_hotline_office_may_send_work_orders(api, hotline_officer, tax_handler, intake_clerk) -> None:
    assert api(None).post(URL, body(), format="json").status_code == 401
    assert api(tax_handler).post(URL, body(), format="json").status_code == 403
    assert api(intake_clerk).post(URL, body(), format="json").status_code == 403
    assert Case.objects.count() == 0


def test_a_work_order_may_join_an_existing_case(api, hotline_officer) -> None:
    client = api(hotline_officer)
    case_number = client.post(URL, body("GD-1"), format="json").json()["case_number"]
    linked = client.post(URL, {**body("GD-2"), "case_number": case_number}, format="json")
    assert linked.status_code == 201
    assert linked.json()["case_number"] == case_number and linked.json()["linked"] is True
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case__number=case_number, kind=EventKind.LINKED, data__work_order_number="GD-2")
    unknown = client.post(URL, {**body("GD-3"), "case_number": "nope"}, format="json")
    assert unknown.status_code == 400 and "case_number" in unknown.json()["errors"]


def test_status_changes_of_a_work_order_case_go_to_the_outbox_on_commit(
    api, hotline_officer, django_capture_on_commit_callbacks
) -> None:
    Endpoint.objects.create(name="12345", url="https://12345.example.org/status", secret="k")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(hotline_officer).post(URL, body(), format="json")
    case = Case.objects.get(number=response.json()["case_number"])
    event = case.events.get(kind=EventKind.REGISTERED)
    message = OutboxMessage.objects.get()
    assert message.idempotency_key == f"case-{case.pk}-event-{event.pk}"
    assert message.payload["work_order_number"] == "GD20260213000123"
    assert message.payload["to_state"] == CaseState.REGISTERED
    assert "id_number" not in message.payload and "phone" not in message.payload


def test_the_delivery_job_is_scheduled_every_minute_and_has_a_command(naiman) -> None:
    from django_q.models import Schedule

    from fengqiao.integrations.apps import OUTBOX_SCHEDULE_NAME, outbox_schedule_ensure

    outbox_schedule_ensure()
    outbox_schedule_ensure()
    schedule = Schedule.objects.get(name=OUTBOX_SCHEDULE_NAME)
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
    call_command("outbox_deliver", "--limit", "5")


def test_the_openapi_schema_documents_the_work_order_api_and_the_callback(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/hotline/work-orders/:" in text
    assert "callbacks:" in text and "X-Fengqiao-Signature" in text
