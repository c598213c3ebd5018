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
    assert selectors.archive_blocker(case) is None  # ended; the payer may still sue
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
