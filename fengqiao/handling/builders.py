"""What the 处理意见书 says (四(三)1 3), 四(三)2 3)): the context of
``templates/documents/forms/decision_notice.html``. The wording is in the template;
``documents.py`` registers the form."""

from __future__ import annotations

from typing import Any

from fengqiao.cases.models import Case, CaseDepartment
from fengqiao.cases.states import Classification
from fengqiao.documents.builders import case_common
from fengqiao.documents.registry import Issue
from fengqiao.handling import selectors as handling


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def decision_notice(case: Case, issue: Issue) -> dict[str, Any]:
    """处理意见书 (四(三)1 3), 四(三)2 3); DOMAIN.md "Documents"): the payer's request, the facts and
    reasons, the decision (支持 / 解释说明 / 不予支持), its legal basis, and the remedies with
    their bodies and deadlines (行政复议法第二十条). The decision is the case's issued one, or
    the draft being written (a preview); without either, the decision editor's first draft."""
    decision = handling.decision_current(case=case)
    if decision is not None:
        request, facts, result = decision.request, decision.facts_and_reasons, decision.result
        basis, remedies = decision.legal_basis, decision.remedies
    else:
        prefill = handling.decision_prefill(case=case)
        request, facts, result = prefill["request"], prefill["facts_and_reasons"], prefill["result"]
        basis, remedies = prefill["legal_basis"], prefill["remedies"]
    departments = [
        i.department
        for i in case.involvements.select_related("department").order_by("role", "department__sort_order")
        if i.role != CaseDepartment.Role.RECEIVING and i.department_id != case.receiving_department_id
    ]
    chinese = "一二三四五六七八九十"
    return {
        **case_common(case, issue),
        "request": _lines(request),
        "facts": _lines(facts),
        "result": result,
        "basis": _lines(basis),
        "remedies": [
            {**r, "number": chinese[n] if n < len(chinese) else str(n + 1)} for n, r in enumerate(remedies or [])
        ],
        "is_major": case.classification == Classification.MAJOR,
        "is_joint": case.classification == Classification.GENERAL,
        "co_departments": "、".join(d.name for d in departments),
    }
