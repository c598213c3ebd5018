"""The consultation API: a major consultation end to end, the permission matrix of every
endpoint, the error shape and the list's query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.documents.tests import pdfcheck
from fengqiao.meetings import selectors, services
from fengqiao.meetings.models import Consultation, ConsultationKind
from fengqiao.meetings.tests.helpers import plan, two_cases
from fengqiao.org.models import Department, Staff


def _api(staff: Staff | None = None) -> APIClient:
    client = APIClient()
    if staff is not None:
        client.force_authenticate(staff)
    return client


def _endpoints(c: Consultation) -> list[tuple[str, str, dict]]:
    return [
        ("post", reverse("api-consultation-step", args=[c.pk]), {"action": "hold"}),
        ("post", reverse("api-consultation-approval", args=[c.pk]), {"approve": True}),
        ("put", reverse("api-consultation-attendance", args=[c.pk]), {"attendees": []}),
        ("put", reverse("api-consultation-minutes", args=[c.pk]), {"conclusions": ["x"]}),
        ("post", reverse("api-consultation-resolutions", args=[c.pk]), {"department": "tax", "text": "x"}),
        ("post", reverse("api-consultation-resolution-task", args=[c.pk, 999]), {}),
        ("post", reverse("api-consultation-issue", args=[c.pk]), {}),
    ]


@pytest.fixture
def tax_only(naiman, intake_clerk, group_office) -> Consultation:
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first,))
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    return services.attendance_set(
        consultation=consultation, actor=group_office, attendees=[services.AttendeeData(department=tax, name="甲")]
    )


@pytest.mark.django_db
def test_permission_matrix(tax_only, hrss_handler, tax_handler, group_leader) -> None:
    detail = reverse("api-consultation", args=[tax_only.pk])
    assert _api().get(detail).status_code == 401
    assert _api().get(reverse("api-consultations")).status_code == 401
    other = _api(hrss_handler)
    response = other.get(detail)
    assert response.status_code == 404 and response.json() == {
        "errors": {"detail": [response.json()["errors"]["detail"][0]]}
    }
    for method, url, body in _endpoints(tax_only):
        assert getattr(other, method)(url, body, format="json").status_code == 404, url
    assert _api(tax_handler).get(detail).status_code == 200
    for reader in (tax_handler, group_leader):
        client = _api(reader)
        assert client.post(reverse("api-consultations"), {}, format="json").status_code == 403
        for method, url, body in _endpoints(tax_only):
            if "approval" in url and reader == group_leader:
                continue  # the leader's own endpoint: 409 (not awaiting approval), tested below
            assert getattr(client, method)(url, body, format="json").status_code == 403, (reader, url)
    response = _api(group_leader).post(reverse("api-consultation-approval", args=[tax_only.pk]), {"approve": True})
    assert response.status_code == 409 and "non_field_errors" in response.json()["errors"]


@pytest.mark.django_db
def test_major_consultation_through_the_api(naiman, intake_clerk, group_office, group_leader) -> None:
    first, second = two_cases(intake_clerk)
    office = _api(group_office)
    bad = office.post(reverse("api-consultations"), {"kind": "major", "topic": "", "place": "x"}, format="json")
    assert bad.status_code == 400 and {"topic", "starts_at"} <= set(bad.json()["errors"])
    response = office.post(
        reverse("api-consultations"),
        {
            "kind": ConsultationKind.MAJOR,
            "topic": "专题会商",
            "starts_at": "2026-03-10T09:30:00+08:00",
            "place": "会议室",
            "cases": [first.number, second.number],
            "policy_issue": "口径问题",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert body["status"] == "planned" and len(body["attendees"]) > 5
    office.post(reverse("api-consultation-step", args=[pk]), {"action": "request_approval"}, format="json")
    stale = office.post(reverse("api-consultation-step", args=[pk]), {"action": "hold", "version": 1}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()["errors"]
    assert (
        _api(group_leader).post(reverse("api-consultation-approval", args=[pk]), {"approve": True}).status_code == 200
    )
    attendees = [
        {"department": "tax", "name": "甲", "attendance": "present"},
        {"department": "hrss", "name": "乙", "attendance": "leave"},
        {"department": "justice", "name": "丙", "attendance": "observer"},
    ]
    response = office.put(reverse("api-consultation-attendance", args=[pk]), {"attendees": attendees}, format="json")
    assert response.status_code == 200, response.json()
    assert (
        office.post(reverse("api-consultation-step", args=[pk]), {"action": "hold"}, format="json").status_code == 200
    )
    response = office.put(
        reverse("api-consultation-minutes", args=[pk]),
        {"discussion": "听取汇报", "conclusions": ["统一口径", "限期答复"]},
        format="json",
    )
    assert response.json()["conclusions"] == ["统一口径", "限期答复"]
    resolutions = reverse("api-consultation-resolutions", args=[pk])
    r1 = office.post(resolutions, {"department": "hrss", "case": first.number, "text": "出具解释"}, format="json")
    r2 = office.post(resolutions, {"department": "tax", "text": "统一执行"}, format="json")
    assert r1.status_code == r2.status_code == 201
    task = office.post(reverse("api-consultation-resolution-task", args=[pk, r1.json()["id"]]))
    assert task.status_code == 201 and task.json()["task"]
    assert office.get(resolutions).json()[0]["task"] == task.json()["task"]
    issued = office.post(reverse("api-consultation-issue", args=[pk]), {}, format="json")
    assert issued.status_code == 201, issued.json()
    pdf = office.get(issued.json()["pdf_url"])
    data = b"".join(pdf.streaming_content)  # type: ignore[attr-defined]
    text = pdfcheck.text_of(data).replace(" ", "")
    assert "出席：" in text and "请假：" in text and "列席：" in text and "司法" in text
    docx = office.get(issued.json()["docx_url"])
    assert b"".join(docx.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    assert selectors.minutes_issued_for(first) and selectors.minutes_issued_for(second)


@pytest.mark.django_db
def test_list_query_count(naiman, intake_clerk, group_office) -> None:
    first, second = two_cases(intake_clerk)
    plan(group_office, cases=(first,))
    client = _api(group_office)
    client.get(reverse("api-consultations"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("api-consultations"))
    for i in range(4):
        plan(group_office, cases=(first, second), topic=f"t{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("api-consultations")).json()) == 5
    assert len(many) == len(few)
