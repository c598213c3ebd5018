"""待办 of 会商 between planning and minutes (issue 11 §2, found walking the major matter in a
browser): a planned 重大事项会商 waits on the group office to put it to the group leader
(四(三)3 经领导小组组长同意后召开专题会议), and an agreed (or a planned general) consultation
waits on it to be held — before this source the office's to-do list showed nothing between
组织重大事项会商 and 整理并印发会议纪要, so the meeting and the major decision that follows its
minutes (四(三)2 3)) were found only by browsing the consultation list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse

from fengqiao.core import todo
from fengqiao.meetings import services
from fengqiao.meetings.models import ConsultationKind
from fengqiao.meetings.tests.helpers import TZ, plan
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def rows(user: Staff) -> list[todo.TodoItem]:
    return [i for i in todo.todo_for(user).items if i.source == "meetings.convene"]


def test_the_office_puts_a_major_consultation_to_the_leader_then_holds_it(
    naiman, group_office, group_leader, hotline_officer, client_for: Any, frozen_time: Any
) -> None:
    """四(三)3: a major consultation is put to the leader (any time before), then held on its day."""
    frozen_time("2026-03-09 10:00")
    consultation = plan(group_office, starts_at=datetime(2026, 3, 10, 9, 30, tzinfo=TZ))
    [item] = rows(group_office)
    assert item.what == "报请组长同意召开重大事项会商"
    assert item.detail == consultation.topic and str(item.due_on) == "2026-03-10"
    assert item.url == reverse("consultation-detail", args=[consultation.pk])
    page = client_for(group_office).get(item.url).content.decode()
    assert 'value="request_approval"' in page
    assert rows(group_leader) == [] and rows(hotline_officer) == []

    services.consultation_request_approval(consultation=consultation, actor=group_office, reason="重大疑难")
    assert rows(group_office) == []  # now the leader's (meetings.approve)
    consultation.refresh_from_db()
    services.consultation_decide(consultation=consultation, actor=group_leader, approve=True)
    [item] = rows(group_office)
    assert item.what == "召开会商并记录"
    assert 'value="hold"' in client_for(group_office).get(item.url).content.decode()

    frozen_time("2026-03-10 10:00")
    consultation.refresh_from_db()
    services.consultation_hold(consultation=consultation, actor=group_office)
    assert rows(group_office) == []  # now 整理并印发会议纪要 (meetings.minutes)


def test_a_consultation_to_hold_is_listed_from_the_near_horizon(naiman, group_office, frozen_time: Any) -> None:
    """It cannot be held before its day, so it is listed from two working days before it on."""
    frozen_time("2026-03-02 10:00")
    far = plan(group_office, kind=ConsultationKind.GENERAL, starts_at=datetime(2026, 3, 20, 9, 30, tzinfo=TZ))
    near = plan(group_office, kind=ConsultationKind.GENERAL, starts_at=datetime(2026, 3, 4, 9, 30, tzinfo=TZ))
    assert [i.url for i in rows(group_office)] == [reverse("consultation-detail", args=[near.pk])]
    frozen_time("2026-03-18 10:00")
    assert {i.url for i in rows(group_office)} == {reverse("consultation-detail", args=[c.pk]) for c in (far, near)}


def test_the_plan_row_opens_the_form_set_to_a_major_consultation_of_its_case(
    naiman, intake_clerk, group_office, group_leader, client_for: Any
) -> None:
    """四(三)2 3) 经小组会商后形成会议纪要: the row 组织重大事项会商 of a case in special handling opens
    the new-consultation form set to 重大事项会商 with that case ticked (it opened 一般事项会商 with
    nothing ticked, found walking the major matter in a browser)."""
    from fengqiao.meetings.tests.test_forms_help import _major_in_special

    case = _major_in_special(intake_clerk, group_office, group_leader)
    other = _major_in_special(intake_clerk, group_office, group_leader, id_number="150525199001011288")
    items = [i for i in todo.todo_for(group_office).items if i.source == "meetings.plan"]
    [item] = [i for i in items if i.case_number == case.number]
    assert item.what == "组织重大事项会商"
    form = client_for(group_office).get(item.url).context["form"]
    assert form["kind"].value() == ConsultationKind.MAJOR
    assert list(form["cases"].value()) == [case.pk]  # this case only, not the other one waiting
    page = client_for(group_office).get(item.url).content.decode()
    assert f'value="{case.pk}" ' in page and f'value="{other.pk}" ' in page
    assert '<option value="major" selected>' in page


def test_the_form_ignores_a_kind_or_case_it_cannot_use(
    naiman, intake_clerk, group_office, group_leader, client_for: Any
) -> None:
    """An unknown kind falls back to 一般事项会商; a case number the organiser cannot pick (not
    waiting for a consultation, or unknown) ticks nothing."""
    from fengqiao.cases.tests.helpers import intake

    registered = intake(intake_clerk)  # not reviewed: no consultation for it yet
    url = reverse("consultation-create")
    form = client_for(group_office).get(url, {"kind": "secret", "case": registered.number}).context["form"]
    assert form["kind"].value() == ConsultationKind.GENERAL
    assert not form["cases"].value()
    form = client_for(group_office).get(url, {"case": "不存在"}).context["form"]
    assert not form["cases"].value()
