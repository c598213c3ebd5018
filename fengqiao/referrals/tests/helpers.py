"""Building blocks for the referral tests: a case classified unclear, and the steps."""

from __future__ import annotations

from typing import Any

from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.models import DecisionResult
from fengqiao.handling.selectors import remedies_default
from fengqiao.org.models import Department, Staff
from fengqiao.referrals import services
from fengqiao.referrals.models import Referral

UNCLEAR_REASON = "涉及灵活就业人员参保身份认定，人社、税务、医保职责边界不清"


def referred_case(clerk: Staff, **kwargs: Any) -> Case:
    case = intake(clerk, **kwargs)
    return case_review(case=case, actor=clerk, classification=Classification.UNCLEAR, reason=UNCLEAR_REASON)


def referral_of(case: Case) -> Referral:
    return Referral.objects.select_related("case", "department").get(case=case)


def feedback_fields(case: Case) -> dict[str, Any]:
    return {
        "request": "请求按实际收入核定缴费基数",
        "facts_and_reasons": "经人社局核查，缴费基数核定符合规定，已向缴费人解释说明。",
        "result": DecisionResult.EXPLAIN,
        "legal_basis": "《中华人民共和国社会保险法》第六十条",
        "remedies": remedies_default(case=case),
        "feedback_to_office": "已电话联系缴费人并解释说明，缴费人表示理解。",
    }


def answer(referral: Referral, actor: Staff) -> Referral:
    return services.referral_feedback(referral=referral, actor=actor, **feedback_fields(referral.case))


def dept(code: str, county: Any) -> Department:
    return Department.objects.get(jurisdiction=county, code=code)
