"""延期: requested with a reason, approved by the department head (a task) or the group
leader (a major matter: +30 days, art. 34), the deadline moved, the payer told."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.handling.followthrough.extensions import extension_decide, extension_request
from fengqiao.handling.models import ExtensionStatus
from fengqiao.handling.tests.ft_helpers import joint_case, major_case, set_dues

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint(frozen_time, intake_clerk, naiman):
    frozen_time("2026-02-09 09:00")
    case = joint_case(intake_clerk, naiman)
    task = set_dues(case, task_due=date(2026, 2, 13), case_due=date(2026, 2, 27))
    return case, task


def test_task_extension_by_the_department_head(joint, tax_handler, department_head, hrss_handler) -> None:
    case, task = joint
    with pytest.raises(PermissionDenied):
        extension_request(case=case, task=task, actor=hrss_handler, reason="x", new_due_on=date(2026, 2, 26))
    with pytest.raises(ValidationError):
        extension_request(case=case, task=task, actor=tax_handler, reason="", new_due_on=date(2026, 2, 26))
    with pytest.raises(ValidationError):  # a holiday is not a deadline
        extension_request(case=case, task=task, actor=tax_handler, reason="需调取材料", new_due_on=date(2026, 2, 17))
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="需调取材料", new_due_on=date(2026, 2, 26))
    with pytest.raises(ValidationError):  # one pending request at a time
        extension_request(case=case, task=task, actor=tax_handler, reason="再次", new_due_on=date(2026, 2, 27))
    with pytest.raises(PermissionDenied):
        extension_decide(extension=ext, actor=tax_handler, approve=True)
    version = case.version
    ext = extension_decide(extension=ext, actor=department_head, approve=True)
    task.refresh_from_db()
    case.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED and task.due_on == date(2026, 2, 26)
    assert case.version == version and case.due_on == date(2026, 2, 27)  # the case is untouched
    assert ext.payer_told_at is None  # an internal deadline: nothing to tell the payer
    assert CaseEvent.objects.filter(case=case, kind=EventKind.EXTENSION).count() == 2


def test_decline_needs_a_reason(joint, tax_handler, department_head) -> None:
    case, task = joint
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="r", new_due_on=date(2026, 2, 26))
    with pytest.raises(ValidationError):
        extension_decide(extension=ext, actor=department_head, approve=False)
    ext = extension_decide(extension=ext, actor=department_head, approve=False, note="理由不充分")
    task.refresh_from_db()
    assert ext.status == ExtensionStatus.DECLINED and task.due_on == date(2026, 2, 13)


def test_major_matter_extension_by_the_leader_plus_30_days_payer_told(
    frozen_time, intake_clerk, naiman, group_leader, department_head
) -> None:
    frozen_time("2026-02-09 09:00")
    case = major_case(intake_clerk, naiman)
    Case.objects.filter(pk=case.pk).update(due_on=date(2026, 4, 10))
    state = Case.objects.get(pk=case.pk).state
    ext = extension_request(case=case, actor=intake_clerk, reason="需多部门会商")
    assert ext.new_due_on == date(2026, 5, 11)  # 04-10 + 30 = 05-10, a Sunday → Monday 05-11
    with pytest.raises(PermissionDenied):
        extension_decide(extension=ext, actor=department_head, approve=True)
    ext = extension_decide(extension=ext, actor=group_leader, approve=True, payer_told_how="电话告知")
    case.refresh_from_db()
    assert case.due_on == date(2026, 5, 11) and case.state == state
    assert ext.payer_told_at is not None and ext.payer_told_how == "电话告知"
    told = CaseEvent.objects.get(case=case, kind=EventKind.EXTENSION_TOLD)
    assert told.data["new_due_on"] == "2026-05-11"
    with pytest.raises(ValidationError):  # art. 34: once
        extension_request(case=case, actor=intake_clerk, reason="再次延期")


def test_stale_extension_is_refused(joint, tax_handler, department_head) -> None:
    case, task = joint
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="r", new_due_on=date(2026, 2, 26))
    type(task).objects.filter(pk=task.pk).update(due_on=date(2026, 2, 24))
    with pytest.raises(ValidationError):
        extension_decide(extension=ext, actor=department_head, approve=True)


# --- pages and API: anonymous, another department (404), may read not act (403), may act ------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("medical_handler", 404), ("group_leader", 403), ("tax_handler", 200)],
)
def test_extension_request_page(who, status, joint, client, client_for, persona) -> None:
    case, _task = joint
    c = client if who == "anonymous" else client_for(persona(who))
    assert c.get(reverse("followthrough-extension-request", args=[case.number])).status_code == status


def test_extension_request_page_posts(joint, client_for, tax_handler) -> None:
    case, task = joint
    response = client_for(tax_handler).post(
        reverse("followthrough-extension-request", args=[case.number]),
        {"task": task.pk, "reason": "需调取材料", "new_due_on": "2026-02-26"},
    )
    assert response.status_code == 302
    assert task.extensions.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", (401, 403)), ("medical_handler", (404,)), ("group_leader", (403,)), ("tax_handler", (201,))],
)
def test_extension_request_api(who, status, joint, client, client_for, persona) -> None:
    case, task = joint
    c = client if who == "anonymous" else client_for(persona(who))
    response = c.post(
        reverse("api-case-extensions", args=[case.number]),
        {"task": task.pk, "reason": "需调取材料", "new_due_on": "2026-02-26"},
        content_type="application/json",
    )
    assert response.status_code in status
    if response.status_code >= 400:
        assert "errors" in response.json()


def test_extension_api_errors_and_decide(joint, client_for, tax_handler, department_head, group_leader) -> None:
    case, task = joint
    c = client_for(tax_handler)
    bad = c.post(reverse("api-case-extensions", args=[case.number]), {"task": task.pk}, content_type="application/json")
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    ext_id = c.post(
        reverse("api-case-extensions", args=[case.number]),
        {"task": task.pk, "reason": "需调取材料", "new_due_on": "2026-02-26"},
        content_type="application/json",
    ).json()["id"]
    url = reverse("api-extension-decision", args=[ext_id])
    assert client_for(group_leader).post(url, {"approve": True}, content_type="application/json").status_code == 403
    done = client_for(department_head).post(url, {"approve": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = client_for(department_head).post(url, {"approve": True}, content_type="application/json")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("medical_handler", 404), ("tax_handler", 403), ("department_head", 200)]
)
def test_extension_decide_page(who, status, joint, client, client_for, persona, tax_handler) -> None:
    case, task = joint
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="r", new_due_on=date(2026, 2, 26))
    c = client if who == "anonymous" else client_for(persona(who))
    assert c.get(reverse("followthrough-extension-decide", args=[ext.pk])).status_code == status


def test_case_page_shows_the_panel(joint, client_for, tax_handler) -> None:
    case, _task = joint
    text = client_for(tax_handler).get(reverse("case-detail", args=[case.number])).content.decode()
    assert "时限督办与调解" in text and reverse("followthrough-extension-request", args=[case.number]) in text
