"""The decision (四(三)1 3)): the receiving department consolidates the signed opinions into the
处理意见 — request, facts and reasons, result, legal basis, remedies with bodies and deadlines —
and issues the 处理意见书 through the document engine; the case is DECIDED and the feedback
time limit starts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases.models import CaseEvent, EventKind, PayerGroup
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.workflow import TransitionError
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.registry import DECISION_NOTICE, Issue
from fengqiao.documents.render import document_render
from fengqiao.handling import selectors, services
from fengqiao.handling.models import DecisionResult, DecisionStatus, TaskStatus
from fengqiao.handling.tests.handling_helpers import (
    complete,
    decision_draft,
    dept,
    file_storage,
    general_case,
    head,
    task_of,
    worker,
)

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def _all_done(case, naiman, tax_handler, department_head, hrss_handler, medical_handler) -> None:
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), hrss_handler, head(naiman, "hrss"))
    complete(task_of(case, "medical"), medical_handler, head(naiman, "medical"))


def test_remedies_name_the_bodies_and_deadlines(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    remedies = {r["kind"]: r for r in selectors.remedies_default(case=case)}
    assert remedies["申请行政复议"]["body"] == "国家税务总局通辽市税务局"  # the tax bureau's act: one level up
    assert "60日" in remedies["申请行政复议"]["deadline"] and "第二十条" in remedies["申请行政复议"]["basis"]
    assert "6个月" in remedies["提起行政诉讼"]["deadline"]
    assert "15日" in remedies["申请调解"]["deadline"]
    assert "申请劳动人事争议仲裁" not in remedies  # a flexible worker alone: no employer dispute
    employee = intake(intake_clerk, id_number="150525199001011232", phone="13912345678")
    employee.payer.payer_group = PayerGroup.EMPLOYEE
    arbitration = {r["kind"]: r for r in selectors.remedies_default(case=employee)}["申请劳动人事争议仲裁"]
    assert "1年" in arbitration["deadline"] and "劳动人事争议仲裁委员会" in arbitration["body"]


def test_the_decision_waits_for_every_signed_opinion(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler
) -> None:
    case = general_case(intake_clerk, naiman)
    complete(task_of(case, "tax"), tax_handler, department_head)
    decision = decision_draft(case, intake_clerk)
    with pytest.raises(TransitionError) as waiting:
        services.decision_issue(decision=decision, actor=intake_clerk)
    assert "人力资源和社会保障局" in str(waiting.value) and "医疗保障局" in str(waiting.value)
    # 人社局 returns its task: the decision waits until the reviewer re-routes it.
    services.task_return(task=task_of(case, "hrss"), actor=hrss_handler, reason="不属本局职责")
    complete(task_of(case, "medical"), medical_handler, head(naiman, "medical"))
    with pytest.raises(TransitionError):
        services.decision_issue(decision=decision, actor=intake_clerk)
    finance = services.task_reroute(task=task_of(case, "hrss"), department=dept(naiman, "finance"), actor=intake_clerk)
    complete(finance, worker(naiman, "finance"), head(naiman, "finance"))
    issued = services.decision_issue(decision=decision, actor=intake_clerk)
    assert issued.status == DecisionStatus.ISSUED


def test_issuing_the_notice_decides_the_case(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    frozen_time("2026-02-13 10:00")
    case = general_case(intake_clerk, naiman)
    _all_done(case, naiman, tax_handler, department_head, hrss_handler, medical_handler)
    prefill = selectors.decision_prefill(case=case)
    assert "人力资源和社会保障局查明" in prefill["facts_and_reasons"]
    assert prefill["legal_basis"] == "《中华人民共和国社会保险法》第六十条"
    with pytest.raises(PermissionDenied):
        decision_draft(case, hrss_handler)
    decision = decision_draft(case, intake_clerk, DecisionResult.REJECT)
    with pytest.raises(PermissionDenied):
        services.decision_issue(decision=decision, actor=hrss_handler)
    with pytest.raises(TransitionError) as stale:
        services.decision_issue(decision=decision, actor=intake_clerk, expected_version=decision.version + 1)
    assert stale.value.code == "stale"
    issued = services.decision_issue(decision=decision, actor=intake_clerk, expected_version=decision.version)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert case.due_on == date(2026, 2, 24)  # 2 working days for the feedback: 14 (make-up), 24
    assert issued.document_id is not None
    document = IssuedDocument.objects.get(pk=issued.document_id)
    assert document.doc_type == DECISION_NOTICE and document.number == "奈争处〔2026〕1号"
    events = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.DOCUMENT in events and events[-1] == EventKind.DECISION
    with pytest.raises(TransitionError):  # the same step twice
        services.decision_issue(decision=issued, actor=intake_clerk)


def test_the_notice_states_request_facts_result_basis_and_remedies(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    decision_draft(case, intake_clerk, DecisionResult.REJECT)
    text = document_render(doc_type=DECISION_NOTICE, subject=case, issue=Issue(number="奈争处〔2026〕7号")).text
    for expected in (
        "社会保险费征缴争议处理意见书",
        "奈争处〔2026〕7号",
        "请求按实际收入核定缴费基数",
        "经税务局、人社局、医保局联合核查",
        "对你的请求不予支持。",
        "《中华人民共和国社会保险法》第六十条",
        "申请行政复议：受理机关（机构）为国家税务总局通辽市税务局",
        "自知道或者应当知道该行政行为之日起60日内",
        "6个月",
        "奈曼旗医疗保障局",  # joint handling names the co-handling departments
    ):
        assert expected in text, expected


def test_remedies_must_name_body_and_deadline(naiman, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    with pytest.raises(ValidationError) as bad:
        services.decision_save(
            case=case,
            actor=intake_clerk,
            request="r",
            facts_and_reasons="f",
            result=DecisionResult.SUPPORT,
            legal_basis="b",
            remedies=[{"kind": "申请行政复议", "body": "", "deadline": "60日"}],
        )
    assert "remedies" in bad.value.message_dict
    draft = services.decision_save(
        case=case,
        actor=intake_clerk,
        request="r",
        facts_and_reasons="f",
        result="support",
        legal_basis="b",
        remedies=[],
    )
    with pytest.raises(ValidationError) as missing:
        services.decision_issue(decision=draft, actor=intake_clerk)
    assert "remedies" in missing.value.message_dict


def test_own_handling_reaches_its_decision_by_the_receiving_department_alone(
    naiman, intake_clerk, tax_handler, department_head
) -> None:
    case = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    decision = decision_draft(case, intake_clerk, DecisionResult.SUPPORT)
    with pytest.raises(TransitionError):
        services.decision_issue(decision=decision, actor=intake_clerk)
    task = task_of(case, "tax")
    complete(task, tax_handler, department_head)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    services.decision_issue(decision=decision, actor=department_head)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
