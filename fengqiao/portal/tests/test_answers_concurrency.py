"""The payer's answers at the same moment as another answer or staff's record: no lost update,
nothing recorded twice (四(四) 结果反馈, 四(五) 跟踪回访). Real threads on the real database: row
locks on PostgreSQL, IMMEDIATE transactions on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.test_concurrency import run_together
from fengqiao.followup import services
from fengqiao.followup.models import Delivery, DeliveryMethod, Recipient, Satisfaction, Visit, VisitMethod
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401
from fengqiao.org.models import Staff
from fengqiao.portal import answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def decided(naiman: Any, intake_clerk: Staff, tax_handler: Staff, department_head: Staff) -> Case:
    return decided_own_case(intake_clerk, tax_handler, department_head)


def test_opening_the_decision_at_once_in_four_tabs_is_one_delivery_4_4(decided: Case) -> None:
    """四(四): four openings at the same moment by the consenting payer make one delivery with
    one 送达回证; the case moves to follow-up once."""
    answers.consent_give(case=decided)
    results, errors = run_together(lambda i: answers.decision_open(case=decided), 4)
    assert errors == []
    assert len([r for r in results if r is not None]) == 1
    delivery = Delivery.objects.get(case=decided)
    assert delivery.method == DeliveryMethod.ONLINE and delivery.receipt_document_id is not None
    decided.refresh_from_db()
    assert decided.state == CaseState.FOLLOWING_UP
    assert Visit.objects.filter(case=decided).count() == 1


def test_payer_and_staff_answering_the_visit_at_once_one_wins_4_5(decided: Case, intake_clerk: Staff) -> None:
    """四(五): the payer's answer and staff's record of the same visit at the same moment: one is
    recorded, the other is refused, nothing of the refused one is written."""
    services.feedback_record(case=decided, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    visit = Visit.objects.get(case=decided)

    def answer(i: int) -> str:
        if i % 2:
            services.visit_answer_by_payer(case=decided, satisfaction=Satisfaction.SATISFIED, objects_to_decision=False)
            return "payer"
        services.visit_record(
            visit=visit,
            actor=intake_clerk,
            method=VisitMethod.PHONE,
            satisfaction=Satisfaction.DISSATISFIED,
            objects_to_decision=True,
        )
        return "staff"

    results, errors = run_together(answer, 4)
    assert len(results) == 1, (results, errors)
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors)
    visit.refresh_from_db()
    decided.refresh_from_db()
    if results == ["payer"]:
        assert (visit.method, visit.objects_to_decision, decided.state) == (
            VisitMethod.PAYER,
            False,
            CaseState.FOLLOWING_UP,
        )
    else:
        assert (visit.method, visit.objects_to_decision, decided.state) == (
            VisitMethod.PHONE,
            True,
            CaseState.REMEDY_TRACKING,
        )
