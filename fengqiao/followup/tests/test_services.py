"""结果反馈 → 跟踪回访 → 救济途径: the paths of issue 7 end to end, and the remedy deadlines."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases.models import EventKind
from fengqiao.cases.states import CaseState
from fengqiao.followup import selectors, services
from fengqiao.followup.models import (
    DeliveryMethod,
    Recipient,
    RemedyKind,
    RemedyOutcome,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_general_case, decided_own_case, file_storage  # noqa: F401
from fengqiao.integrations.models import OutboxMessage


def _notify(case, actor, **kwargs):
    return services.feedback_record(
        case=case, actor=actor, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON, **kwargs
    )


def test_no_objection_makes_the_case_ready_to_archive(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    assert selectors.archive_blocker(case) is not None  # decided, not yet delivered
    frozen_time("2026-03-03 10:00")
    delivery = services.feedback_record(
        case=case,
        actor=intake_clerk,
        recipient=Recipient.PAYER,
        method=DeliveryMethod.SMS,
        address="13812345678",
        receipt_reference="SD-2026-001",
        send_message=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    assert case.due_on == date(2026, 3, 10)  # 5 working days for the follow-up
    assert delivery.receipt_reference == "SD-2026-001"
    assert OutboxMessage.objects.filter(idempotency_key=f"followup-delivery-{delivery.pk}").exists()
    transitions = [e.data.get("transition") for e in case.events.filter(kind=EventKind.TRANSITION)]
    assert transitions[-2:] == ["notify", "follow_up_start"]
    visit = Visit.objects.get(case=case)
    assert visit.scheduled_on == date(2026, 3, 10)
    assert selectors.archive_blocker(case) == "尚未完成跟踪回访"
    services.visit_record(
        visit=visit,
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.SATISFIED,
        objects_to_decision=False,
        notes="缴费人表示满意",
    )
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    assert selectors.archive_blocker(case) is None


def test_objection_reconsideration_then_litigation_then_ready(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    visit = Visit.objects.get(case=case)
    services.visit_record(
        visit=visit,
        actor=intake_clerk,
        method=VisitMethod.VISIT,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.REMEDY_TRACKING
    assert selectors.archive_blocker(case) == "缴费人有异议，尚未记录其救济途径"

    frozen_time("2026-03-20 09:00")
    reconsideration = services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 20)
    )
    assert reconsideration.statutory_deadline == date(2026, 5, 6)  # 2 March + 60 = 1 May (劳动节) → 6 May
    assert reconsideration.filed_in_time
    assert list(selectors.remedies_to_follow_up(date(2026, 4, 19))) == [reconsideration]
    assert list(selectors.remedies_to_follow_up(date(2026, 4, 18))) == []
    assert selectors.archive_blocker(case) == "救济途径尚未终结"

    frozen_time("2026-05-11 09:00")
    services.remedy_outcome(
        remedy=reconsideration, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 5, 8)
    )
    reconsideration.refresh_from_db()
    # 行政诉讼法第四十五条: 15 days to sue after receiving the 复议决定 — the case stays open.
    assert reconsideration.window_ends_on == date(2026, 5, 25)
    assert selectors.archive_blocker(case) == "行政复议已终结，缴费人可在2026-05-25前提起后续救济，期限届满后方可归档"
    with pytest.raises(ValidationError):  # litigation follows reconsideration, mediation does not
        services.remedy_record(
            case=case,
            actor=intake_clerk,
            kind=RemedyKind.ARBITRATION,
            body="仲裁委",
            filed_on=date(2026, 5, 11),
            previous=reconsideration,
        )
    litigation = services.remedy_record(
        case=case,
        actor=intake_clerk,
        kind=RemedyKind.LITIGATION,
        body="奈曼旗人民法院",
        filed_on=date(2026, 5, 11),
        previous=reconsideration,
    )
    assert litigation.deadline_start == date(2026, 5, 8)
    assert litigation.statutory_deadline == date(2026, 5, 25)  # 8 May + 15 = 23 May (Saturday) → 25 May
    assert selectors.archive_blocker(case) == "救济途径尚未终结"
    frozen_time("2026-08-03 09:00")
    services.remedy_outcome(
        remedy=litigation, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 7, 31)
    )
    case.refresh_from_db()
    assert case.state == CaseState.REMEDY_TRACKING
    assert selectors.archive_blocker(case) is None
    assert case.events.filter(kind=EventKind.REMEDY).count() == 4


def test_a_changed_outcome_reopens_joint_handling(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_general_case(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler)
    _notify(case, intake_clerk)
    services.visit_record(
        visit=Visit.objects.get(case=case),
        actor=intake_clerk,
        method=VisitMethod.ONLINE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    frozen_time("2026-03-10 09:00")
    remedy = services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 9)
    )
    services.remedy_outcome(
        remedy=remedy, actor=intake_clerk, outcome=RemedyOutcome.CHANGED, outcome_on=date(2026, 3, 10)
    )
    case.refresh_from_db()
    assert case.state == CaseState.JOINT_HANDLING
    assert case.events.filter(data__transition="reopen").exists()


def test_a_changed_outcome_reopens_own_handling(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    services.visit_record(
        visit=Visit.objects.get(case=case),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    mediation = services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.MEDIATION, body="调解中心", filed_on=date(2026, 3, 2)
    )
    assert mediation.statutory_deadline == date(2026, 3, 17)
    services.remedy_outcome(
        remedy=mediation, actor=intake_clerk, outcome=RemedyOutcome.WITHDRAWN, outcome_on=date(2026, 3, 2)
    )
    arbitration = services.remedy_record(
        case=case,
        actor=intake_clerk,
        kind=RemedyKind.ARBITRATION,
        body="奈曼旗劳动人事争议仲裁委员会",
        filed_on=date(2026, 3, 2),
        previous=mediation,
    )
    assert arbitration.statutory_deadline == date(2027, 3, 2)
    services.remedy_outcome(
        remedy=arbitration, actor=intake_clerk, outcome=RemedyOutcome.CHANGED, outcome_on=date(2026, 3, 2)
    )
    case.refresh_from_db()
    assert case.state == CaseState.OWN_HANDLING
    assert selectors.archive_blocker(case) is not None


def test_remedy_deadlines(naiman) -> None:
    # 60 days from 4 August 2026 is 3 October, in the National Day holiday → 8 October.
    start, end = services.remedy_deadline(
        kind=RemedyKind.RECONSIDERATION, knew=date(2026, 8, 4), filed_on=date(2026, 8, 5)
    )
    assert (start, end.day) == (date(2026, 8, 4), date(2026, 10, 8))
    # 6 months from 31 August 2026: 28 February 2027 (a Sunday) → the next working day.
    _start, end = services.remedy_deadline(
        kind=RemedyKind.LITIGATION, knew=date(2026, 8, 31), filed_on=date(2026, 9, 1)
    )
    assert end.day >= date(2027, 3, 1)
    assert services.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert services.add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)


def test_others_may_not_record(naiman, intake_clerk, tax_handler, department_head, hrss_handler) -> None:
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    with pytest.raises(PermissionDenied):
        _notify(case, hrss_handler)


def test_an_open_remedy_window_keeps_the_case_open_per_administrative_litigation_law_art_45(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """行政诉讼法第四十五条: 不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼.
    After a 行政复议 维持 the case may not be archived (guard, worklist) while those 15 days run;
    a lawsuit filed on the last day is recorded on the open case; once the window has passed
    unused the case is ready."""
    from fengqiao.cases import workflow
    from fengqiao.cases.workflow import TransitionError

    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    services.visit_record(
        visit=Visit.objects.get(case=case),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    reconsideration = services.remedy_record(
        case=case, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 2)
    )
    frozen_time("2026-04-10 09:00")
    reconsideration = services.remedy_outcome(
        remedy=reconsideration, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 4, 10)
    )
    assert reconsideration.window_ends_on == date(2026, 4, 27)  # 10 April + 15 = 25 April (Saturday) → 27 April
    case.refresh_from_db()
    assert selectors.archive_blocker(case) is not None
    assert case not in selectors.follow_up_work(user=intake_clerk, today=date(2026, 4, 10)).ready
    with pytest.raises(TransitionError):
        workflow.transition(case=case, name="archive", actor=intake_clerk)
    frozen_time("2026-04-27 17:00")  # the last day: still open
    assert selectors.archive_blocker(case) is not None
    assert case not in selectors.follow_up_work(user=intake_clerk, today=date(2026, 4, 27)).ready
    frozen_time("2026-04-28 09:00")  # passed unused: ready
    assert selectors.archive_blocker(case) is None
    assert case in selectors.follow_up_work(user=intake_clerk, today=date(2026, 4, 28)).ready


def test_a_lawsuit_within_the_art_45_window_is_recorded_and_closes_it(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """行政诉讼法第四十五条 and 劳动争议调解仲裁法第五十条: the window after an award or a 复议决定
    is 15 days; a lawsuit recorded within it is a remedy of the open case, and once the lawsuit
    (the last step) ended without changing the decision no window is left."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    services.visit_record(
        visit=Visit.objects.get(case=case),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    arbitration = services.remedy_record(
        case=case,
        actor=intake_clerk,
        kind=RemedyKind.ARBITRATION,
        body="奈曼旗劳动人事争议仲裁委员会",
        filed_on=date(2026, 3, 2),
    )
    frozen_time("2026-04-01 09:00")
    arbitration = services.remedy_outcome(
        remedy=arbitration, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 4, 1)
    )
    assert arbitration.window_ends_on == date(2026, 4, 16)  # 1 April + 15
    frozen_time("2026-04-16 09:00")
    lawsuit = services.remedy_record(
        case=case,
        actor=intake_clerk,
        kind=RemedyKind.LITIGATION,
        body="奈曼旗人民法院",
        filed_on=date(2026, 4, 16),
        previous=arbitration,
    )
    assert (lawsuit.deadline_start, lawsuit.statutory_deadline, lawsuit.filed_in_time) == (
        date(2026, 4, 1),
        date(2026, 4, 16),
        True,
    )
    case.refresh_from_db()
    assert selectors.archive_blocker(case) == "救济途径尚未终结"
    frozen_time("2026-06-01 09:00")
    lawsuit = services.remedy_outcome(
        remedy=lawsuit, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 6, 1)
    )
    assert lawsuit.window_ends_on is None
    assert selectors.archive_blocker(case) is None


def test_both_parties_are_visited_before_archiving_per_4_5(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """四(五) 对被反馈的争议双方进行跟踪回访: each visit names its party; telling the other party
    schedules a visit to it; the case is ready only once both were visited; only the payer's
    objection leads to the remedies (四(四)), the other party's is recorded."""
    from fengqiao.followup.tests.helpers import decided_with_other_party

    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.OTHER_PARTY, method=DeliveryMethod.POST)
    visits = {v.party: v for v in Visit.objects.filter(case=case)}
    assert set(visits) == {Recipient.PAYER, Recipient.OTHER_PARTY}
    services.visit_record(
        visit=visits[Recipient.PAYER],
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.SATISFIED,
        objects_to_decision=False,
    )
    case.refresh_from_db()
    assert selectors.archive_blocker(case) == "尚未完成对争议另一方的跟踪回访"
    assert case not in selectors.follow_up_work(user=intake_clerk, today=date(2026, 3, 2)).ready
    services.visit_record(
        visit=visits[Recipient.OTHER_PARTY],
        actor=intake_clerk,
        method=VisitMethod.VISIT,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP  # the employer's objection moves nothing
    assert selectors.archive_blocker(case) is None
    assert case in selectors.follow_up_work(user=intake_clerk, today=date(2026, 3, 2)).ready
    # A further visit names its party; a case without another party has none to name.
    again = services.visit_schedule(case=case, actor=intake_clerk, party=Recipient.OTHER_PARTY)
    assert again.party == Recipient.OTHER_PARTY
    alone = decided_own_case(intake_clerk, tax_handler, department_head)
    _notify(alone, intake_clerk)
    with pytest.raises(ValidationError) as error:
        services.visit_schedule(case=alone, actor=intake_clerk, party=Recipient.OTHER_PARTY)
    assert "party" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.visit_schedule(case=alone, actor=intake_clerk, party="somebody")
    assert "party" in error.value.message_dict


def test_an_other_party_told_but_never_visited_is_on_the_worklist(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """四(五): a case whose other party was told but has no visit (recorded before visits named a
    party) is listed under 待安排回访争议另一方, so nobody is left without a next step."""
    from fengqiao.followup.tests.helpers import decided_with_other_party

    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    _notify(case, intake_clerk)
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.OTHER_PARTY, method=DeliveryMethod.POST)
    Visit.objects.filter(case=case, party=Recipient.OTHER_PARTY).delete()  # as before the field existed
    board = selectors.follow_up_work(user=intake_clerk, today=date(2026, 3, 2))
    assert board.to_visit_other == [case]
    services.visit_schedule(case=case, actor=intake_clerk, party=Recipient.OTHER_PARTY)
    assert selectors.follow_up_work(user=intake_clerk, today=date(2026, 3, 2)).to_visit_other == []
