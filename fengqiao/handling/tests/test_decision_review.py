"""司法局把关 binds to what was reviewed (三(二)5 "对征缴争议处理过程中适用相关法律法规进行把关";
四(三)2 3) a major matter's decision follows the consultation, issue 11 §1).

A legal review records the SM3 digest of the decision's substantive content (request, facts
and reasons, result, legal basis, remedies). Saving an unchanged draft neither raises its
version nor voids the review, so a reviewed major matter is issued from its page; a changed
draft says on the page (and in the API) that a new review is needed and lets the receiving
department ask for it from there."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.handling import legal, services
from fengqiao.handling.models import Decision, DecisionStatus, LegalReviewConclusion, TaskKind
from fengqiao.handling.selectors import remedies_default
from fengqiao.handling.tests.handling_helpers import (
    complete,
    dept,
    file_storage,
    head,
    major_case,
    minutes_for,
    task_of,
    worker,
)
from fengqiao.org.models import Staff

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def _ready_major(naiman, clerk: Staff, office: Staff, leader: Staff, tax_handler: Staff, tax_head: Staff) -> Case:
    """A major matter in special handling: tax and justice signed their opinions, the
    consultation's minutes are issued — only the decision and its legal review remain."""
    case = major_case(clerk)
    special = case.special_requests.get()
    services.special_request_forward(special=special, actor=office)
    services.special_request_approve(
        special=special, actor=leader, member_units=[dept(naiman, "tax"), dept(naiman, "justice")]
    )
    complete(task_of(case, "tax"), tax_handler, tax_head)
    complete(task_of(case, "justice", TaskKind.SPECIAL_OPINION), worker(naiman, "justice"), head(naiman, "justice"))
    minutes_for(case, office, leader)
    return Case.objects.get(pk=case.pk)


def _form(case: Case, version: int, action: str = "save", **changes: str) -> dict[str, Any]:
    form: dict[str, Any] = {
        "request": "请求按实际收入核定缴费基数",
        "facts_and_reasons": "经专案会商，缴费基数核定符合规定。",
        "result": "reject",
        "legal_basis": "《中华人民共和国社会保险法》第六十条",
        "version": version,
        "action": action,
    }
    for i, r in enumerate(remedies_default(case=case)):
        for key in ("kind", "body", "deadline", "basis"):
            form[f"remedies-{i}-{key}"] = r[key]
    form.update(changes)
    return form


@pytest.fixture
def ready(naiman, intake_clerk, group_office, group_leader, tax_handler, department_head) -> Case:
    return _ready_major(naiman, intake_clerk, group_office, group_leader, tax_handler, department_head)


def _approve(decision: Decision, naiman) -> None:
    legal.legal_review_record(
        decision=decision, reviewer=worker(naiman, "justice"), conclusion=LegalReviewConclusion.APPROVED
    )


def test_a_reviewed_major_matter_is_issued_from_its_page(ready: Case, naiman, intake_clerk, client: Client) -> None:
    """Rule (三(二)5, 四(三)2 3)): once the 司法局 found the law correctly applied to this content,
    pressing 出具处理意见书 on the page issues it — the page's unchanged form does not void the
    review. No API call."""
    client.force_login(intake_clerk)
    url = reverse("case-decision", args=[ready.number])
    assert client.post(url, _form(ready, 0)).status_code == 302
    decision = ready.decisions.get()
    page = client.get(url).content.decode()
    assert "待司法局审查" in page  # the page says what waits
    _approve(decision, naiman)
    page = client.get(url).content.decode()
    assert "法律适用无误" in page and "需重新审查" not in page

    # Saving the unchanged draft again keeps the version and the review.
    assert client.post(url, _form(ready, decision.version)).status_code == 302
    decision.refresh_from_db()
    assert decision.version == 1 and legal.legal_review_blocking(decision) is None
    assert CaseEvent.objects.filter(case=ready, kind=EventKind.DECISION).count() == 1  # no "修改" event

    response = client.post(url, _form(ready, decision.version, action="issue"))
    assert response.status_code == 302, response.content.decode()[:3000]
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED and decision.document is not None
    assert Case.objects.get(pk=ready.pk).state == CaseState.DECIDED


def test_a_changed_draft_says_a_new_review_is_needed_and_offers_to_request_it(
    ready: Case, naiman, intake_clerk, client: Client
) -> None:
    """Rule (三(二)5): the review covers what was reviewed. After a change of substance the page
    says a new review is needed, issuing is refused with that reason (nothing saved), and the
    receiving department asks the 司法局 again from the page; the 司法局 sees it in its queue."""
    client.force_login(intake_clerk)
    url = reverse("case-decision", args=[ready.number])
    client.post(url, _form(ready, 0))
    decision = ready.decisions.get()
    _approve(decision, naiman)
    reviewed_digest = decision.content_digest

    # Issuing with changed content: refused, nothing saved.
    changed = _form(ready, 1, action="issue", legal_basis="《社会保险费征缴暂行条例》第十条")
    refused = client.post(url, changed)
    assert refused.status_code == 400 and "重新" in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT and decision.version == 1
    assert decision.content_digest == reviewed_digest

    # Saving the change: a new version, the page says a new review is needed and offers it.
    assert client.post(url, _form(ready, 1, legal_basis="《社会保险费征缴暂行条例》第十条")).status_code == 302
    decision.refresh_from_db()
    assert decision.version == 2 and decision.content_digest != reviewed_digest
    assert legal.legal_review_blocking(decision)
    page = client.get(url).content.decode()
    assert "需重新审查" in page
    request_url = reverse("followthrough-legal-request", args=[decision.pk])
    assert request_url in page

    justice = worker(naiman, "justice")
    assert list(legal.review_queue(user=justice)) == [decision]
    reviewer_page = Client()
    reviewer_page.force_login(justice)
    shown = reviewer_page.get(reverse("followthrough-legal-review", args=[decision.pk])).content.decode()
    assert "申请行政复议" in shown and "其后内容已修改" in shown  # the reviewer sees the remedies too
    response = client.post(request_url, {"note": "已修改法律依据", "back": "decision"})
    assert response.status_code == 302 and response["Location"] == url
    requested = CaseEvent.objects.filter(case=ready, kind=EventKind.LEGAL_REVIEW, data__step="requested").get()
    assert requested.data["digest"] == decision.content_digest
    page = client.get(url).content.decode()
    assert "已申请司法局重新审查" in page and request_url not in page
    assert client.post(request_url, {"back": "decision"}).status_code == 302  # a second ask: refused, said
    assert CaseEvent.objects.filter(case=ready, kind=EventKind.LEGAL_REVIEW, data__step="requested").count() == 1

    _approve(decision, naiman)  # the new content is reviewed
    assert (
        client.post(url, _form(ready, 2, action="issue", legal_basis="《社会保险费征缴暂行条例》第十条")).status_code
        == 302
    )
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED


def test_the_review_is_of_the_content_not_of_the_version(ready: Case, naiman, intake_clerk) -> None:
    """Rule (三(二)5): a review stores the digest of what it reviewed; the same content is the
    same review whatever its version, another content needs another review."""
    decision = services.decision_save(case=ready, actor=intake_clerk, **_fields(ready))
    _approve(decision, naiman)
    review = decision.legal_reviews.get()
    assert review.content_digest == decision.content_digest == legal.content_digest(decision)
    assert len(review.content_digest) == 64
    same = services.decision_save(case=ready, actor=intake_clerk, expected_version=1, **_fields(ready))
    assert same.version == 1 and legal.legal_review_blocking(same) is None
    # Whitespace around a field is not content.
    padded = {**_fields(ready), "request": "  " + _fields(ready)["request"] + "\n"}
    assert services.decision_save(case=ready, actor=intake_clerk, expected_version=1, **padded).version == 1
    for change in (
        {"result": "explain"},
        {"facts_and_reasons": "另查明"},
        {"remedies": remedies_default(case=ready)[:2]},
    ):
        changed = services.decision_save(
            case=ready, actor=intake_clerk, expected_version=decision.version, **{**_fields(ready), **change}
        )
        assert changed.version == decision.version + 1 and legal.legal_review_blocking(changed), change
        assert legal.review_state(changed).needs_new_review
        decision = changed
    # Back to the reviewed content: the review of that content counts again.
    back = services.decision_save(case=ready, actor=intake_clerk, expected_version=decision.version, **_fields(ready))
    assert legal.legal_review_blocking(back) is None and not legal.review_state(back).needs_new_review


def _fields(case: Case) -> dict[str, Any]:
    return {
        "request": "请求按实际收入核定缴费基数",
        "facts_and_reasons": "经专案会商，缴费基数核定符合规定。",
        "result": "reject",
        "legal_basis": "《中华人民共和国社会保险法》第六十条",
        "remedies": remedies_default(case=case),
    }


def test_the_api_alike(ready: Case, naiman, intake_clerk, client_for) -> None:
    """The same rule through the API: an unchanged PUT keeps the version and the review; the
    decision tells whether a new review is needed; the request and the issue follow."""
    api = client_for(intake_clerk)
    url = f"/api/v1/cases/{ready.number}/decision/"
    body = {**_fields(ready), "version": 0}
    saved = api.put(url, body, content_type="application/json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["legal_review"]["review_required"] and not saved.json()["legal_review"]["approved"]
    decision = ready.decisions.get()
    _approve(decision, naiman)
    again = api.put(url, {**body, "version": 1}, content_type="application/json").json()
    assert again["version"] == 1 and again["legal_review"]["approved"]
    assert again["legal_review"]["content_digest"] == decision.content_digest

    changed = api.put(url, {**body, "version": 1, "result": "explain"}, content_type="application/json").json()
    assert changed["version"] == 2 and changed["legal_review"]["needs_new_review"]
    assert changed["legal_review"]["may_request"]
    blocked = api.post(url + "issue/", {"version": 2}, content_type="application/json")
    assert blocked.status_code in (400, 409) and "法律审查" in str(blocked.json()["errors"])
    asked = api.post(reverse("api-decision-legal-request", args=[decision.pk]), {}, content_type="application/json")
    assert asked.status_code == 201
    state = api.get(url).json()["legal_review"]
    assert state["requested"] and not state["may_request"]
    _approve(Decision.objects.get(pk=decision.pk), naiman)
    issued = api.post(url + "issue/", {"version": 2}, content_type="application/json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["status"] == DecisionStatus.ISSUED


def test_the_decision_page_reads_the_review_in_bounded_queries(ready: Case, naiman, intake_clerk, client) -> None:
    """The editor shows the review state with a fixed number of queries, however many reviews."""
    decision = services.decision_save(case=ready, actor=intake_clerk, **_fields(ready))
    client.force_login(intake_clerk)
    url = reverse("case-decision", args=[ready.number])
    _approve(decision, naiman)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for i in range(5):
        services.decision_save(
            case=ready,
            actor=intake_clerk,
            expected_version=decision.version + i,
            **{**_fields(ready), "facts_and_reasons": f"第{i}稿"},
        )
        _approve(Decision.objects.get(pk=decision.pk), naiman)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one)
