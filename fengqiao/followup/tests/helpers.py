"""Get a case to DECIDED quickly, for the follow-up tests."""

from __future__ import annotations

from fengqiao.cases.models import Case, PayerGroup, PayerKind
from fengqiao.cases.services import PayerData
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling import services
from fengqiao.handling.models import DecisionResult
from fengqiao.handling.tests.handling_helpers import (  # noqa: F401  (file_storage is a fixture)
    complete,
    decision_draft,
    file_storage,
    general_case,
    head,
    task_of,
)
from fengqiao.org.models import Jurisdiction, Staff


def decided_own_case(clerk: Staff, handler: Staff, chief: Staff) -> Case:
    """An own-handled case (四(一)) with its decision notice issued."""
    case = intake(clerk, outcome=IntakeOutcome.OWN)
    decision = decision_draft(case, clerk, DecisionResult.EXPLAIN)
    complete(task_of(case, "tax"), handler, chief)
    services.decision_issue(decision=decision, actor=chief)
    case.refresh_from_db()
    return case


def decided_general_case(
    naiman: Jurisdiction, clerk: Staff, tax: Staff, chief: Staff, hrss: Staff, medical: Staff
) -> Case:
    """A general matter (joint handling) with its decision notice issued."""
    case = general_case(clerk, naiman)
    complete(task_of(case, "tax"), tax, chief)
    complete(task_of(case, "hrss"), hrss, head(naiman, "hrss"))
    complete(task_of(case, "medical"), medical, head(naiman, "medical"))
    decision = decision_draft(case, clerk)
    services.decision_issue(decision=decision, actor=clerk)
    case.refresh_from_db()
    return case


ADDRESS = "大沁他拉镇团结路8号"


def decided_with_other_party(clerk: Staff, handler: Staff, chief: Staff) -> Case:
    """An own-handled case between a worker and the employer, its decision notice issued."""
    employer = PayerData(
        kind=PayerKind.EMPLOYER,
        name="奈曼旗宏达商贸有限公司",
        payer_group=PayerGroup.EMPLOYER,
        credit_code="91150525MA0N1234X5",
    )
    case = intake(clerk, outcome=IntakeOutcome.OWN, address=ADDRESS, other_party=employer)
    decision = decision_draft(case, clerk, DecisionResult.EXPLAIN)
    complete(task_of(case, "tax"), handler, chief)
    services.decision_issue(decision=decision, actor=chief)
    case.refresh_from_db()
    return case
