"""Two cases end to end (issue 5 "Done when"), each step by a persona who may take it and refused
for one who may not:

- a general matter with three departments, through the API and through the pages;
- a major matter with the leader's approval, special handling, a consultation with minutes,
  the 司法局's review and the decision.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.legal import legal_review_record
from fengqiao.handling.models import DecisionStatus, LegalReviewConclusion, OpinionStatus, Task, TaskStatus
from fengqiao.handling.selectors import remedies_default
from fengqiao.handling.tests.handling_helpers import dept, file_storage, head, minutes_for, task_of, worker
from fengqiao.org.models import Staff

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db

Api = Callable[[Staff], APIClient]


@pytest.fixture
def api() -> Api:
    def client_for(staff: Staff) -> APIClient:
        token, _created = Token.objects.get_or_create(user=staff)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def _opinion_via_api(api: Api, task: Task, handler: Staff, chief: Staff, outsider: Staff) -> None:
    url = f"/api/v1/tasks/{task.pk}/"
    assert api(outsider).post(url + "sign/", {}, format="json").status_code == 404
    assert api(handler).post(url + "sign/", {"version": task.version}, format="json").status_code == 200
    again = api(handler).post(url + "sign/", {}, format="json")
    assert again.status_code == 409 and "non_field_errors" in again.json()["errors"]
    body = {"facts": f"{task.department.name}查明的事实", "text": "意见", "basis": "社会保险法第六十条", "version": 0}
    draft = api(handler).put(url + "opinion/", body, format="json")
    assert draft.status_code == 200, draft.json()
    version = draft.json()["opinion"]["version"]
    stale = api(handler).put(url + "opinion/", {**body, "version": version + 5}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()["errors"]
    assert api(handler).post(url + "opinion/submit/", {"version": version}, format="json").status_code == 200
    assert api(handler).post(url + "opinion/sign/", {}, format="json").status_code == 403
    signed = api(chief).post(url + "opinion/sign/", {}, format="json")
    assert signed.status_code == 200
    assert signed.json()["status"] == TaskStatus.DONE and signed.json()["opinion"]["status"] == OpinionStatus.SIGNED


def test_general_matter_with_three_departments_through_the_api(
    api, naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, outsider, group_leader
) -> None:
    case = intake(intake_clerk)
    routed = api(intake_clerk).post(
        f"/api/v1/cases/{case.number}/routing/",
        {"classification": "general", "lead_department": "tax", "co_departments": ["hrss", "medical"], "version": 1},
        format="json",
    )
    assert routed.status_code == 200, routed.json()
    # Each department's inbox shows its own task; the leader's shows the county's.
    inbox = api(hrss_handler).get("/api/v1/tasks/?view=pending").json()
    assert [(t["case"], t["department"]["code"]) for t in inbox["results"]] == [(case.number, "hrss")]
    assert len(api(group_leader).get("/api/v1/tasks/").json()["results"]) == 3
    assert api(outsider).get("/api/v1/tasks/").json()["results"] == []

    hrss_task, medical_task, tax_task = task_of(case, "hrss"), task_of(case, "medical"), task_of(case, "tax")
    assert api(medical_handler).post(f"/api/v1/tasks/{hrss_task.pk}/sign/", {}, format="json").status_code == 403
    # 人社局 says it is not its duty; the reviewer re-routes to 财政局.
    returned = api(hrss_handler).post(
        f"/api/v1/tasks/{hrss_task.pk}/return/", {"reason": "不属人社局职责"}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == TaskStatus.RETURNED
    no_reason = api(medical_handler).post(f"/api/v1/tasks/{medical_task.pk}/return/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    refused = api(hrss_handler).post(f"/api/v1/tasks/{hrss_task.pk}/reroute/", {"department": "finance"}, format="json")
    assert refused.status_code == 403
    rerouted = api(intake_clerk).post(
        f"/api/v1/tasks/{hrss_task.pk}/reroute/", {"department": "finance"}, format="json"
    )
    assert rerouted.status_code == 201 and rerouted.json()["department"]["code"] == "finance"
    finance_task = Task.objects.get(pk=rerouted.json()["id"])

    _opinion_via_api(api, tax_task, tax_handler, department_head, outsider)
    _opinion_via_api(api, medical_task, medical_handler, head(naiman, "medical"), outsider)

    decision_url = f"/api/v1/cases/{case.number}/decision/"
    assert api(hrss_handler).get(decision_url).status_code == 403
    first = api(intake_clerk).get(decision_url).json()
    assert first["status"] == "new" and first["outstanding"] == ["奈曼旗财政局"]
    body = {
        "request": first["request"],
        "facts_and_reasons": first["facts_and_reasons"] + "\n综上，缴费基数核定无误。",
        "result": "explain",
        "legal_basis": first["legal_basis"],
        "remedies": first["remedies"],
        "version": 0,
    }
    saved = api(intake_clerk).put(decision_url, body, format="json")
    assert saved.status_code == 200, saved.json()
    early = api(intake_clerk).post(decision_url + "issue/", {}, format="json")
    assert early.status_code == 400 and "财政局" in early.json()["errors"]["non_field_errors"][0]

    _opinion_via_api(api, finance_task, worker(naiman, "finance"), head(naiman, "finance"), outsider)
    assert api(tax_handler).post(decision_url + "issue/", {}, format="json").status_code == 403
    issued = api(intake_clerk).post(decision_url + "issue/", {"version": saved.json()["version"]}, format="json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["status"] == DecisionStatus.ISSUED and issued.json()["document"].startswith("奈争处")
    twice = api(intake_clerk).post(decision_url + "issue/", {}, format="json")
    assert twice.status_code == 409
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def _post(client: Client, url: str, data: dict | None = None) -> int:
    return client.post(url, data or {}).status_code


def test_general_matter_with_three_departments_through_the_pages(
    client: Client, naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, outsider
) -> None:
    def as_(staff: Staff) -> Client:
        client.force_login(staff)
        return client

    case = intake(intake_clerk)
    response = as_(intake_clerk).post(
        f"/cases/{case.number}/review/",
        {
            "classification": "general",
            "lead_department": "tax",
            "co_departments": ["hrss", "medical"],
            "version": case.version,
        },
    )
    assert response.status_code == 302
    page = as_(hrss_handler).get("/handling/tasks/?view=pending")
    assert page.status_code == 200 and case.number.encode() in page.content
    assert as_(outsider).get("/handling/tasks/").status_code == 403

    for code, handler, chief in (
        ("tax", tax_handler, department_head),
        ("hrss", hrss_handler, head(naiman, "hrss")),
        ("medical", medical_handler, head(naiman, "medical")),
    ):
        task = task_of(case, code)
        url = f"/handling/tasks/{task.pk}/"
        assert as_(outsider).get(url).status_code == 404
        assert as_(handler).get(url).status_code == 200
        other = medical_handler if handler is not medical_handler else hrss_handler
        assert _post(as_(other), url + "sign/") == 403
        assert _post(as_(handler), url + "sign/", {"version": task.version}) == 302
        assert _post(as_(handler), url + "opinion/", {"facts": "查明", "text": "意见", "version": 0}) == 302
        task.refresh_from_db()
        assert task.opinion.status == OpinionStatus.DRAFT
        form = {"facts": "查明的事实", "text": "意见", "basis": "依据", "version": 1, "action": "submit"}
        assert _post(as_(handler), url + "opinion/", form) == 302
        assert _post(as_(handler), url + "opinion/sign/") == 403
        page = as_(chief).get("/handling/tasks/?view=to_sign")
        assert case.number.encode() in page.content
        assert _post(as_(chief), url + "opinion/sign/") == 302
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE

    detail = as_(intake_clerk).get(f"/cases/{case.number}/")
    assert detail.status_code == 200 and "调查处理".encode() in detail.content
    assert as_(hrss_handler).get(f"/handling/cases/{case.number}/decision/").status_code == 403
    editor = as_(intake_clerk).get(f"/handling/cases/{case.number}/decision/")
    assert editor.status_code == 200 and "申请行政复议".encode() in editor.content
    remedies = remedies_default(case=case)
    form = {
        "request": "按实际收入核定缴费基数",
        "facts_and_reasons": "经联合核查，核定无误。",
        "result": "explain",
        "legal_basis": "《中华人民共和国社会保险法》第六十条",
        "version": 0,
        "remedy_kind": [r["kind"] for r in remedies],
        "remedy_body": [r["body"] for r in remedies],
        "remedy_deadline": [r["deadline"] for r in remedies],
        "remedy_basis": [r["basis"] for r in remedies],
        "action": "issue",
    }
    response = as_(intake_clerk).post(f"/handling/cases/{case.number}/decision/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert case.decisions.get().remedies[0]["kind"] == "申请行政复议"
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {EventKind.TASK, EventKind.OPINION, EventKind.DECISION, EventKind.DOCUMENT} <= kinds


def test_major_matter_with_approval_special_handling_minutes_and_decision(
    api, client: Client, naiman, intake_clerk, group_office, group_leader, tax_handler, department_head, hrss_handler
) -> None:
    case = intake(intake_clerk)
    routed = api(intake_clerk).post(
        f"/api/v1/cases/{case.number}/routing/",
        {"classification": "major", "reason": "涉及多部门的政策性问题", "version": 1},
        format="json",
    )
    assert routed.status_code == 200 and routed.json()["state"] == CaseState.AWAITING_APPROVAL
    special = case.special_requests.get()

    # The group office forwards (page); the leader approves with two member units (API).
    client.force_login(intake_clerk)
    assert client.get("/handling/approvals/").status_code == 403
    assert client.post(f"/handling/approvals/{special.pk}/forward/").status_code == 403
    client.force_login(group_office)
    queue = client.get("/handling/approvals/")
    assert queue.status_code == 200 and case.number.encode() in queue.content
    assert client.post(f"/handling/approvals/{special.pk}/forward/", {"note": "请组长审批"}).status_code == 302
    url = f"/api/v1/special-requests/{special.pk}/"
    assert api(group_office).post(url + "approve/", {}, format="json").status_code == 403
    assert api(hrss_handler).post(url + "approve/", {}, format="json").status_code == 404
    approved = api(group_leader).post(url + "approve/", {"member_units": ["tax", "justice"]}, format="json")
    assert approved.status_code == 200, approved.json()
    assert sorted(approved.json()["member_units"]) == ["justice", "tax"]
    case.refresh_from_db()
    assert case.state == CaseState.SPECIAL_HANDLING
    assert api(group_leader).post(url + "decline/", {"reason": "x"}, format="json").status_code == 409

    justice_handler, justice_head = worker(naiman, "justice"), head(naiman, "justice")
    for code, handler, chief in (("tax", tax_handler, department_head), ("justice", justice_handler, justice_head)):
        task = task_of(case, code)
        _opinion_via_api(api, task, handler, chief, hrss_handler)

    decision_url = f"/api/v1/cases/{case.number}/decision/"
    first = api(intake_clerk).get(decision_url).json()
    assert first["needs_minutes"] and not first["minutes_issued"]
    body = {k: first[k] for k in ("request", "facts_and_reasons", "legal_basis", "remedies")}
    saved = api(intake_clerk).put(decision_url, {**body, "result": "reject", "version": 0}, format="json")
    assert saved.status_code == 200, saved.json()
    decision = case.decisions.get()
    legal_review_record(decision=decision, reviewer=justice_handler, conclusion=LegalReviewConclusion.APPROVED)
    blocked = api(intake_clerk).post(decision_url + "issue/", {}, format="json")
    assert blocked.status_code == 400 and "会议纪要" in blocked.json()["errors"]["non_field_errors"][0]

    minutes_for(case, group_office, group_leader)
    issued = api(intake_clerk).post(decision_url + "issue/", {}, format="json")
    assert issued.status_code == 200, issued.json()
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.DECIDED
    assert {t.department_id for t in case.tasks.all()} == {dept(naiman, "tax").pk, dept(naiman, "justice").pk}
