"""调解: a session through the mediation centre or the online team; an agreement becomes the
draft decision, no agreement and handling goes on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.handling.followthrough.mediation import mediation_open, mediation_record_result
from fengqiao.handling.models import Decision, DecisionResult, DecisionStatus, MediationResult
from fengqiao.handling.tests.ft_helpers import joint_case, set_dues
from fengqiao.org.models import Division

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(frozen_time, intake_clerk, naiman):
    frozen_time("2026-03-02 09:00")
    c = joint_case(intake_clerk, naiman)
    set_dues(c, case_due=date(2026, 3, 20))
    return c


@pytest.fixture
def centre(naiman):
    return Division.objects.get(department__jurisdiction=naiman, department__code="tax", code="mediation_centre")


def test_agreement_becomes_the_draft_decision(case, centre, tax_handler, medical_handler) -> None:
    with pytest.raises(PermissionDenied):
        mediation_open(case=case, actor=medical_handler, mediator=medical_handler, held_at=timezone.now(), parties="x")
    session = mediation_open(
        case=case,
        actor=tax_handler,
        mediator=tax_handler,
        held_at=timezone.now(),
        parties="张三；某公司",
        division=centre,
    )
    assert session.department == centre.department
    with pytest.raises(ValidationError):  # one session at a time
        mediation_open(case=case, actor=tax_handler, mediator=tax_handler, held_at=timezone.now(), parties="again")
    with pytest.raises(ValidationError):
        mediation_record_result(session=session, actor=tax_handler, result=MediationResult.AGREEMENT, agreement="")
    session = mediation_record_result(
        session=session,
        actor=tax_handler,
        result=MediationResult.AGREEMENT,
        agreement="单位补缴2025年度差额，缴费人撤回异议",
        decision_result=DecisionResult.SUPPORT,
    )
    decision = Decision.objects.get(case=case)
    assert decision.from_mediation and decision.status == DecisionStatus.DRAFT
    assert decision.result == DecisionResult.SUPPORT and "单位补缴" in decision.facts_and_reasons
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MEDIATION).count() == 2
    with pytest.raises(ValidationError):
        mediation_record_result(session=session, actor=tax_handler, result=MediationResult.NO_AGREEMENT)


def test_agreement_updates_an_existing_draft_and_raises_its_version(case, tax_handler) -> None:
    draft = Decision.objects.create(
        case=case,
        request="r",
        facts_and_reasons="f",
        result=DecisionResult.EXPLAIN,
        legal_basis="社会保险法",
        drafted_by=tax_handler,
        updated_at=timezone.now(),
    )
    session = mediation_open(case=case, actor=tax_handler, mediator=tax_handler, held_at=timezone.now(), parties="p")
    mediation_record_result(
        session=session, actor=tax_handler, result="agreement", agreement="a", decision_result=DecisionResult.REJECT
    )
    before = draft.content_digest
    draft.refresh_from_db()
    assert draft.version == 2 and draft.from_mediation and draft.legal_basis == "社会保险法"
    assert Decision.objects.filter(case=case).count() == 1
    # 三(二)5: a 司法局 review covers the content it read (its SM3); the agreement's new text has
    # its own, so a review of the text before the agreement no longer counts.
    assert draft.content_digest == draft.compute_digest() != before


def test_no_agreement_handling_goes_on(case, tax_handler) -> None:
    state = case.state
    session = mediation_open(case=case, actor=tax_handler, mediator=tax_handler, held_at=timezone.now(), parties="p")
    mediation_record_result(session=session, actor=tax_handler, result="no_agreement", notes="双方分歧较大")
    case.refresh_from_db()
    assert case.state == state and not Decision.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MEDIATION, summary__contains="继续办理").exists()


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("medical_handler", 404), ("group_leader", 403), ("tax_handler", 200)]
)
def test_mediation_page(who, status, case, client, client_for, persona) -> None:
    c = client if who == "anonymous" else client_for(persona(who))
    assert c.get(reverse("followthrough-mediation-open", args=[case.number])).status_code == status


def test_mediation_pages_post(case, centre, client_for, tax_handler) -> None:
    c = client_for(tax_handler)
    response = c.post(
        reverse("followthrough-mediation-open", args=[case.number]),
        {"division": centre.pk, "mediator": tax_handler.pk, "held_at": "2026-03-02T09:00", "parties": "张三"},
    )
    assert response.status_code == 302
    session = case.mediations.get()
    url = reverse("followthrough-mediation-result", args=[session.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, {"result": "agreement", "agreement": "协议", "decision_result": "explain"})
    assert response.status_code == 302 and Decision.objects.get(case=case).from_mediation


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", (401, 403)), ("medical_handler", (404,)), ("group_leader", (403,)), ("tax_handler", (201,))],
)
def test_mediation_api(who, status, case, client, client_for, persona, tax_handler) -> None:
    c = client if who == "anonymous" else client_for(persona(who))
    body = {"mediator": tax_handler.username, "held_at": "2026-03-02T09:00:00+08:00", "parties": "张三"}
    response = c.post(reverse("api-case-mediations", args=[case.number]), body, content_type="application/json")
    assert response.status_code in status
    if response.status_code == 201:
        result = c.post(
            reverse("api-mediation-result", args=[response.json()["id"]]),
            {"result": "no_agreement", "notes": "n"},
            content_type="application/json",
        )
        assert result.status_code == 200 and result.json()["result"] == "no_agreement"
    else:
        assert "errors" in response.json()
