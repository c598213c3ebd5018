"""五(四) 严格责任追究 — the system proposes records from the events it knows, each event once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.test import override_settings

from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.accountability.proposals import proposals_run
from fengqiao.accountability.tests.helpers import (
    changed_remedy,
    discipline_transfer,
    escalated_cases,
    later,
    linked_item,
)
from fengqiao.audit.models import AuditRecord
from fengqiao.cases.tests.helpers import intake

pytestmark = pytest.mark.django_db


def test_escalations_past_the_threshold_propose_once(frozen_time, intake_clerk, naiman) -> None:
    """五(四) 责任履行不到位: a department escalated 3 times in a month (the default threshold) is
    proposed once for that month; running the job twice proposes nothing more."""
    frozen_time("2026-03-10 10:00")
    escalated_cases(intake_clerk, 2)
    assert proposals_run().escalations == 0  # two escalations: below the threshold
    escalated_cases(intake_clerk, 1, first=2)
    first = proposals_run()
    second = proposals_run()
    assert (first.escalations, second.escalations, second.already) == (1, 0, 1)
    record = AccountabilityRecord.objects.get(failure=Failure.OVERDUE_ESCALATION)
    assert record.department.code == "tax"
    assert record.source_key == f"escalations:{record.department_id}:2026-03"
    assert record.status == RecordStatus.PROPOSED and record.proposed_by is None
    assert "被督办升级3次" in record.facts


@override_settings(FENGQIAO_ACCOUNTABILITY_ESCALATIONS=1)
def test_the_escalation_threshold_is_a_setting(frozen_time, intake_clerk, naiman) -> None:
    """五(四): with the threshold at 1 every month with an escalation is proposed."""
    frozen_time("2026-03-10 10:00")
    escalated_cases(intake_clerk, 1)
    assert proposals_run().escalations == 1
    assert proposals_run().escalations == 0


def test_a_discipline_transfer_proposes_the_refusing_department_once(
    frozen_time, intake_clerk, hotline_officer, hrss_handler, naiman
) -> None:
    """五(四) and 四(八): 无正当理由且拒不处理 → the clues go to the 纪委监委 and a record is proposed
    naming the department that refused."""
    transfer = discipline_transfer(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time)
    assert proposals_run().transfers == 1
    assert proposals_run().transfers == 0
    record = AccountabilityRecord.objects.get(failure=Failure.DISCIPLINE_TRANSFER)
    assert (record.department.code, record.case_id, record.source_key) == (
        "hrss",
        transfer.case_id,
        f"transfer:{transfer.pk}",
    )


def test_an_item_linked_to_an_overdue_case_proposes_once(frozen_time, intake_clerk, naiman) -> None:
    """五(四) 引发舆情: an online item linked to a case past its deadline names the department
    handling it; before the deadline passes, or for the lead case opened from the item, nothing."""
    frozen_time("2026-03-02 10:00")
    late = intake(intake_clerk, id_number="150525199001010027")  # to review by 03-03
    item = linked_item(intake_clerk, naiman, late)
    lead = intake(intake_clerk, id_number="150525199001010086")
    linked_item(intake_clerk, naiman, lead, how="lead")
    assert late.due_on == date(2026, 3, 3)
    assert proposals_run(today=date(2026, 3, 3)).opinions == 0
    assert proposals_run(today=date(2026, 3, 4)).opinions == 1
    assert proposals_run(today=date(2026, 3, 4)).opinions == 0
    record = AccountabilityRecord.objects.get(failure=Failure.OPINION_INCIDENT)
    assert (record.case_id, record.item_id, record.department.code) == (late.pk, item.pk, "tax")


def test_an_item_linked_to_an_escalated_case_names_the_escalated_department(frozen_time, intake_clerk, naiman) -> None:
    """五(四) 引发舆情: an escalation of the linked case is a handling failure too."""
    frozen_time("2026-03-10 10:00")
    (case,) = escalated_cases(intake_clerk, 1)
    linked_item(intake_clerk, naiman, case)
    assert proposals_run(today=later(0)).opinions == 1
    assert "督办升级" in AccountabilityRecord.objects.get(failure=Failure.OPINION_INCIDENT).facts


def test_a_decision_changed_on_remedy_proposes_once(frozen_time, intake_clerk, naiman) -> None:
    """五(四) 工作失误: a remedy (复议/仲裁/诉讼) that changed or revoked the decision names the
    department that issued it."""
    frozen_time("2026-03-10 10:00")
    remedy = changed_remedy(intake_clerk)
    assert proposals_run().remedies == 1
    assert proposals_run().remedies == 0
    record = AccountabilityRecord.objects.get(failure=Failure.DECISION_CHANGED)
    assert record.source_key == f"remedy:{remedy.pk}" and record.department.code == "tax"


def test_every_proposal_is_in_the_audit_trail_and_the_command_runs_the_job(
    frozen_time, intake_clerk, naiman, capsys
) -> None:
    """五(四) and 五(三): who proposed what is recorded; the command is the daily job."""
    frozen_time("2026-03-10 10:00")
    changed_remedy(intake_clerk)
    call_command("accountability_propose")
    call_command("accountability_propose")
    first, second = capsys.readouterr().out.splitlines()
    assert "处理意见被变更 1" in first and "处理意见被变更 0" in second
    record = AccountabilityRecord.objects.get()
    audit = AuditRecord.objects.get(action="accountability_propose")
    assert (audit.object_id, audit.actor_id, audit.case_id) == (str(record.pk), None, record.case_id)


def test_the_daily_schedule_is_registered(naiman) -> None:
    """五(四): the proposals run every day after the 催办/督办 job."""
    from django.db.models.signals import post_migrate  # noqa: F401
    from django_q.models import Schedule

    from fengqiao.accountability.apps import PROPOSE_SCHEDULE_FUNC, PROPOSE_SCHEDULE_NAME, propose_schedule_ensure

    propose_schedule_ensure()
    schedule = Schedule.objects.get(name=PROPOSE_SCHEDULE_NAME)
    assert schedule.func == PROPOSE_SCHEDULE_FUNC and schedule.schedule_type == Schedule.DAILY
