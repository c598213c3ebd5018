"""五(四) 严格责任追究 — a person confirms (with the decision taken) or dismisses (with a reason)
each proposal; confirmed records feed the department's scorecard (建立健全…绩效考评机制)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accountability import services
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.accountability.proposals import proposals_run
from fengqiao.accountability.tests.helpers import changed_remedy, dept
from fengqiao.analytics.scorecards import department_scorecards
from fengqiao.audit.models import AuditRecord
from fengqiao.cases.workflow import TransitionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(frozen_time, intake_clerk, naiman) -> AccountabilityRecord:
    frozen_time("2026-03-10 10:00")
    changed_remedy(intake_clerk)
    proposals_run()
    return AccountabilityRecord.objects.get()


def test_confirmed_record_appears_in_the_departments_scorecard_of_the_month(proposal, group_office, naiman) -> None:
    """五(四) 责任追究和绩效考评: the confirmed record is a measure of the department named, in the
    month it was confirmed, with the default rule's points."""

    def tax_card():
        return next(c for c in department_scorecards(county=naiman, year=2026, month=3) if c.department_code == "tax")

    assert tax_card().accountability == 0  # a proposal counts nowhere
    record = services.record_confirm(record=proposal, actor=group_office, decision="约谈税务局分管负责同志")
    assert (record.status, record.decided_by, record.version) == (RecordStatus.CONFIRMED, group_office, 2)
    card = tax_card()
    measure = next(m for m in card.measures if m.code == "accountability")
    assert (card.accountability, measure.occurrences, measure.deduction) == (1, 1, Decimal("5.00"))
    assert card.score == Decimal("95.00")
    april = department_scorecards(county=naiman, year=2026, month=4)
    assert next(c for c in april if c.department_code == "tax").accountability == 0
    assert AuditRecord.objects.filter(action="accountability_confirm", object_id=str(record.pk)).count() == 1


def test_the_scorecard_page_shows_the_measure(proposal, group_office, client_for) -> None:
    """五(四) 绩效考评: the month's 部门考评 page lists the deduction beside the department's other
    measures, and the API's measures carry it."""
    from django.urls import reverse

    services.record_confirm(record=proposal, actor=group_office, decision="通报批评")
    client = client_for(group_office)
    page = client.get(reverse("analytics-scorecards") + "?month=2026-03").content.decode()
    assert "责任追究（已确认） 1次 −5.00" in page
    cards = client.get(reverse("api-analytics-scorecards", args=["2026-03"])).json()
    tax = next(c for c in cards if c["department_code"] == "tax")
    assert {"code": "accountability", "occurrences": 1, "deduction": "5.00"}.items() <= next(
        m for m in tax["measures"] if m["code"] == "accountability"
    ).items()


def test_dismiss_needs_a_reason_and_counts_nowhere(proposal, group_office, naiman) -> None:
    """五(四) 依法依规追责: not pursuing a proposal is a decision with its reason."""
    with pytest.raises(ValidationError) as caught:
        services.record_dismiss(record=proposal, actor=group_office, reason="  ")
    assert "reason" in caught.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == RecordStatus.PROPOSED and proposal.version == 1
    record = services.record_dismiss(record=proposal, actor=group_office, reason="复议机关以新证据变更，经办无过错")
    assert record.status == RecordStatus.DISMISSED and record.dismiss_reason.startswith("复议机关")
    cards = department_scorecards(county=naiman, year=2026, month=3)
    assert next(c for c in cards if c.department_code == "tax").accountability == 0
    assert AuditRecord.objects.filter(action="accountability_dismiss").count() == 1


def test_confirm_needs_the_decision_and_a_decided_or_stale_record_is_refused(proposal, group_office) -> None:
    """五(四): the decision taken is written; a record is decided once; a stale page is refused."""
    with pytest.raises(ValidationError) as caught:
        services.record_confirm(record=proposal, actor=group_office, decision="")
    assert "decision" in caught.value.message_dict
    with pytest.raises(TransitionError) as stale:
        services.record_confirm(record=proposal, actor=group_office, decision="通报批评", expected_version=7)
    assert stale.value.code == "stale"
    services.record_confirm(record=proposal, actor=group_office, decision="通报批评", expected_version=1)
    with pytest.raises(TransitionError) as again:
        services.record_dismiss(record=proposal, actor=group_office, reason="重复")
    assert again.value.code == "state"


@pytest.mark.parametrize("who", ["group_leader", "discipline_liaison", "department_head", "intake_clerk"])
def test_only_the_group_office_decides(who, persona, proposal) -> None:
    """五(四) and 三(一): the office 承接日常工作 decides; the leader and the liaison read."""
    with pytest.raises(PermissionDenied):
        services.record_confirm(record=proposal, actor=persona(who), decision="通报批评")


def test_hand_entry_checks_every_field_and_saves_nothing_half(group_office, hrss_handler, naiman) -> None:
    """五(四) 人工录入: every bad field is named at once; nothing is written."""
    from fengqiao.org.models import Jurisdiction

    other = Jurisdiction.objects.create(code="150526", name="库伦旗", level="county")
    from fengqiao.org.models import Department

    foreign = Department.objects.create(jurisdiction=other, code="tax", name="库伦旗税务局", short_name="税务局")
    bad = services.RecordData(department=foreign, failure="nonsense", facts="", person=hrss_handler)
    with pytest.raises(ValidationError) as caught:
        services.record_enter(actor=group_office, data=bad)
    assert set(caught.value.message_dict) == {"department", "failure", "facts", "person"}
    too_long = services.RecordData(department=dept("tax", naiman), failure=Failure.MANUAL, facts="事" * 4001)
    with pytest.raises(ValidationError) as long_facts:
        services.record_enter(actor=group_office, data=too_long)
    assert set(long_facts.value.message_dict) == {"facts"}
    assert not AccountabilityRecord.objects.exists()
    assert not AuditRecord.objects.filter(action="accountability_propose").exists()


def test_hand_entry_with_a_decision_is_confirmed_at_once(group_office, hrss_handler, naiman) -> None:
    """五(四): a record entered with the decision already taken is confirmed by its author."""
    record = services.record_enter(
        actor=group_office,
        data=services.RecordData(
            department=dept("hrss", naiman),
            person=hrss_handler,
            failure=Failure.MANUAL,
            facts="窗口接待中态度生硬，引发缴费人投诉",
            decision="批评教育",
        ),
    )
    assert (record.status, record.proposed_by, record.decided_by) == (
        RecordStatus.CONFIRMED,
        group_office,
        group_office,
    )
    assert record.source_key is None
