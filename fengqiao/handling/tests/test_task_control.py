"""Every task can be finished (issue 11 §1): 各联办单位依职权办理，在规定时限内向受理单位提供书面
意见 (四(三)1 3)) — so every member unit of the demo set-up has someone to sign its opinions; a
head authorises a deputy to sign (代签) for a period; and the group office (领导小组办公室承接领导
小组日常工作, 三(一)) or the receiving department's head (受理部门负责综合各联办单位的意见) cancels,
reassigns or transfers a task, each step on the timeline with its reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.workflow import TransitionError
from fengqiao.handling import delegation, permissions, services, taskcontrol
from fengqiao.handling.models import OpinionStatus, Task, TaskKind, TaskStatus
from fengqiao.handling.selectors import opinions_outstanding
from fengqiao.handling.tests.handling_helpers import complete, dept, file_storage, general_case, head, task_of, worker
from fengqiao.org.models import Department, Role, SigningDelegation, Staff
from fengqiao.org.services import DEMO_STAFF, staff_create

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def _api(staff: Staff | None) -> APIClient:
    client = APIClient()
    if staff is not None:
        token, _created = Token.objects.get_or_create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _draft_and_submit(task: Task, handler: Staff) -> None:
    services.task_sign(task=task, actor=handler)
    services.opinion_save(task=task, actor=handler, facts="查明：缴费基数核定无误。", text="维持核定。")
    services.opinion_submit(task=task, actor=handler)


# --- every member unit can finish a task, with the demo staff ----------------------------


def test_every_member_unit_of_the_demo_set_up_has_a_handler_and_a_head() -> None:
    """Issue 11: a unit without a 部门负责人 leaves its opinions 待负责人签发 for ever."""
    call_command("setup_naiman", verbosity=0)
    call_command("demo_staff", verbosity=0)
    for unit in Department.objects.filter(is_member_unit=True):
        people = Staff.objects.filter(department=unit, is_active=True)
        assert people.filter(roles__role=Role.HANDLER).exists(), unit.name
        assert people.filter(roles__role=Role.DEPARTMENT_HEAD).exists(), unit.name


def test_a_task_sent_to_any_member_unit_is_finished_by_the_demo_staff(intake_clerk, group_office, group_leader) -> None:
    """Walk every member unit (四(三)2 2): 会同政府办、司法局、财政局、人社局、医保局、政务服务局、信访局、
    税务局、网信办): a special-opinion task sent there is signed for, answered and signed off by
    someone of the demo staff, from no other role — no task state is a dead end."""
    call_command("demo_staff", verbosity=0)
    county = intake_clerk.department.jurisdiction
    units = list(Department.objects.filter(jurisdiction=county, is_member_unit=True))
    assert len(units) == 9
    case = case_review(
        case=intake(intake_clerk),
        actor=intake_clerk,
        classification=Classification.MAJOR,
        reason="涉及政策性、普遍性问题",
    )
    special = services.special_request_forward(special=case.special_requests.get(), actor=group_office)
    services.special_request_approve(special=special, actor=group_leader, member_units=units)
    demo = {username for username, *_ in DEMO_STAFF}
    for unit in units:
        task = task_of(case, unit.code, TaskKind.SPECIAL_OPINION)
        staff = Staff.objects.filter(username__in=demo, department=unit)
        handler = next(s for s in staff if s.has_role(Role.HANDLER) and not s.has_role(Role.DEPARTMENT_HEAD))
        chief = next(s for s in staff if s.has_role(Role.DEPARTMENT_HEAD))
        _draft_and_submit(task, handler)
        opinion = services.opinion_sign(task=task, actor=chief)
        assert opinion.status == OpinionStatus.SIGNED, unit.name
    assert opinions_outstanding(case=case) == []


# --- 代签授权 --------------------------------------------------------------------------------


def test_a_deputy_signs_under_the_heads_delegation_and_the_timeline_says_so(naiman, intake_clerk, frozen_time) -> None:
    """代签: the head authorises a handler for a period; the handler signs (and may send back)
    within it, the opinion keeps the delegation, the timeline says 由X代签."""
    frozen_time("2026-03-02 09:00")
    case = general_case(intake_clerk, naiman, co=("justice",))
    task = task_of(case, "justice")
    deputy = worker(naiman, "justice")
    chief = head(naiman, "justice")
    author = staff_create(
        username="h_justice_author", name="司法经办人", password=None, department=deputy.department,
        roles=(Role.HANDLER,),
    )  # fmt: skip
    _draft_and_submit(task, author)
    with pytest.raises(PermissionDenied):  # no delegation yet
        services.opinion_sign(task=task, actor=deputy)
    given = delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6), reason="负责人外出学习"
    )
    opinion = services.opinion_sign(task=task, actor=deputy)
    assert (opinion.status, opinion.signed_by, opinion.delegation) == (OpinionStatus.SIGNED, deputy, given)
    event = CaseEvent.objects.filter(case=case, kind=EventKind.OPINION).latest("id")
    assert "代签" in event.summary and str(deputy) in event.summary
    assert event.data["delegation"] == given.pk and event.data["signed_for"] == chief.username


def test_a_deputy_never_signs_an_opinion_of_their_own(naiman, intake_clerk, frozen_time) -> None:
    """代签 stands in for the head, not for the second pair of eyes: the handler who wrote the
    opinion does not sign it off (经办人起草、负责人签发), and it is not on their to-do list."""
    from fengqiao.core.todo import todo_for

    frozen_time("2026-03-02 09:00")
    case = general_case(intake_clerk, naiman, co=("justice",))
    task = task_of(case, "justice")
    deputy = worker(naiman, "justice")
    chief = head(naiman, "justice")
    delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6), reason="负责人外出学习"
    )
    _draft_and_submit(task, deputy)
    assert not permissions.may_sign_opinion(deputy, Task.objects.get(pk=task.pk))
    with pytest.raises(PermissionDenied):
        services.opinion_sign(task=task, actor=deputy)
    assert not [i for i in todo_for(deputy).items if i.source == "handling.sign_opinion"]
    assert services.opinion_sign(task=task, actor=chief).status == OpinionStatus.SIGNED


def test_a_delegation_ends_with_its_period_its_revocation_or_the_heads_office(
    naiman, intake_clerk, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = general_case(intake_clerk, naiman, co=("finance",))
    task = task_of(case, "finance")
    deputy, chief = worker(naiman, "finance"), head(naiman, "finance")
    author = staff_create(
        username="h_finance_author", name="财政经办人", password=None, department=deputy.department,
        roles=(Role.HANDLER,),
    )  # fmt: skip
    _draft_and_submit(task, author)
    given = delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4), reason="出差"
    )
    task.refresh_from_db()
    from fengqiao.handling.permissions import may_sign_opinion

    assert not may_sign_opinion(deputy, task)  # not yet begun
    frozen_time("2026-03-03 09:00")
    assert may_sign_opinion(deputy, task)
    frozen_time("2026-03-05 09:00")
    assert not may_sign_opinion(deputy, task)  # over
    frozen_time("2026-03-03 09:00")
    revoked = delegation.delegation_revoke(delegation=given, actor=chief, reason="已返岗", expected_version=1)
    assert revoked.revoked_by == chief and not may_sign_opinion(deputy, task)
    with pytest.raises(TransitionError):
        delegation.delegation_revoke(delegation=given, actor=chief)
    # A delegation never outlives the head's office.
    again = delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4), reason="出差"
    )
    assert may_sign_opinion(deputy, task)
    from fengqiao.org.services import staff_roles_set

    staff_roles_set(staff=chief, roles=[Role.HANDLER])
    deputy = Staff.objects.get(pk=deputy.pk)
    assert not may_sign_opinion(deputy, task)
    assert SigningDelegation.objects.get(pk=again.pk).revoked_at is None  # the row stays as it was


def test_only_the_head_delegates_to_a_handler_of_the_department_for_a_bounded_period(
    naiman, hrss_handler, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    chief = head(naiman, "justice")
    deputy = worker(naiman, "justice")
    ok: dict[str, Any] = {
        "deputy": deputy,
        "starts_on": date(2026, 3, 2),
        "ends_on": date(2026, 3, 6),
        "reason": "外出",
    }
    with pytest.raises(PermissionDenied):
        delegation.delegation_create(actor=deputy, **ok)

    def refused(**changes: object) -> set[str]:
        with pytest.raises(ValidationError) as err:
            delegation.delegation_create(actor=chief, **{**ok, **changes})
        return set(err.value.message_dict)

    assert refused(deputy=hrss_handler) == {"deputy"}  # another department
    assert refused(deputy=chief) == {"deputy"}
    assert refused(reason=" ") == {"reason"}
    assert refused(starts_on=date(2026, 3, 1)) == {"starts_on"}  # in the past
    assert refused(ends_on=date(2026, 3, 1)) == {"ends_on"}  # before its start
    assert refused(ends_on=date(2026, 6, 30)) == {"ends_on"}  # longer than 90 days
    assert refused(starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2)) == {"starts_on"}  # too far ahead
    assert SigningDelegation.objects.count() == 0  # nothing half-saved
    delegation.delegation_create(actor=chief, **ok)
    assert refused(starts_on=date(2026, 3, 5), ends_on=date(2026, 3, 9)) == {"starts_on"}  # overlaps


# --- 撤销 / 改派 / 转交 ---------------------------------------------------------------------------


def test_who_may_cancel_reassign_and_transfer(naiman, intake_clerk, persona) -> None:
    """The group office and the receiving department's head control a task; the head of the
    task's department may also reassign it; nobody else."""
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    from fengqiao.handling.permissions import may_control_task, may_reassign_task

    cases = {
        "group_office": (True, True),
        "department_head": (True, True),  # head of the receiving department (tax)
        "intake_clerk": (False, False),  # reviews, but does not control others' tasks
        "hrss_handler": (False, False),
        "group_leader": (False, False),
        "medical_handler": (False, False),
    }
    for who, (control, reassign) in cases.items():
        staff = persona(who)
        assert (may_control_task(staff, task), may_reassign_task(staff, task)) == (control, reassign), who
    hrss_head = head(naiman, "hrss")
    assert (may_control_task(hrss_head, task), may_reassign_task(hrss_head, task)) == (False, True)
    with pytest.raises(PermissionDenied):
        taskcontrol.task_cancel(task=task, actor=persona("hrss_handler"), reason="x")
    with pytest.raises(PermissionDenied):
        taskcontrol.task_transfer(task=task, actor=hrss_head, department=dept(naiman, "finance"), reason="x")


def test_cancel_needs_a_reason_and_a_fresh_version_and_is_on_the_timeline(
    naiman, intake_clerk, group_office, hrss_handler
) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    with pytest.raises(ValidationError) as missing:
        taskcontrol.task_cancel(task=task, actor=group_office, reason="  ")
    assert set(missing.value.message_dict) == {"reason"}
    services.task_sign(task=task, actor=hrss_handler)  # version 1 → 2
    with pytest.raises(TransitionError) as stale:
        taskcontrol.task_cancel(task=task, actor=group_office, reason="重复交办", expected_version=1)
    assert stale.value.code == "stale"
    cancelled = taskcontrol.task_cancel(task=task, actor=group_office, reason="重复交办", expected_version=2)
    assert (cancelled.status, cancelled.cancel_reason) == (TaskStatus.CANCELLED, "重复交办")
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TASK).latest("id")
    assert "撤销" in event.summary and event.data["reason"] == "重复交办"
    with pytest.raises(TransitionError):  # only an open task
        taskcontrol.task_cancel(task=cancelled, actor=group_office, reason="再次撤销")


def test_reassign_within_the_department(naiman, intake_clerk, hrss_handler, medical_handler) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    hrss_head = head(naiman, "hrss")
    other = staff_create(
        username="hrss2", name="人社经办人二", password=None, department=dept(naiman, "hrss"), roles=[Role.HANDLER]
    )
    with pytest.raises(TransitionError):  # pending: any handler signs for it
        taskcontrol.task_reassign(task=task, actor=hrss_head, assignee=other, reason="休假")
    services.task_sign(task=task, actor=hrss_handler)
    with pytest.raises(ValidationError) as wrong:
        taskcontrol.task_reassign(task=task, actor=hrss_head, assignee=medical_handler, reason="休假")
    assert set(wrong.value.message_dict) == {"assignee"}
    with pytest.raises(ValidationError) as no_reason:
        taskcontrol.task_reassign(task=task, actor=hrss_head, assignee=other, reason="")
    assert set(no_reason.value.message_dict) == {"reason"}
    moved = taskcontrol.task_reassign(task=task, actor=hrss_head, assignee=other, reason="原经办人休假")
    assert (moved.assignee, moved.status) == (other, TaskStatus.SIGNED)
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TASK).latest("id")
    assert event.data["assignee"] == "hrss2" and event.data["previous_assignee"] == hrss_handler.username
    assert "原经办人休假" in event.summary


def test_transfer_to_another_member_unit(naiman, intake_clerk, department_head, hrss_handler) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    services.task_sign(task=task, actor=hrss_handler)
    for bad in ("hrss", "discipline"):  # itself; not a member unit
        with pytest.raises(ValidationError) as err:
            taskcontrol.task_transfer(task=task, actor=department_head, department=dept(naiman, bad), reason="x")
        assert set(err.value.message_dict) == {"department"}
    with pytest.raises(ValidationError):  # the tax bureau already has its task
        taskcontrol.task_transfer(task=task, actor=department_head, department=dept(naiman, "tax"), reason="x")
    new = taskcontrol.task_transfer(
        task=task, actor=department_head, department=dept(naiman, "finance"), reason="涉及退费，属财政局协助事项"
    )
    old = Task.objects.get(pk=task.pk)
    assert (old.status, old.replaced_by) == (TaskStatus.CANCELLED, new)
    assert "财政局" in old.cancel_reason
    assert (new.department.code, new.kind, new.status) == ("finance", TaskKind.JOINT_OPINION, TaskStatus.PENDING)
    routed = CaseEvent.objects.filter(case=case, kind=EventKind.ROUTED).latest("id")
    assert routed.data["reason"] == "涉及退费，属财政局协助事项" and routed.data["task"] == new.pk
    # The decision now waits for the finance bureau, no longer for 人社局.
    complete(task_of(case, "tax"), worker(naiman, "tax"), department_head)
    assert opinions_outstanding(case=case) == [new.department.name]


# --- pages and API -----------------------------------------------------------------------


PAGE_STEPS = [
    # (who, step, expected status) — 302 = done (redirect), 403 refused, 404 cannot see
    ("hrss_handler", "cancel", 403),
    ("medical_handler", "cancel", 404),
    ("intake_clerk", "transfer", 403),
    ("group_office", "cancel", 302),
    ("department_head", "transfer", 302),
]


@pytest.mark.parametrize(("who", "step", "status"), PAGE_STEPS)
def test_task_control_pages(client, naiman, intake_clerk, persona, who: str, step: str, status: int) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    client.force_login(persona(who))
    data = {"reason": "重复交办", "version": task.version, "department": "finance"}
    response = client.post(f"/handling/tasks/{task.pk}/{step}/", data)
    assert response.status_code == status
    if status == 302:
        task.refresh_from_db()
        assert task.status == TaskStatus.CANCELLED


def test_task_page_offers_the_steps_to_who_may_take_them(client, naiman, intake_clerk, group_office, hrss_handler):
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    client.force_login(group_office)
    html = client.get(f"/handling/tasks/{task.pk}/").content.decode()
    assert f"/handling/tasks/{task.pk}/cancel/" in html and f"/handling/tasks/{task.pk}/transfer/" in html
    client.force_login(hrss_handler)
    html = client.get(f"/handling/tasks/{task.pk}/").content.decode()
    assert "/cancel/" not in html and "/transfer/" not in html


def test_task_control_api(naiman, intake_clerk, persona, hrss_handler) -> None:
    case = general_case(intake_clerk, naiman, co=("hrss",))
    task = task_of(case, "hrss")
    url = f"/api/v1/tasks/{task.pk}/"
    assert _api(None).post(url + "cancel/", {"reason": "x"}, format="json").status_code == 401
    assert _api(persona("medical_handler")).post(url + "cancel/", {"reason": "x"}, format="json").status_code == 404
    assert _api(hrss_handler).post(url + "cancel/", {"reason": "x"}, format="json").status_code == 403
    office = _api(persona("group_office"))
    missing = office.post(url + "cancel/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    stale = office.post(url + "transfer/", {"department": "finance", "reason": "x", "version": 9}, format="json")
    assert stale.status_code == 409
    moved = office.post(url + "transfer/", {"department": "finance", "reason": "属财政局", "version": 1}, format="json")
    assert moved.status_code == 201 and moved.json()["department"]["code"] == "finance"
    old = office.get(url).json()
    assert old["status"] == "cancelled" and old["replaced_by"] == moved.json()["id"]
    services.task_sign(task=Task.objects.get(pk=moved.json()["id"]), actor=worker(naiman, "finance"))
    new_url = f"/api/v1/tasks/{moved.json()['id']}/reassign/"
    other = staff_create(
        username="fin2", name="财政经办人二", password=None, department=dept(naiman, "finance"), roles=[Role.HANDLER]
    )
    # 人社局 still sees the case, but does not control the finance bureau's task.
    assert _api(hrss_handler).post(new_url, {"assignee": "fin2", "reason": "x"}, format="json").status_code == 403
    done = _api(head(naiman, "finance")).post(new_url, {"assignee": other.username, "reason": "休假"}, format="json")
    assert done.status_code == 200 and done.json()["assignee"] == "fin2"


def test_delegation_page_and_api(client, naiman, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    chief, deputy = head(naiman, "petition"), worker(naiman, "petition")
    client.force_login(deputy)
    assert client.post("/handling/delegations/", {}).status_code == 403
    client.force_login(chief)
    assert client.get("/handling/delegations/").status_code == 200
    bad = client.post("/handling/delegations/", {"deputy": deputy.username, "starts_on": "2026-03-02"})
    assert bad.status_code == 400 and SigningDelegation.objects.count() == 0
    made = client.post(
        "/handling/delegations/",
        {"deputy": deputy.username, "starts_on": "2026-03-02", "ends_on": "2026-03-06", "reason": "外出"},
    )
    assert made.status_code == 302
    row = SigningDelegation.objects.get()
    listed = _api(deputy).get("/api/v1/delegations/")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [row.pk]
    assert _api(deputy).post(f"/api/v1/delegations/{row.pk}/revoke/", {}, format="json").status_code == 403
    assert _api(worker(naiman, "tax")).post(f"/api/v1/delegations/{row.pk}/revoke/", {}).status_code == 404
    revoked = _api(chief).post(f"/api/v1/delegations/{row.pk}/revoke/", {"version": 1}, format="json")
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == chief.username
    created = _api(chief).post(
        "/api/v1/delegations/",
        {"deputy": deputy.username, "starts_on": "2026-03-02", "ends_on": "2026-09-30", "reason": "外出"},
        format="json",
    )
    assert created.status_code == 400 and "ends_on" in created.json()["errors"]
    # The list page reads a constant number of queries however many rows there are.
    for day in (10, 20):
        delegation.delegation_create(
            actor=chief, deputy=deputy, starts_on=date(2026, 3, day), ends_on=date(2026, 3, day + 1), reason="外出"
        )
    with CaptureQueriesContext(connection) as few:
        client.get("/handling/delegations/")
    for day in (12, 14, 16):
        delegation.delegation_create(
            actor=chief, deputy=deputy, starts_on=date(2026, 3, day), ends_on=date(2026, 3, day), reason="外出"
        )
    with CaptureQueriesContext(connection) as more:
        client.get("/handling/delegations/")
    assert len(more) == len(few)
