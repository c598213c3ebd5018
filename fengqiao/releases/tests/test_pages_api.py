"""Pages and API of 信息发布审批 for anonymous, another county's or an uninvolved member of staff,
the requester and the approver (CONVENTIONS 12); the demo flow — the office requests, the
leader approves, the office exports — on the pages and through the API."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.archive.services import dossier_seal
from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.org.models import Staff
from fengqiao.releases.models import ReleaseRequest, ReleaseState
from fengqiao.releases.tests.helpers import REQUEST

pytestmark = pytest.mark.django_db


def api(staff: Staff | None = None) -> APIClient:
    client = APIClient()
    if staff is not None:
        token, _created = Token.objects.get_or_create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_pages_the_office_requests_the_leader_approves(
    client, client_for, informed_case, intake_clerk, group_office, group_leader, tax_handler
) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    number = informed_case.number
    assert client.get("/releases/").status_code == 302  # to the login page
    office = client_for(group_office)
    case_page = office.get(f"/cases/{number}/").content.decode()
    assert "申请导出" in case_page and "下载归档包" not in case_page
    # The package without approval: refused, recorded, and the request form with the reason.
    refused = office.get(f"/archive/{number}/export/")
    assert refused.status_code == 302 and refused["Location"].startswith("/releases/new/?kind=dossier")
    assert AuditRecord.objects.filter(action=Action.EXPORT, result=Result.DENIED).count() == 1
    form = office.get(refused["Location"]).content.decode()
    assert "须经信息发布审批" in form and number in form
    bad = office.post("/releases/new/", {"kind": "dossier", "case": number, "uses": 1, "validity_days": 30})
    assert bad.status_code == 200 and 'class="error"' in bad.content.decode() and not ReleaseRequest.objects.exists()
    sent = office.post("/releases/new/", {"kind": "dossier", "case": number, "uses": 1, "validity_days": 30, **REQUEST})
    release = ReleaseRequest.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/releases/{release.pk}/"
    assert release.reference == dossier.archive_number
    # The office cannot approve its own; a handler does not see it; the leader decides.
    assert "提交审批意见" not in office.get(f"/releases/{release.pk}/").content.decode()
    assert office.post(f"/releases/{release.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert client_for(tax_handler).get(f"/releases/{release.pk}/").status_code == 404
    assert client_for(tax_handler).post(f"/releases/{release.pk}/decide/", {"decision": "approve"}).status_code == 404
    leader = client_for(group_leader)
    assert number in leader.get("/releases/?view=queue").content.decode()
    assert "提交审批意见" in leader.get(f"/releases/{release.pk}/").content.decode()
    assert leader.post(f"/releases/{release.pk}/decide/", {"decision": "refuse"}, follow=True).status_code == 200
    release.refresh_from_db()
    assert release.state == ReleaseState.PENDING  # a refusal needs its reason
    leader.post(f"/releases/{release.pk}/decide/", {"decision": "approve", "reason": "同意调卷。"})
    release.refresh_from_db()
    assert release.state == ReleaseState.APPROVED and release.decided_by_id == group_leader.pk
    office = client_for(group_office)
    assert "下载归档包" in office.get(f"/cases/{number}/").content.decode()
    response = office.get(f"/archive/{number}/export/")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert office.get(f"/archive/{number}/export/").status_code == 302  # used once
    assert "已发布" in office.get("/releases/").content.decode()


def test_api_request_decide_export(informed_case, intake_clerk, group_office, group_leader, medical_handler) -> None:
    dossier_seal(case=informed_case, actor=intake_clerk)
    number = informed_case.number
    export = f"/api/v1/cases/{number}/dossier/export/"
    assert api().get("/api/v1/releases/").status_code == 401
    refused = api(group_office).get(export)
    assert refused.status_code == 403 and "信息发布审批" in refused.json()["errors"]["detail"][0]
    bad = api(group_office).post("/api/v1/releases/", {"kind": "dossier", "case": number}, format="json")
    assert bad.status_code == 400 and "recipient_organisation" in bad.json()["errors"]
    hidden = api(medical_handler).post(
        "/api/v1/releases/", {"kind": "dossier", "case": number, **REQUEST}, format="json"
    )
    assert hidden.status_code == 400 and "case" in hidden.json()["errors"]  # a case one may not see
    made = api(group_office).post("/api/v1/releases/", {"kind": "dossier", "case": number, **REQUEST}, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["state"] == "pending"
    assert (
        api(group_office).post(f"/api/v1/releases/{pk}/decision/", {"approve": True}, format="json").status_code == 403
    )
    assert api(medical_handler).get(f"/api/v1/releases/{pk}/").status_code == 404
    queue = api(group_leader).get("/api/v1/releases/?view=queue").json()
    assert [r["id"] for r in queue] == [pk]
    no_reason = api(group_leader).post(f"/api/v1/releases/{pk}/decision/", {"approve": False}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    decided = api(group_leader).post(f"/api/v1/releases/{pk}/decision/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["usable"] is True
    again = api(group_leader).post(f"/api/v1/releases/{pk}/decision/", {"approve": True}, format="json")
    assert again.status_code == 409
    assert api(group_office).get(export).status_code == 200
    assert api(group_office).get(f"/api/v1/releases/{pk}/").json()["state"] == "released"
    assert api(group_office).post(f"/api/v1/releases/{pk}/withdrawal/").status_code == 409
