"""待办 — one to-do list (issue 11 §2): for each role of the demo set-up, what waits on it
appears on the workbench with a link to the page that does it, and that page lets it act
(奈政字〔2024〕123号 四(一)–(八)); nobody sees another's work; the queries do not grow with
the items; the navigation's number costs the page no query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.core import todo
from fengqiao.handling import services as handling
from fengqiao.handling.models import SpecialHandlingRequest, Task, TaskStatus
from fengqiao.handling.tests.handling_helpers import (  # noqa: F401  (file_storage is a fixture)
    complete,
    decision_draft,
    file_storage,
    general_case,
    head,
    major_case,
    task_of,
    worker,
)
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def rows(user: Staff, source: str) -> list[todo.TodoItem]:
    return [i for i in todo.todo_for(user).items if i.source == source]


def acts(client_for: Any, user: Staff, item: todo.TodoItem, action_url: str) -> None:
    """The row's page opens for the user and offers the step (its form posts to ``action_url``)."""
    response = client_for(user).get(item.url)
    assert response.status_code == 200, item.url
    assert action_url in response.content.decode(), (item.url, action_url)


# --- 四(二) 审核转办 ----------------------------------------------------------------------------


def test_the_receiving_department_reviews_a_registered_case(naiman, intake_clerk, department_head, client_for) -> None:
    """四(二): 受理部门…审核转办 within one working day — the clerk and the head see it."""
    case = intake(intake_clerk)
    for user in (intake_clerk, department_head):
        [item] = rows(user, "cases.review")
        assert item.case_number == case.number
        assert item.url == reverse("case-review", args=[case.number])
        assert item.due_on == case.due_on
    response = client_for(intake_clerk).get(item.url)
    assert response.status_code == 200


# --- 四(三) tasks and written opinions ---------------------------------------------------------


def test_a_department_handler_signs_for_writes_and_the_head_signs(
    naiman, intake_clerk, tax_handler, hrss_handler, department_head, client_for
) -> None:
    """四(三)1: 各联办单位依职权办理，在规定时限内向受理单位提供书面意见 — the handler signs for the
    task and writes the opinion, the head signs it (部门负责人签发)."""
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "tax")
    [item] = rows(tax_handler, "handling.sign_for")
    assert (item.case_number, item.url, item.due_on) == (
        case.number,
        reverse("task-detail", args=[task.pk]),
        task.due_on,
    )
    acts(client_for, tax_handler, item, reverse("task-sign", args=[task.pk]))
    # The 人社 handler sees its own task, not the tax bureau's.
    assert [i.url for i in rows(hrss_handler, "handling.sign_for")] == [
        reverse("task-detail", args=[task_of(case, "hrss").pk])
    ]

    handling.task_sign(task=task, actor=tax_handler)
    assert rows(tax_handler, "handling.sign_for") == []
    [item] = rows(tax_handler, "handling.write_opinion")
    acts(client_for, tax_handler, item, reverse("task-opinion", args=[task.pk]))

    handling.opinion_save(task=task, actor=tax_handler, facts="查明：缴费基数核定无误。", text="维持核定。")
    handling.opinion_submit(task=task, actor=tax_handler)
    assert rows(tax_handler, "handling.write_opinion") == []
    [item] = rows(department_head, "handling.sign_opinion")
    assert item.url == reverse("task-detail", args=[task.pk])
    acts(client_for, department_head, item, reverse("task-opinion-sign", args=[task.pk]))
    assert rows(tax_handler, "handling.sign_opinion") == []  # only the head signs


def test_a_deputy_authorised_to_sign_sees_the_opinions_to_sign(
    naiman, intake_clerk, tax_handler, department_head, client_for
) -> None:
    """代签 (issue 11 §1): a handler the head authorised for today signs the department's
    opinions; once the authorisation is revoked they no longer wait on the handler."""
    from datetime import timedelta

    from django.utils import timezone

    from fengqiao.org.models import SigningDelegation

    case = general_case(intake_clerk, naiman)
    task = task_of(case, "tax")
    deputy = worker(naiman, "tax")
    handling.task_sign(task=task, actor=tax_handler)
    handling.opinion_save(task=task, actor=tax_handler, facts="查明：缴费基数核定无误。", text="维持核定。")
    handling.opinion_submit(task=task, actor=tax_handler)
    assert rows(deputy, "handling.sign_opinion") == []
    today = timezone.localdate()
    assert deputy.department is not None
    delegation = SigningDelegation.objects.create(
        department=deputy.department,
        principal=department_head,
        deputy=deputy,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        reason="负责人外出学习",
        created_at=timezone.now(),
    )
    [item] = rows(deputy, "handling.sign_opinion")
    assert item.url == reverse("task-detail", args=[task.pk])
    assert rows(tax_handler, "handling.sign_opinion") == []  # not authorised
    SigningDelegation.objects.filter(pk=delegation.pk).update(revoked_at=timezone.now(), revoked_by=department_head)
    assert rows(deputy, "handling.sign_opinion") == []


def test_the_receiving_department_drafts_the_decision_once_every_opinion_is_signed(
    naiman, intake_clerk, tax_handler, hrss_handler, medical_handler, department_head, client_for
) -> None:
    """四(三)1 3): 受理部门负责综合各联办单位的意见 — only when no opinion is outstanding."""
    case = general_case(intake_clerk, naiman)
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), hrss_handler, head(naiman, "hrss"))
    assert rows(intake_clerk, "handling.decision") == []  # the 医保局 has not answered
    complete(task_of(case, "medical"), medical_handler, head(naiman, "medical"))
    [item] = rows(intake_clerk, "handling.decision")
    assert item.url == reverse("case-decision", args=[case.number])
    acts(client_for, intake_clerk, item, "出具")
    assert rows(tax_handler, "handling.decision") == []  # a handler does not decide


# --- 四(三)2 major matters: the office, the leader, the 司法局 ---------------------------------


def test_the_office_forwards_and_the_leader_approves_special_handling(
    naiman, intake_clerk, group_office, group_leader, client_for
) -> None:
    """四(三)2 2): 报请领导小组组长同意 — the office forwards, the leader approves."""
    case = major_case(intake_clerk)
    special = SpecialHandlingRequest.objects.get(case=case)
    [item] = rows(group_office, "handling.special")
    assert item.case_number == case.number
    assert rows(group_leader, "handling.special") == []  # not yet forwarded
    acts(client_for, group_office, item, reverse("special-forward", args=[special.pk]))

    handling.special_request_forward(special=special, actor=group_office)
    assert rows(group_office, "handling.special") == []
    [item] = rows(group_leader, "handling.special")
    acts(client_for, group_leader, item, reverse("special-approve", args=[special.pk]))


def test_the_office_plans_the_major_consultation_and_the_leader_agrees(
    naiman, intake_clerk, group_office, group_leader, client_for
) -> None:
    """四(三)3 重大事项会商 经领导小组组长同意后召开专题会议; 四(三)2 3) the decision follows the
    minutes — a case in special handling waits for the office to plan a consultation."""
    from datetime import timedelta

    from django.utils import timezone

    from fengqiao.meetings import services as meetings
    from fengqiao.meetings.models import ConsultationKind

    case = major_case(intake_clerk)
    special = SpecialHandlingRequest.objects.get(case=case)
    handling.special_request_forward(special=special, actor=group_office)
    handling.special_request_approve(special=special, actor=group_leader)
    [item] = rows(group_office, "meetings.plan")
    assert item.case_number == case.number
    assert item.url.startswith(reverse("consultation-create") + "?kind=major&case=")
    assert client_for(group_office).get(item.url).status_code == 200
    consultation = meetings.consultation_create(
        actor=group_office,
        data=meetings.ConsultationData(
            kind=ConsultationKind.MAJOR,
            topic="缴费基数核定争议专题会商",
            starts_at=timezone.now() + timedelta(days=2),
            place="旗税务局三楼会议室",
            policy_issue="",
            cases=(case,),
        ),
    )
    assert rows(group_office, "meetings.plan") == []
    meetings.consultation_request_approval(consultation=consultation, actor=group_office, reason="重大疑难")
    [item] = rows(group_leader, "meetings.approve")
    assert item.url == reverse("consultation-detail", args=[consultation.pk])
    acts(client_for, group_leader, item, reverse("consultation-decide", args=[consultation.pk]))
    assert rows(group_office, "meetings.approve") == []


def test_the_justice_bureau_reviews_a_major_decision(
    naiman, intake_clerk, group_office, group_leader, client_for
) -> None:
    """三(二)5 司法局…把关: a major matter's draft decision waits for the 司法局's review."""
    reviewer = worker(naiman, "justice")
    case = major_case(intake_clerk)
    special = SpecialHandlingRequest.objects.get(case=case)
    handling.special_request_forward(special=special, actor=group_office)
    handling.special_request_approve(special=special, actor=group_leader)
    case.refresh_from_db()
    decision = decision_draft(case, intake_clerk)
    [item] = rows(reviewer, "handling.legal_review")
    assert item.url == reverse("followthrough-legal-review", args=[decision.pk])
    acts(client_for, reviewer, item, "conclusion")
    assert rows(worker(naiman, "hrss"), "handling.legal_review") == []


def test_a_task_extension_waits_for_the_department_head(
    naiman, intake_clerk, tax_handler, department_head, client_for
) -> None:
    """延期 (信访工作条例第三十四条): a task's extension is decided by its department's head."""
    from datetime import timedelta

    from fengqiao.core import calendar
    from fengqiao.handling.followthrough import extensions

    case = general_case(intake_clerk, naiman)
    task = task_of(case, "tax")
    new_due = calendar.add_working_days(task.due_on + timedelta(days=0), 5).day
    ext = extensions.extension_request(
        case=case, actor=tax_handler, reason="需调取外单位材料", task=task, new_due_on=new_due
    )
    [item] = rows(department_head, "handling.extension")
    assert item.url == reverse("followthrough-extension-decide", args=[ext.pk])
    acts(client_for, department_head, item, "approve")
    assert rows(tax_handler, "handling.extension") == []
    assert rows(head(naiman, "hrss"), "handling.extension") == []


# --- 四(八) 报送办理 ---------------------------------------------------------------------------


def test_the_hotline_office_dispatches_and_the_department_signs_for_and_answers(
    naiman, intake_clerk, hotline_officer, hrss_handler, medical_handler, client_for
) -> None:
    """四(八): 旗政府办…按照部门职责转交承办部门办理，承办部门应在规定时限内进行办理并反馈."""
    from fengqiao.referrals import services as referrals
    from fengqiao.referrals.tests.helpers import dept, referral_of, referred_case

    case = referred_case(intake_clerk)
    referral = referral_of(case)
    [item] = rows(hotline_officer, "referrals.dispatch")
    assert item.url == reverse("referral-detail", args=[referral.pk])
    acts(client_for, hotline_officer, item, reverse("referral-step", args=[referral.pk, "dispatch"]))

    referrals.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    assert rows(hotline_officer, "referrals.dispatch") == []
    [item] = rows(hrss_handler, "referrals.sign_for")
    assert item.due_on is not None
    acts(client_for, hrss_handler, item, reverse("referral-step", args=[referral.pk, "sign"]))
    assert rows(medical_handler, "referrals.sign_for") == []

    referrals.referral_sign(referral=referral_of(case), actor=hrss_handler)
    [item] = rows(hrss_handler, "referrals.answer")
    acts(client_for, hrss_handler, item, reverse("referral-step", args=[referral.pk, "feedback"]))


# --- 四(四)(五)(七) feedback, visits, archive ---------------------------------------------------


def test_the_receiving_department_feeds_back_the_decision(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, client_for
) -> None:
    """四(四): 受理部门…将处理意见以书面形式告知缴费人 — a decided case waits for its feedback."""
    from fengqiao.followup.tests.helpers import decided_own_case

    case = decided_own_case(intake_clerk, tax_handler, department_head)
    [item] = rows(intake_clerk, "followup.notify")
    assert item.url == reverse("followup-feedback", args=[case.number])
    acts(client_for, intake_clerk, item, "recipient")
    assert rows(hrss_handler, "followup.notify") == []


def test_a_visit_due_and_then_the_archive_wait_on_the_receiving_department(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(五) 跟踪回访, then 四(七) 归档: the first visit is due within the follow-up limit; once
    done without objection the case waits to be sealed."""
    from fengqiao.followup import services as followup
    from fengqiao.followup.models import DeliveryMethod, Recipient, Visit
    from fengqiao.followup.tests.helpers import decided_own_case

    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    followup.feedback_record(case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)
    visit = Visit.objects.get(case=case)
    frozen_time(f"{visit.scheduled_on.isoformat()} 09:00")
    [item] = rows(intake_clerk, "followup.visit")
    assert item.url == reverse("followup-visit", args=[visit.pk]) and item.due_on == visit.scheduled_on
    acts(client_for, intake_clerk, item, "satisfaction")
    followup.visit_record(
        visit=visit, actor=intake_clerk, method="phone", satisfaction="satisfied", objects_to_decision=False
    )
    assert rows(intake_clerk, "followup.visit") == []
    [item] = rows(department_head, "followup.archive")
    assert item.url == reverse("case-detail", args=[case.number]) + "#archive"
    acts(client_for, department_head, item, reverse("archive-seal", args=[case.number]))


# --- who sees nothing, and nobody else's work ----------------------------------------------------


@pytest.mark.parametrize("persona_key", ["discipline_liaison", "administrator", "outsider", "hrss_handler"])
def test_nobody_sees_anothers_work(naiman, intake_clerk, persona, persona_key, client_for) -> None:
    """Scoped reads (CONVENTIONS 3): a tax bureau task and a registered case show to no one
    outside the tax bureau and the county-wide office."""
    general_case(intake_clerk, naiman, co=("medical",))
    intake(intake_clerk)
    user = persona(persona_key)
    assert todo.todo_for(user).items == []
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert "目前没有等待您办理的事项" in response.content.decode()


def test_the_group_leader_sees_only_what_waits_for_the_leader(naiman, intake_clerk, group_leader) -> None:
    """The leader approves; the departments' tasks and the review are not the leader's."""
    general_case(intake_clerk, naiman)
    intake(intake_clerk)
    assert todo.todo_for(group_leader).items == []


# --- the workbench, the navigation, the API --------------------------------------------------


def test_the_workbench_lists_the_rows_and_filters_by_source(naiman, intake_clerk, tax_handler, client_for) -> None:
    case = general_case(intake_clerk, naiman)
    own = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    page = client_for(tax_handler).get(reverse("home")).content.decode()
    assert case.number in page and own.number in page
    assert reverse("task-detail", args=[task_of(case, "tax").pk]) in page
    page = client_for(tax_handler).get(reverse("home") + "?todo=handling.write_opinion").content.decode()
    assert reverse("task-detail", args=[task_of(case, "tax").pk]) not in page


def test_overdue_and_near_items_are_marked_and_come_first(naiman, intake_clerk, tax_handler, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    case = general_case(intake_clerk, naiman)
    task = task_of(case, "tax")
    frozen_time("2026-03-30 09:00")  # well past the 5 working days
    later = general_case(intake_clerk, naiman, co=("hrss",))
    items = rows(tax_handler, "handling.sign_for")
    assert [i.case_number for i in items] == [case.number, later.number]
    assert items[0].overdue and items[0].due_on == task.due_on
    assert not items[1].overdue


def test_the_navigation_number_costs_a_page_no_query(naiman, intake_clerk, tax_handler, client_for) -> None:
    """The badge is fetched by htmx after the page; the page itself only carries its URL."""
    general_case(intake_clerk, naiman)
    client = client_for(tax_handler)
    page = client.get(reverse("case-list")).content.decode()
    assert reverse("todo-badge") in page
    badge = client.get(reverse("todo-badge"))
    assert badge.status_code == 200
    assert '<span class="badge"' in badge.content.decode() and ">1<" in badge.content.decode()
    assert client.get(reverse("todo-badge"), HTTP_HX_REQUEST="true").status_code == 200


def test_the_badge_needs_a_signed_in_user(client) -> None:
    assert client.get(reverse("todo-badge")).status_code == 302


def test_the_api_lists_the_callers_todo(naiman, intake_clerk, tax_handler, client_for) -> None:
    case = general_case(intake_clerk, naiman)
    data = client_for(tax_handler).get(reverse("api-todo")).json()
    assert data["total"] == 1 and data["count_capped"] is False
    assert data["groups"] == [{"kind": "handling.sign_for", "name": "待签收任务", "count": 1}]
    [row] = data["results"]
    assert row["case_number"] == case.number and row["kind"] == "handling.sign_for"
    assert row["url"] == reverse("task-detail", args=[task_of(case, "tax").pk])


def test_the_api_refuses_anonymous_callers(client) -> None:
    assert client.get(reverse("api-todo")).status_code in (401, 403)


# --- constant queries ----------------------------------------------------------------------------


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona_key", ["tax_handler", "department_head", "intake_clerk", "group_office"])
def test_the_workbench_queries_do_not_grow_with_the_items(
    naiman, intake_clerk, persona, persona_key, client_for, django_assert_num_queries
) -> None:
    """CONVENTIONS 13: the same number of queries for 1 and for 6 cases of every kind."""
    user = persona(persona_key)
    client = client_for(user)
    general_case(intake_clerk, naiman)
    intake(intake_clerk)
    _home_queries(client)  # warm the per-process caches (calendar, content types)
    few = _home_queries(client)
    for _i in range(5):
        general_case(intake_clerk, naiman)
        intake(intake_clerk)
    assert todo.todo_for(user).total > 0
    with django_assert_num_queries(few):
        client.get(reverse("home"))


def test_each_source_costs_at_most_two_queries(naiman, intake_clerk, department_head) -> None:
    """One capped count and one bounded read of rows per source that applies (none for the
    others); the 司法局 queue also reads which decisions asked for review."""
    for _i in range(3):
        general_case(intake_clerk, naiman)
    sources = todo.sources_for(department_head)
    _ = department_head.role_set, department_head.department
    with CaptureQueriesContext(connection) as ctx:
        result = todo.todo_for(department_head)
    with_rows = sum(1 for n in result.counts.values() if n)
    assert len(ctx.captured_queries) <= len(sources) + with_rows + 1  # + the calendar's horizon
    assert Task.objects.filter(status=TaskStatus.PENDING, department__code="tax").count() == 3
