"""One step endpoint (``core.steps.StepView``): the order of fetch, check, validation and service,
and the answers each gives, tried on a real step — the group office confirms an accountability
record (五(四), ``POST /api/v1/accountability/records/{id}/confirm/``) — and the mechanism
itself on a step made here."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIRequestFactory, force_authenticate

from fengqiao.accountability import services
from fengqiao.accountability.api import RecordConfirmView
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.audit.models import AuditRecord
from fengqiao.core.steps import StepView
from fengqiao.org.models import Department, Jurisdiction, Staff

pytestmark = pytest.mark.django_db

REFUSAL = "只有领导小组办公室可以确认或决定不予追究。"


@pytest.fixture
def record(group_office: Staff, naiman: Jurisdiction) -> AccountabilityRecord:
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    data = services.RecordData(department=tax, failure=Failure.MANUAL, facts="超过签收时限未签收，经督办仍未办理")
    return services.record_enter(actor=group_office, data=data)


def _confirm(client: Any, record_id: int, body: Any) -> Any:
    url = reverse("api-accountability-record-confirm", args=[record_id])
    return client.post(url, body, content_type="application/json")


def _unchanged(record: AccountabilityRecord) -> None:
    """Nothing half-saved: the record as it was, and no confirmation in the audit chain."""
    record.refresh_from_db()
    assert (record.status, record.version, record.decision) == (RecordStatus.PROPOSED, 1, "")
    assert not AuditRecord.objects.filter(action="accountability_confirm").exists()


def test_the_step_is_taken_and_answered_with_the_representation(record, group_office, client_for) -> None:
    response = _confirm(client_for(group_office), record.pk, {"decision": "约谈税务局分管负责同志", "version": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["decision"], body["version"]) == (
        record.pk,
        RecordStatus.CONFIRMED,
        "约谈税务局分管负责同志",
        2,
    )
    assert AuditRecord.objects.filter(action="accountability_confirm", object_id=str(record.pk)).count() == 1


def test_an_unseen_object_is_a_404_like_a_missing_one(record, tax_handler, client_for) -> None:
    """A handler reads no accountability record: the record does not exist for them."""
    client = client_for(tax_handler)
    unseen = _confirm(client, record.pk, {"decision": "通报批评"})
    missing = _confirm(client, record.pk + 1000, {"decision": "通报批评"})
    assert unseen.status_code == missing.status_code == 404
    assert unseen.json() == missing.json() == {"errors": {"detail": ["未找到。"]}}
    _unchanged(record)


def test_a_refused_caller_gets_403_before_the_body_is_read(record, group_leader, client_for) -> None:
    """The leader reads the record but does not decide: 403 with the refusal's words, even for a
    body that would be a 400 (the refused learn nothing from validation)."""
    response = _confirm(client_for(group_leader), record.pk, {"decision": ""})
    assert response.status_code == 403
    assert response.json() == {"errors": {"detail": [REFUSAL]}}
    _unchanged(record)


def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(record, group_office, client_for) -> None:
    client = client_for(group_office)
    response = _confirm(client, record.pk, {"decision": "", "version": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision", "version"}
    not_an_object = _confirm(client, record.pk, ["通报批评"])
    assert not_an_object.status_code == 400
    assert list(not_an_object.json()["errors"]) == ["non_field_errors"]
    _unchanged(record)


def test_a_stale_version_is_a_409_and_saves_nothing(record, group_office, client_for) -> None:
    response = _confirm(client_for(group_office), record.pk, {"decision": "通报批评", "version": 7})
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["version"]
    _unchanged(record)


def test_a_step_answers_only_its_own_method(record, group_office, client_for) -> None:
    client = client_for(group_office)
    url = reverse("api-accountability-record-confirm", args=[record.pk])
    assert client.get(url).status_code == 405
    assert client.put(url, {"decision": "通报批评"}, content_type="application/json").status_code == 405
    _unchanged(record)


def test_the_operation_is_documented_from_the_declarations() -> None:
    """The schema of the step: its own summary and id, the request serializer, the success code
    with the response serializer and the error codes declared."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/accountability/records/{id}/confirm/"]["post"]
    assert (operation["operationId"], operation["summary"], operation["tags"]) == (
        RecordConfirmView.operation_id,
        RecordConfirmView.summary,
        ["accountability"],
    )
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AccountabilityConfirm"}
    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])  # 406, 429 … are added for all
    assert "201" not in operation["responses"] and "503" not in operation["responses"]
    assert "description" not in operation  # the view has no docstring, and not the base's either


class _Unavailable(Exception):
    pass


class _Base(StepView, abstract=True):
    unavailable = (_Unavailable,)


class _PutStep(_Base):
    """A step made here: a PUT whose service finds the server lacking."""

    method = "put"

    def perform(self, staff: Staff, obj: None, data: dict[str, Any]) -> None:
        raise _Unavailable("缺少字体：Noto Serif CJK SC")


def test_an_abstract_base_has_no_handler_and_a_step_only_its_method() -> None:
    assert not hasattr(_Base, "post") and not hasattr(_Base, "put")
    assert hasattr(_PutStep, "put") and not hasattr(_PutStep, "post")


def test_what_the_server_lacks_is_a_503_in_the_one_shape(group_office) -> None:
    request = APIRequestFactory().put("/api/v1/anything/", {}, format="json")
    force_authenticate(request, user=group_office)
    response = _PutStep.as_view()(request)
    assert response.status_code == 503
    assert response.data == {"errors": {"detail": ["缺少字体：Noto Serif CJK SC"]}}
