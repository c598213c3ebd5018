"""The consultation pages: the permission matrix of every page (anonymous, another
department, a member who may read but not act, one who may act), a major consultation run
through the pages, the list's query count and the case page's 会商 list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.meetings import selectors, services
from fengqiao.meetings.models import Attendance, Consultation, ConsultationKind, ConsultationStatus
from fengqiao.meetings.tests.helpers import plan, two_cases
from fengqiao.org.models import Department

# (url name, method, needs a resolution id) — every page of the app on one consultation.
READ_PAGES = ["consultation-detail"]
EDIT_PAGES = [
    ("consultation-edit", "get"),
    ("consultation-attendance", "get"),
    ("consultation-minutes", "get"),
    ("consultation-step", "post"),
    ("consultation-resolution-add", "post"),
    ("consultation-minutes-issue", "post"),
]


@pytest.fixture
def tax_only(naiman, intake_clerk, group_office) -> Consultation:
    """A major consultation on one case that only the tax bureau attends."""
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first,))
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    return services.attendance_set(
        consultation=consultation, actor=group_office, attendees=[services.AttendeeData(department=tax, name="甲")]
    )


def _url(name: str, c: Consultation) -> str:
    return reverse(name, args=[c.pk])


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client: Client, tax_only: Consultation) -> None:
    for name in ["consultation-list", "consultation-create"]:
        assert client.get(reverse(name)).status_code == 302
    for name in [*READ_PAGES, *(n for n, _m in EDIT_PAGES), "consultation-decide"]:
        response = (
            client.post(_url(name, tax_only)) if name != "consultation-detail" else client.get(_url(name, tax_only))
        )
        assert response.status_code == 302, name
        assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hrss_handler", "outsider"])
def test_other_department_gets_404(who, tax_only, client_for, request) -> None:
    client = client_for(request.getfixturevalue(who))
    for name in [*READ_PAGES, "consultation-decide", *(n for n, _m in EDIT_PAGES)]:
        method = dict(EDIT_PAGES).get(name, "post" if name == "consultation-decide" else "get")
        response = getattr(client, method)(_url(name, tax_only))
        assert response.status_code == 404, name
    assert client.get(reverse("consultation-list")).status_code == 200
    assert not selectors.consultations_visible_to(request.getfixturevalue(who)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tax_handler", "group_leader"])
def test_readers_may_not_act(who, tax_only, client_for, request) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(_url("consultation-detail", tax_only)).status_code == 200
    assert client.get(reverse("consultation-create")).status_code == 403
    for name, method in EDIT_PAGES:
        assert getattr(client, method)(_url(name, tax_only)).status_code == 403, name


@pytest.mark.django_db
def test_only_the_leader_decides(tax_only, client_for, group_office, group_leader, tax_handler) -> None:
    services.consultation_request_approval(consultation=tax_only, actor=group_office)
    for staff in (group_office, tax_handler):
        assert client_for(staff).post(_url("consultation-decide", tax_only), {"decision": "approve"}).status_code == 403
    response = client_for(group_leader).post(_url("consultation-decide", tax_only), {"decision": "approve"})
    assert response.status_code == 302
    tax_only.refresh_from_db()
    assert tax_only.status == ConsultationStatus.APPROVED


@pytest.mark.django_db
def test_major_consultation_through_the_pages(naiman, intake_clerk, group_office, group_leader, client_for) -> None:
    first, second = two_cases(intake_clerk)
    office = client_for(group_office)
    assert office.get(reverse("consultation-create")).status_code == 200
    response = office.post(
        reverse("consultation-create"),
        {
            "kind": ConsultationKind.MAJOR,
            "topic": "缴费基数争议专题会商",
            "starts_at": "2026-03-10T09:30",
            "place": "旗政府第一会议室",
            "case_numbers": f"{first.number}、{second.number}",
            "policy_issue": "基数下限口径",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get(topic="缴费基数争议专题会商")
    assert set(consultation.cases.all()) == {first, second}
    bad = office.post(
        reverse("consultation-create"),
        {"kind": "general", "topic": "x", "starts_at": "2026-03-10T09:30", "place": "y", "case_numbers": "NOPE-1"},
    )
    assert bad.status_code == 200 and "NOPE-1" in bad.content.decode()

    step = _url("consultation-step", consultation)
    office.post(step, {"action": "request_approval", "reason": "重大", "version": consultation.version})
    client_for(group_leader).post(_url("consultation-decide", consultation), {"decision": "approve"})
    office = client_for(group_office)
    assert office.get(_url("consultation-attendance", consultation)).status_code == 200
    rows = list(selectors.attendees_of(consultation))
    data: dict[str, object] = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, a in enumerate(rows):
        data[f"form-{i}-department"] = a.department_id
        data[f"form-{i}-name"] = a.name or f"代表{i}"
        data[f"form-{i}-title"] = a.title
        data[f"form-{i}-attendance"] = Attendance.LEAVE if i == 0 else a.attendance
    assert office.post(_url("consultation-attendance", consultation), data).status_code == 302
    office.post(step, {"action": "hold"})
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.HELD
    response = office.post(
        _url("consultation-minutes", consultation),
        {"discussion": "会议听取汇报。", "conclusions": "统一口径。\n限期答复。", "chair": "组长"},
    )
    assert response.status_code == 302
    hrss = Department.objects.get(jurisdiction=naiman, code="hrss")
    office.post(
        _url("consultation-resolution-add", consultation),
        {"department": hrss.pk, "case": first.pk, "text": "出具解释", "make_task": "on"},
    )
    assert consultation.resolutions.get().task is not None
    assert office.get(_url("consultation-minutes", consultation)).status_code == 200
    assert office.post(_url("consultation-minutes-issue", consultation)).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.MINUTES_ISSUED
    document = consultation.documents.get()
    for fmt, kind in (("pdf", "application/pdf"), ("docx", "application/vnd.openxmlformats")):
        response = office.get(reverse("consultation-minutes-download", args=[consultation.pk, document.pk, fmt]))
        assert response.status_code == 200 and response["Content-Type"].startswith(kind)
        assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"PK\x03\x04")
    # A department that attended sees the consultation and downloads the minutes; the case page lists it.
    page = client_for(group_leader).get(reverse("case-detail", args=[first.number])).content.decode()
    assert "缴费基数争议专题会商" in page
    assert selectors.minutes_issued_for(first) and selectors.minutes_issued_for(second)


@pytest.mark.django_db
def test_list_query_count_is_constant(naiman, intake_clerk, group_office, client_for) -> None:
    first, second = two_cases(intake_clerk)
    client = client_for(group_office)
    plan(group_office, kind=ConsultationKind.GENERAL, cases=(first,))
    client.get(reverse("consultation-list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("consultation-list")).status_code == 200
    for i in range(5):
        plan(group_office, kind=ConsultationKind.GENERAL, cases=(first, second), topic=f"议题{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("consultation-list"))
    assert "议题4" in response.content.decode()
    assert len(many) == len(few)
