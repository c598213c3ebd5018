"""四(七) 案卷归档 and the lists that say a case may be sealed (issue 11 §2, one to-do list).

The 回访 page's 可以归档, the API's ``followup/work/`` ``ready`` and the workbench's 待归档 are
one selector, ``followup.selectors.ready_to_archive``, holding ``archive_blocker``'s rule (the
archive step's guard): 四(四) 向争议双方进行反馈 and 四(五) 对被反馈的争议双方进行跟踪回访 — both
parties told and visited —, and no window for a further remedy still open (行政诉讼法第四十五条:
15 days to sue after the 复议决定; docs/followup.md). A blocked case is in none of the three and
comes into all three the day the block ends; the queries do not grow with the rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core import todo
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
from fengqiao.followup.tests.helpers import (  # noqa: F401  (file_storage is a fixture)
    decided_own_case,
    decided_with_other_party,
    file_storage,
)
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def _api(staff: Staff) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=staff)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _todo_numbers(user: Staff, source: str) -> list[str]:
    return [i.case_number for i in todo.todo_for(user, source=source).items if i.source == source]


def ready_lists(user: Staff, client_for: Any, case: Case) -> bool:
    """Whether ``case`` is ready to archive for ``user`` — asserting that the 回访 page, the API
    and the to-do list say the same, and that it is exactly when ``archive_blocker`` lets it."""
    page = client_for(user).get(reverse("followup-work"))
    assert page.status_code == 200
    on_page = case.number in [c.number for c in page.context["board"].ready]
    body = _api(user).get("/api/v1/followup/work/").json()
    in_api = case.number in [row["case"] for row in body["ready"]]
    in_todo = case.number in _todo_numbers(user, "followup.archive")
    case = Case.objects.get(pk=case.pk)
    blocker = selectors.archive_blocker(case)
    assert on_page == in_api == in_todo == (blocker is None), (on_page, in_api, in_todo, blocker)
    return on_page


def _record_visit(clerk: Staff, visit: Visit, *, objects: bool = False) -> None:
    services.visit_record(
        visit=visit,
        actor=clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED if objects else Satisfaction.SATISFIED,
        objects_to_decision=objects,
    )


def test_the_other_party_told_and_visited_before_the_case_is_ready(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(四) 向争议双方进行反馈, 四(五) 对被反馈的争议双方进行跟踪回访: with the payer visited without
    objection, the case is not ready while the employer is untold, then while it has no visit
    (listed as 待安排回访另一方 on the workbench and the 回访 page), then while its visit is not
    done; the day its visit is recorded it is ready everywhere. (The old to-do rule listed it as
    soon as both were told.)"""
    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    _record_visit(intake_clerk, Visit.objects.get(case=case, party=Recipient.PAYER))
    assert not ready_lists(department_head, client_for, case)  # the employer not told

    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.OTHER_PARTY, method=DeliveryMethod.POST)
    # A case told before visits named their party has no visit to the other party at all.
    Visit.objects.filter(case=case, party=Recipient.OTHER_PARTY).delete()
    assert not ready_lists(department_head, client_for, case)
    [item] = [i for i in todo.todo_for(department_head).items if i.source == "followup.visit_other"]
    assert (item.case_number, item.url) == (case.number, reverse("case-detail", args=[case.number]) + "#followup")
    assert item.detail == "奈曼旗宏达商贸有限公司"  # the party to visit
    board = client_for(department_head).get(reverse("followup-work")).context["board"]
    assert [c.number for c in board.to_visit_other] == [case.number]
    page = client_for(department_head).get(item.url).content.decode()
    assert reverse("followup-visit-schedule", args=[case.number]) in page  # the row's page schedules it

    visit = services.visit_schedule(case=case, actor=intake_clerk, party=Recipient.OTHER_PARTY)
    assert _todo_numbers(department_head, "followup.visit_other") == []
    assert not ready_lists(department_head, client_for, case)  # scheduled, not done

    _record_visit(intake_clerk, visit)
    assert ready_lists(department_head, client_for, case)
    assert ready_lists(intake_clerk, client_for, case)


def test_an_open_remedy_window_keeps_the_case_off_the_lists_until_it_ends(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """行政诉讼法第四十五条: 不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼 —
    a reconsideration upheld on 10 March leaves the payer until 25 March to sue; the case is not
    ready on the 11th nor on the 25th, and is ready on the 26th (docs/followup.md, "A remedy
    window still open keeps the case open")."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    _record_visit(intake_clerk, Visit.objects.get(case=case), objects=True)
    remedy = services.remedy_record(
        case=case,
        actor=intake_clerk,
        kind=RemedyKind.RECONSIDERATION,
        body="通辽市税务局",
        filed_on=date(2026, 3, 2),
    )
    assert not ready_lists(department_head, client_for, case)  # the remedy is pending
    frozen_time("2026-03-10 09:00")
    remedy = services.remedy_outcome(
        remedy=remedy, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 3, 10)
    )
    assert remedy.window_ends_on == date(2026, 3, 25)
    frozen_time("2026-03-11 09:00")
    assert not ready_lists(department_head, client_for, case)
    frozen_time("2026-03-25 17:00")
    assert not ready_lists(department_head, client_for, case)  # the last day is still open
    frozen_time("2026-03-26 09:00")
    assert ready_lists(department_head, client_for, case)
    assert Case.objects.get(pk=case.pk).state == CaseState.REMEDY_TRACKING


def test_the_queries_do_not_grow_with_the_ready_cases(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time, django_assert_num_queries
) -> None:
    """CONVENTIONS 13: the to-do list, the 回访 page and the API read the ready cases with the
    same number of queries for one case as for three."""
    frozen_time("2026-03-02 09:00")

    def ready_case() -> Case:
        case = decided_own_case(intake_clerk, tax_handler, department_head)
        services.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
        _record_visit(intake_clerk, Visit.objects.get(case=case))
        return case

    first = ready_case()
    page_client, api_client = client_for(department_head), _api(department_head)

    def measure() -> list[int]:
        counts = []
        for read in (
            lambda: todo.todo_for(department_head),
            lambda: page_client.get(reverse("followup-work")),
            lambda: api_client.get("/api/v1/followup/work/"),
        ):
            read()  # warm: the calendar's year and the session
            with CaptureQueriesContext(connection) as queries:
                read()
            counts.append(len(queries))
        return counts

    few = measure()
    assert _todo_numbers(department_head, "followup.archive") == [first.number]
    more = [ready_case(), ready_case()]
    frozen_time("2026-03-02 09:00")
    assert sorted(_todo_numbers(department_head, "followup.archive")) == sorted(c.number for c in [first, *more])
    with django_assert_num_queries(few[0]):
        todo.todo_for(department_head)
    with django_assert_num_queries(few[1]):
        page = page_client.get(reverse("followup-work"))
    assert len(page.context["board"].ready) == 3
    with django_assert_num_queries(few[2]):
        body = api_client.get("/api/v1/followup/work/").json()
    assert len(body["ready"]) == 3
    assert measure() == few


def test_the_ready_rule_is_archive_blockers_rule_in_follow_up(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """Every case in 跟踪回访 or 救济途径跟踪 of the department is in ``ready_to_archive`` exactly
    when ``archive_blocker`` finds nothing (the archive step's guard, 四(七))."""
    frozen_time("2026-03-02 09:00")
    visited = decided_own_case(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=visited, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    _record_visit(intake_clerk, Visit.objects.get(case=visited))
    waiting = decided_own_case(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=waiting, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    objected = decided_own_case(intake_clerk, tax_handler, department_head)
    services.feedback_record(case=objected, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    _record_visit(intake_clerk, Visit.objects.get(case=objected), objects=True)
    for day in range(0, 3):
        today = date(2026, 3, 2) + timedelta(days=day)
        ready = set(selectors.ready_to_archive(user=department_head, today=today).values_list("pk", flat=True))
        for case in Case.objects.filter(state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING)):
            assert (case.pk in ready) == (selectors.archive_blocker(case, today) is None), case.number
    assert ready == {visited.pk}
