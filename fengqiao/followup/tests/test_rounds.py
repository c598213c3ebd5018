"""Rounds of follow-up (issue 11 §1 "nobody is ever stuck"; 四(四)(五)(七), docs/followup.md).

A remedy that changes the decision (变更/撤销) reopens handling; a new 处理意见书 is issued,
delivered and followed up, and the payer may object to it again. Each issued decision opens a
round: the deliveries, visits and remedies of the case that are tied to its latest issued
decision (``selectors.current_round``). Archiving (四(七)) asks only about the current round:
the first round's 变更 remedy, its other-party visit and its remedy windows are history, kept
in the dossier, and neither block nor satisfy the second round. Within a round a 变更 remedy
still blocks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fengqiao.cases import workflow
from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core import todo
from fengqiao.followup import selectors, services
from fengqiao.followup.models import (
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_with_other_party, file_storage  # noqa: F401
from fengqiao.followup.tests.test_ready_to_archive import ready_lists
from fengqiao.handling import services as handling
from fengqiao.handling.models import Decision, DecisionResult, DecisionStatus
from fengqiao.handling.tests.handling_helpers import decision_draft
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def _visit(clerk: Staff, visit: Visit, *, objects: bool = False) -> None:
    services.visit_record(
        visit=visit,
        actor=clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED if objects else Satisfaction.SATISFIED,
        objects_to_decision=objects,
    )


def _deliver(clerk: Staff, case: Case, recipient: str) -> None:
    services.feedback_record(case=case, actor=clerk, recipient=recipient, method=DeliveryMethod.POST)


def _pending(case: Case, party: str) -> Visit:
    return Visit.objects.get(case=case, party=party, done_at__isnull=True)


def _first_round_changed(clerk: Staff, handler: Staff, chief: Staff, frozen_time: Any) -> Case:
    """Round 1: the decision told and both parties visited; the payer objects, a 行政复议 and
    a 劳动争议调解 are filed; the mediation is withdrawn (leaving a year's window for arbitration,
    劳动争议调解仲裁法第二十七条) and the 复议 changes the decision: handling reopens."""
    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(clerk, handler, chief)
    _deliver(clerk, case, Recipient.PAYER)
    _deliver(clerk, case, Recipient.OTHER_PARTY)
    _visit(clerk, _pending(case, Recipient.OTHER_PARTY))
    _visit(clerk, _pending(case, Recipient.PAYER), objects=True)
    mediation = services.remedy_record(
        case=case, actor=clerk, kind=RemedyKind.MEDIATION, body="奈曼旗劳动争议调解中心", filed_on=date(2026, 3, 2)
    )
    reconsideration = services.remedy_record(
        case=case, actor=clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 2)
    )
    frozen_time("2026-03-10 09:00")
    mediation = services.remedy_outcome(
        remedy=mediation, actor=clerk, outcome=RemedyOutcome.WITHDRAWN, outcome_on=date(2026, 3, 10)
    )
    assert mediation.window_ends_on is not None and mediation.window_ends_on > date(2027, 1, 1)
    services.remedy_outcome(
        remedy=reconsideration, actor=clerk, outcome=RemedyOutcome.CHANGED, outcome_on=date(2026, 3, 10)
    )
    case.refresh_from_db()
    assert case.state == CaseState.OWN_HANDLING
    return case


def _second_decision(clerk: Staff, chief: Staff, case: Case) -> Decision:
    draft = decision_draft(case, clerk, DecisionResult.SUPPORT)
    return handling.decision_issue(decision=draft, actor=chief)


def test_a_second_round_ending_upheld_is_archivable_once_its_window_passes(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(七) after a 变更 (issue 11 §1): the new decision is told and both parties visited again;
    the payer objects again, the second 行政复议 is 维持 on 1 April; 行政诉讼法第四十五条 leaves
    15 days to sue. The first round's 变更 remedy, its other-party visit and its mediation's
    open window neither block nor count: the case is blocked only by the second round, and is
    ready on the page, the API, the to-do list and the archive step's guard the day after the
    window ends. It was stuck for ever on "救济结果变更了处理意见，须重新办理"."""
    case = _first_round_changed(intake_clerk, tax_handler, department_head, frozen_time)
    frozen_time("2026-03-12 09:00")
    second = _second_decision(intake_clerk, department_head, case)
    assert second.status == DecisionStatus.ISSUED
    _deliver(intake_clerk, case, Recipient.PAYER)
    _deliver(intake_clerk, case, Recipient.OTHER_PARTY)
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    # The first round's visit to the employer was about the decision that was changed.
    assert selectors.archive_blocker(case) == "尚未完成对争议另一方的跟踪回访"
    _visit(intake_clerk, _pending(case, Recipient.OTHER_PARTY))
    assert selectors.archive_blocker(case) == "尚未完成跟踪回访"  # not the first round's objection
    assert not ready_lists(department_head, client_for, case)

    frozen_time("2026-03-16 09:00")
    _visit(intake_clerk, _pending(case, Recipient.PAYER), objects=True)
    case.refresh_from_db()
    assert case.state == CaseState.REMEDY_TRACKING
    assert selectors.archive_blocker(case) == "缴费人有异议，尚未记录其救济途径"
    again = services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 16)
    )
    # 60 days from knowing the decision contested: the second notice's delivery, 12 March.
    assert again.deadline_start == date(2026, 3, 12)
    assert again.decision_id == second.pk
    assert selectors.archive_blocker(case) == "救济途径尚未终结"
    frozen_time("2026-04-01 09:00")
    again = services.remedy_outcome(
        remedy=again, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 4, 1)
    )
    assert again.window_ends_on == date(2026, 4, 16)
    assert "2026-04-16" in (selectors.archive_blocker(case) or "")
    assert not ready_lists(department_head, client_for, case)

    frozen_time("2026-04-17 09:00")
    case.refresh_from_db()
    assert selectors.archive_blocker(case) is None
    assert ready_lists(department_head, client_for, case)
    assert [guard(case, {}) for guard in workflow.TRANSITIONS["archive"].guards] == [None]


def test_within_a_round_a_changed_remedy_still_blocks(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """Within one round a 变更 remedy still blocks archiving: its decision must be made anew.
    ``remedy_outcome`` reopens handling with it, so the case is in no list and the guard refuses;
    the rule itself refuses it in 救济途径跟踪 too (the state cannot be set outside the workflow,
    so it is read off an unsaved copy). Only a new decision issued ends the round."""
    case = _first_round_changed(intake_clerk, tax_handler, department_head, frozen_time)
    frozen_time("2026-12-01 09:00")  # the round's windows closed, but the mediation's
    assert selectors.archive_blocker(case) == "案件当前状态“本部门办理”不能归档"
    assert not ready_lists(department_head, client_for, case)
    changed = Remedy.objects.get(case=case, outcome=RemedyOutcome.CHANGED)
    assert changed in Remedy.objects.filter(case=case).filter(selectors.current_round())
    case.state = CaseState.REMEDY_TRACKING  # not saved
    assert selectors.archive_blocker(case) == "救济结果变更了处理意见，须重新办理"

    case.refresh_from_db()
    _second_decision(intake_clerk, department_head, case)
    assert not Remedy.objects.filter(case=case).filter(selectors.current_round()).exists()
    assert not Visit.objects.filter(case=case).filter(selectors.current_round()).exists()


def test_the_lists_read_the_current_round(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    """The 回访 page's and the to-do list's remedies and visits are those of the current round:
    a first-round visit left undone does not keep the other party off the schedule form or
    stand for the second round's visit; a remedy of the second round may follow only a remedy
    of the second round."""
    case = _first_round_changed(intake_clerk, tax_handler, department_head, frozen_time)
    first_remedies = list(Remedy.objects.filter(case=case))
    assert all(r.decision_id == Decision.objects.filter(case=case).get().pk for r in first_remedies)
    frozen_time("2026-03-12 09:00")
    _second_decision(intake_clerk, department_head, case)
    _deliver(intake_clerk, case, Recipient.PAYER)
    _visit(intake_clerk, _pending(case, Recipient.PAYER), objects=True)
    assert [i.case_number for i in todo.todo_for(department_head).items if i.source == "followup.remedy"] == []
    board = selectors.follow_up_work(user=department_head, today=date(2026, 3, 12))
    assert board.remedies == [] and board.ready == []
    mediation = next(r for r in first_remedies if r.kind == RemedyKind.MEDIATION)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.remedy_record(
            case=case,
            actor=intake_clerk,
            kind=RemedyKind.ARBITRATION,
            body="奈曼旗劳动人事争议仲裁委员会",
            filed_on=date(2026, 3, 12),
            previous=mediation,
        )
    assert "previous" in error.value.message_dict
    assert Remedy.objects.filter(case=case).count() == len(first_remedies)  # nothing half-saved


def test_rows_from_before_the_field_are_tied_to_their_round(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """The data migration (followup 0004) ties each remedy and visit recorded before rounds
    existed to the decision issued by the time it was made: the first round's to the first
    decision, the second round's to the second, so an old case in its second round is not stuck."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("fengqiao.followup.migrations.0004_remedy_visit_decision")
    case = _first_round_changed(intake_clerk, tax_handler, department_head, frozen_time)
    frozen_time("2026-03-12 09:00")
    second = _second_decision(intake_clerk, department_head, case)
    _deliver(intake_clerk, case, Recipient.PAYER)
    _visit(intake_clerk, _pending(case, Recipient.PAYER), objects=True)
    services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.LITIGATION, body="奈曼旗人民法院", filed_on=date(2026, 3, 12)
    )
    expected = {
        **{("r", pk): d for pk, d in Remedy.objects.filter(case=case).values_list("pk", "decision_id")},
        **{("v", pk): d for pk, d in Visit.objects.filter(case=case).values_list("pk", "decision_id")},
    }
    assert {d for d in expected.values()} == {second.pk, Decision.objects.exclude(pk=second.pk).get(case=case).pk}
    Remedy.objects.filter(case=case).update(decision=None)
    Visit.objects.filter(case=case).update(decision=None)

    migration.tie_to_decisions(apps, None)

    assert {
        **{("r", pk): d for pk, d in Remedy.objects.filter(case=case).values_list("pk", "decision_id")},
        **{("v", pk): d for pk, d in Visit.objects.filter(case=case).values_list("pk", "decision_id")},
    } == expected
