"""Major matters (四(二), 四(三)2): the reviewer asks for special handling with reasons, the group
office forwards, the group leader approves (member units, proposed from the routing rules) or declines (back
to general handling); the member units return written approval opinions, a consultation's
minutes are issued, the 司法局 reviews the legal basis, and the decision follows."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases.models import CaseDepartment, CaseEvent, EventKind, RoutingRule
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.handling import services
from fengqiao.handling.legal import legal_review_record
from fengqiao.handling.models import (
    DecisionStatus,
    LegalReviewConclusion,
    SpecialHandlingRequest,
    SpecialHandlingStatus,
    Task,
    TaskKind,
)
from fengqiao.handling.selectors import special_units_proposed
from fengqiao.handling.tests.handling_helpers import (
    complete,
    decision_draft,
    dept,
    file_storage,
    head,
    major_case,
    minutes_for,
    task_of,
    worker,
)

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db

NINE = {"gov_office", "tax", "hrss", "medical", "justice", "finance", "gov_service", "petition", "cyberspace"}


def test_review_as_major_requests_special_handling_and_the_office_forwards(
    naiman, intake_clerk, group_office, group_leader, hrss_handler
) -> None:
    case = major_case(intake_clerk)
    assert case.state == CaseState.AWAITING_APPROVAL
    special = SpecialHandlingRequest.objects.get(case=case)
    assert special.status == SpecialHandlingStatus.REQUESTED and special.reason == "涉及政策性、普遍性问题"
    with pytest.raises(PermissionDenied):
        services.special_request_forward(special=special, actor=intake_clerk)
    with pytest.raises(TransitionError):  # the leader decides only what the office forwarded
        services.special_request_approve(special=special, actor=group_leader)
    special = services.special_request_forward(special=special, actor=group_office)
    assert special.status == SpecialHandlingStatus.FORWARDED
    with pytest.raises(TransitionError):
        services.special_request_forward(special=special, actor=group_office)
    with pytest.raises(PermissionDenied):
        services.special_request_approve(special=special, actor=group_office)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.APPROVAL).count() == 2


def test_the_leader_approves_the_units_of_the_routing_matrix_by_default(
    naiman, intake_clerk, group_office, group_leader, frozen_time
) -> None:
    """Issue 11: the approval proposes the units the routing rules (cases.RoutingRule) give the
    case's categories and payer kind — category 04 (费款征收): 税务局 leads, 人社局 and 医保局 —
    not every member unit; the leader adds others (四(三)2 2) lists all nine as possible)."""
    frozen_time("2026-02-13 10:00")
    case = major_case(intake_clerk)
    assert [d.code for d in special_units_proposed(case=case)] == ["tax", "hrss", "medical"]
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    services.special_request_approve(special=special, actor=group_leader, note="同意专案处理")
    case.refresh_from_db()
    assert case.state == CaseState.SPECIAL_HANDLING
    assert case.due_on == date(2026, 4, 14)  # 60 days: the 14th of April is a working day
    tasks = Task.objects.filter(case=case, kind=TaskKind.SPECIAL_OPINION)
    assert (
        {t.department.code for t in tasks} == {"tax", "hrss", "medical"} == {d.code for d in special.member_units.all()}
    )
    # 10 working days across the Spring Festival and both make-up Saturdays (14th, 28th).
    assert {t.due_on for t in tasks} == {date(2026, 3, 5)}
    assert CaseDepartment.objects.filter(case=case).count() >= 3


def test_all_nine_member_units_when_the_leader_ticks_them(naiman, intake_clerk, group_office, group_leader) -> None:
    case = major_case(intake_clerk)
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    services.special_request_approve(
        special=special, actor=group_leader, member_units=[dept(naiman, code) for code in sorted(NINE)]
    )
    tasks = Task.objects.filter(case=case, kind=TaskKind.SPECIAL_OPINION)
    assert {t.department.code for t in tasks} == NINE
    # The member units see the case now.
    assert cases_visible_to(worker(naiman, "petition")).filter(pk=case.pk).exists()


def test_a_case_without_routing_rules_proposes_every_member_unit(naiman, intake_clerk) -> None:
    case = major_case(intake_clerk)
    RoutingRule.objects.all().delete()
    assert {d.code for d in special_units_proposed(case=case)} == NINE


def test_the_approval_page_ticks_the_proposed_units(naiman, intake_clerk, group_office, group_leader, client) -> None:
    case = major_case(intake_clerk)
    services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    client.force_login(group_leader)
    html = client.get("/handling/approvals/").content.decode()
    ticked = [part for part in html.split("<input") if "checked" in part and 'name="member_units"' in part]
    assert sorted(p.split('value="')[1].split('"')[0] for p in ticked) == ["hrss", "medical", "tax"]


def test_the_leader_chooses_member_units(naiman, intake_clerk, group_office, group_leader) -> None:
    case = major_case(intake_clerk)
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    with pytest.raises(ValidationError):  # not a member unit
        services.special_request_approve(special=special, actor=group_leader, member_units=[dept(naiman, "discipline")])
    services.special_request_approve(
        special=special, actor=group_leader, member_units=[dept(naiman, "tax"), dept(naiman, "justice")]
    )
    assert {t.department.code for t in Task.objects.filter(case=case)} == {"tax", "justice"}


def test_declined_goes_back_to_general_handling_with_the_reason(
    naiman, intake_clerk, group_office, group_leader
) -> None:
    case = major_case(intake_clerk)
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    with pytest.raises(ValidationError):
        services.special_request_decline(special=special, actor=group_leader, reason="")
    services.special_request_decline(special=special, actor=group_leader, reason="属一般事项，由相关部门联办")
    case.refresh_from_db()
    special.refresh_from_db()
    assert case.state == CaseState.JOINT_HANDLING and special.status == SpecialHandlingStatus.DECLINED
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).latest("id")
    assert event.data["reason"] == "属一般事项，由相关部门联办"
    tasks = services.tasks_for_general(
        case=case, actor=intake_clerk, departments=[dept(naiman, "hrss")], lead=dept(naiman, "tax")
    )
    assert [(t.department.code, t.kind, t.is_lead) for t in tasks] == [
        ("tax", TaskKind.JOINT_OPINION, True),
        ("hrss", TaskKind.JOINT_OPINION, False),
    ]


def test_the_major_decision_follows_the_minutes_and_the_legal_review(
    naiman, intake_clerk, group_office, group_leader, tax_handler, department_head
) -> None:
    case = major_case(intake_clerk)
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    services.special_request_approve(
        special=special, actor=group_leader, member_units=[dept(naiman, "tax"), dept(naiman, "justice")]
    )
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "justice"), worker(naiman, "justice"), head(naiman, "justice"))
    decision = decision_draft(case, intake_clerk)
    with pytest.raises(TransitionError):  # the 司法局 has not reviewed the legal basis
        services.decision_issue(decision=decision, actor=intake_clerk)
    legal_review_record(
        decision=decision, reviewer=worker(naiman, "justice"), conclusion=LegalReviewConclusion.APPROVED
    )
    with pytest.raises(TransitionError) as no_minutes:
        services.decision_issue(decision=decision, actor=intake_clerk)
    assert "会议纪要" in str(no_minutes.value)
    minutes_for(case, group_office, group_leader)
    issued = services.decision_issue(decision=decision, actor=intake_clerk)
    case.refresh_from_db()
    assert issued.status == DecisionStatus.ISSUED and case.state == CaseState.DECIDED
