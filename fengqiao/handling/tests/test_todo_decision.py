"""The to-do row 综合意见、出具处理意见书 appears only when the decision can be issued (issue 11 §2,
found walking the major matter in a browser): it appeared as soon as the written opinions were
signed, though issuing was then refused until the minutes were issued.

The rules are those ``decision_issue`` checks: 四(三)2 3) 经小组会商后形成会议纪要，由受理部门将处理
意见以书面形式告知缴费人 (the decide step's guard ``_minutes_for_special``) and 三(二)5 司法局…把关
(``legal.legal_review_blocking``: a major matter's draft needs an approved review of its current
content). While the decision waits on the group office or the 司法局, the row is theirs; a draft
the 司法局 found wanting (需修改) is the receiving department's again, worded as such."""

from __future__ import annotations

from typing import Any

import pytest

from fengqiao.cases import workflow
from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.core import todo
from fengqiao.handling import services
from fengqiao.handling.legal import legal_review_blocking, legal_review_record
from fengqiao.handling.models import Decision, DecisionStatus, LegalReviewConclusion
from fengqiao.handling.selectors import remedies_default
from fengqiao.handling.tests.handling_helpers import (  # noqa: F401  (file_storage is a fixture)
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
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db

ISSUE = "综合意见、出具处理意见书"
REVISE = "按司法局审查意见修改处理意见书"


def rows(user: Staff, source: str) -> list[todo.TodoItem]:
    return [i for i in todo.todo_for(user).items if i.source == source]


def issuable(case: Case) -> bool:
    """What ``decision_issue`` would say of the case's draft (or of a draft written now): the
    decide step's guards, then the 司法局's review."""
    case = Case.objects.get(pk=case.pk)
    if case.state not in workflow.TRANSITIONS["decide"].sources:
        return False
    draft = Decision.objects.filter(case=case, status=DecisionStatus.DRAFT).first()
    data: dict[str, Any] = {"from_mediation": bool(draft and draft.from_mediation)}
    if any(guard(case, data) for guard in workflow.TRANSITIONS["decide"].guards):
        return False
    return draft is None or legal_review_blocking(draft) is None


def shown(clerk: Staff, case: Case) -> list[str]:
    whats = [i.what for i in rows(clerk, "handling.decision") if i.case_number == case.number]
    assert (whats == [ISSUE]) == issuable(case), whats  # the row and the issue step agree
    return whats


@pytest.fixture
def special(naiman, intake_clerk, group_office, group_leader, tax_handler, department_head) -> Case:
    """A major matter in special handling whose member units (税务局, 司法局) have signed their
    written approval opinions."""
    case = major_case(intake_clerk)
    request = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    services.special_request_approve(
        special=request, actor=group_leader, member_units=[dept(naiman, "tax"), dept(naiman, "justice")]
    )
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "justice"), worker(naiman, "justice"), head(naiman, "justice"))
    return Case.objects.get(pk=case.pk)


def test_a_special_decision_is_listed_once_the_minutes_are_issued(
    naiman, special, intake_clerk, group_office, group_leader
) -> None:
    """四(三)2 3): opinions signed is not enough — the decision follows the minutes; meanwhile the
    case is the group office's (组织重大事项会商), not the receiving department's."""
    assert special.state == CaseState.SPECIAL_HANDLING
    assert shown(intake_clerk, special) == []
    assert [i.case_number for i in rows(group_office, "meetings.plan")] == [special.number]
    minutes_for(special, group_office, group_leader)
    assert shown(intake_clerk, special) == [ISSUE]  # no draft yet: the department writes it


def test_the_draft_waits_on_the_justice_bureau_and_comes_back_to_revise_or_issue(
    naiman, special, intake_clerk, group_office, group_leader
) -> None:
    """三(二)5: a major matter's draft waits for the 司法局's review of its current content; after
    需修改 it is the department's to revise (and no longer the 司法局's); once approved, to issue."""
    justice = worker(naiman, "justice")
    minutes_for(special, group_office, group_leader)
    decision = decision_draft(special, intake_clerk)
    assert shown(intake_clerk, special) == []
    assert [i.case_number for i in rows(justice, "handling.legal_review")] == [special.number]
    with pytest.raises(TransitionError):
        services.decision_issue(decision=decision, actor=intake_clerk)

    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.CHANGES, notes="依据不全")
    assert shown(intake_clerk, special) == [REVISE]
    assert rows(justice, "handling.legal_review") == []

    decision = services.decision_save(
        case=special,
        actor=intake_clerk,
        request=decision.request,
        facts_and_reasons=decision.facts_and_reasons,
        result=decision.result,
        legal_basis="《中华人民共和国社会保险法》第六十条、第六十三条",
        remedies=remedies_default(case=special),
    )
    assert shown(intake_clerk, special) == []  # the changed content is the 司法局's again
    assert [i.case_number for i in rows(justice, "handling.legal_review")] == [special.number]

    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.APPROVED)
    assert shown(intake_clerk, special) == [ISSUE]
    services.decision_issue(decision=decision, actor=intake_clerk)
    assert shown(intake_clerk, special) == []


def test_a_draft_reviewed_before_the_minutes_waits_for_them(
    naiman, special, intake_clerk, group_office, group_leader
) -> None:
    """The 司法局 may review a draft written before the meeting; the row still waits for the
    minutes, as the issue step does."""
    decision = decision_draft(special, intake_clerk)
    justice = worker(naiman, "justice")
    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.APPROVED)
    assert shown(intake_clerk, special) == []
    minutes_for(special, group_office, group_leader)
    assert shown(intake_clerk, special) == [ISSUE]


def test_the_decision_rows_are_read_in_one_query(naiman, special, intake_clerk, group_office, group_leader) -> None:
    """The waits and the wording are part of the one read (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    minutes_for(special, group_office, group_leader)
    src = next(s for s in todo.sources() if s.key == "handling.decision")
    with CaptureQueriesContext(connection) as one:
        items = [src.item(c) for c in src.queryset(intake_clerk)[: todo.ROW_LIMIT]]
    assert [i.what for i in items] == [ISSUE] and len(one) == 1
