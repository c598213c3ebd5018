"""延期 that makes sense (issue 11 §3): an extension to 9999-12-31 was approved, and one to
2027-01-01 (元旦, in a year whose holidays were not entered) was taken as a working day.

The date a requester names is after the current deadline, no later than the original deadline
plus the longest extension the law allows (信访工作条例第三十四条: 延长期限不得超过30日,
``TimeLimit`` ``major_extension``), and on a working day per ``core.calendar`` — when the
year's holidays are missing the error says so. The same check runs at approval, so a request
saved with a senseless date is never approved. Page and API answer under ``new_due_on``."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.cases.models import Case
from fengqiao.core.models import CalendarDay, CalendarYear
from fengqiao.handling.followthrough.extensions import extension_decide, extension_request
from fengqiao.handling.models import Extension, ExtensionStatus, Task
from fengqiao.handling.tests.ft_helpers import joint_case, set_dues

pytestmark = pytest.mark.django_db

D = date.fromisoformat


@pytest.fixture
def joint(frozen_time, intake_clerk, naiman):
    """Tax's task due Friday 2026-02-13 (the case due 2026-02-27)."""
    frozen_time("2026-02-09 09:00")
    case = joint_case(intake_clerk, naiman)
    task = set_dues(case, task_due=D("2026-02-13"), case_due=D("2026-02-27"))
    return case, task


@pytest.fixture
def december(frozen_time, intake_clerk, naiman):
    """Tax's task due Thursday 2026-12-24: an extension runs into 2027, not yet entered."""
    frozen_time("2026-12-21 09:00")
    case = joint_case(intake_clerk, naiman)
    task = set_dues(case, task_due=D("2026-12-24"), case_due=D("2026-12-31"))
    return case, task


def refused(**kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        extension_request(**kwargs)
    [message] = info.value.message_dict["new_due_on"]
    return message


def test_not_later_than_the_original_deadline_plus_30_days_信访工作条例第三十四条(joint, tax_handler) -> None:
    case, task = joint
    message = refused(case=case, task=task, actor=tax_handler, reason="需调取材料", new_due_on=D("9999-12-31"))
    # 02-13 + 30 = 03-15, a Sunday → Monday 03-16.
    assert "不能晚于原期限2026-02-13延长30日" in message and "2026-03-16" in message and "第三十四条" in message
    assert not Extension.objects.exists()
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="需调取材料", new_due_on=D("2026-03-16"))
    assert ext.new_due_on == D("2026-03-16")


def test_several_extensions_together_stay_within_30_days_of_the_original(joint, tax_handler, department_head) -> None:
    """信访工作条例第三十四条 bounds the extension, not each request: a second one is measured
    from the original deadline."""
    case, task = joint
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="需调取材料", new_due_on=D("2026-02-26"))
    extension_decide(extension=ext, actor=department_head, approve=True)
    task.refresh_from_db()
    message = refused(case=case, task=task, actor=tax_handler, reason="仍需材料", new_due_on=D("2026-03-17"))
    assert "原期限2026-02-13延长30日" in message and "2026-03-16" in message
    extension_request(case=case, task=task, actor=tax_handler, reason="仍需材料", new_due_on=D("2026-03-16"))


def test_after_the_current_deadline(joint, tax_handler) -> None:
    case, task = joint
    message = refused(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2026-02-13"))
    assert "应晚于原期限（2026-02-13）" in message


def test_on_a_working_day_per_core_calendar(joint, tax_handler) -> None:
    case, task = joint
    message = refused(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2026-02-17"))
    assert "2026-02-17" in message and "不是工作日" in message


def test_a_year_without_holidays_is_said_not_guessed(december, tax_handler) -> None:
    """2027-01-01 (元旦, a Friday) was accepted as a working day because 2027 had no data."""
    case, task = december
    message = refused(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2027-01-01"))
    assert "2027年的节假日安排尚未录入" in message and "2027-01-01" in message
    CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, complete=True, source="测试数据")
    message = refused(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2027-01-01"))
    assert "不是工作日" in message
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2027-01-04"))
    assert ext.new_due_on == D("2027-01-04")


def test_a_senseless_request_is_never_approved(joint, tax_handler, department_head) -> None:
    """A request saved before the bounds were checked (or before a year's holidays were entered)
    is checked again at approval: nothing moves."""
    case, task = joint
    ext = extension_request(case=case, task=task, actor=tax_handler, reason="r", new_due_on=D("2026-02-26"))
    Extension.objects.filter(pk=ext.pk).update(new_due_on=D("9999-12-31"))
    ext.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        extension_decide(extension=ext, actor=department_head, approve=True)
    assert "new_due_on" in info.value.message_dict
    task.refresh_from_db()
    assert task.due_on == D("2026-02-13")
    assert Extension.objects.get(pk=ext.pk).status == ExtensionStatus.REQUESTED


def test_the_case_deadline_of_a_general_matter_keeps_the_same_bounds(joint, intake_clerk) -> None:
    case, _task = joint
    message = refused(case=case, actor=intake_clerk, reason="r", new_due_on=D("9999-12-31"))
    assert "原期限2026-02-27延长30日" in message  # 02-27 + 30 = 03-29 (Sunday) → 03-30
    assert "2026-03-30" in message


# --- the page and the API say the bound under new_due_on --------------------------------------


def test_page_shows_the_bound_beside_延期至(joint, client_for, tax_handler) -> None:
    case, task = joint
    response = client_for(tax_handler).post(
        reverse("followthrough-extension-request", args=[case.number]),
        # within the range every date input keeps (core.inputs): the service's own bound speaks
        {"task": task.pk, "reason": "需调取材料", "new_due_on": "2099-12-31"},
    )
    assert response.status_code == 200
    assert "2026-03-16" in response.context["form"].errors["new_due_on"][0]
    assert not Extension.objects.exists()


def test_api_answers_400_under_new_due_on(december, client_for, tax_handler) -> None:
    case, task = december
    url = reverse("api-case-extensions", args=[case.number])
    for day, words in [("2099-12-31", "延长30日"), ("2027-01-01", "2027年的节假日安排尚未录入")]:
        response = client_for(tax_handler).post(
            url, {"task": task.pk, "reason": "需调取材料", "new_due_on": day}, content_type="application/json"
        )
        assert response.status_code == 400
        assert words in response.json()["errors"]["new_due_on"][0]
    assert not Extension.objects.exists()
    assert Task.objects.get(pk=task.pk).due_on == D("2026-12-24")
    assert Case.objects.get(pk=case.pk).due_on == D("2026-12-31")


# --- 调解时间 (the other date of handling a user enters) ---------------------------------------


def test_mediation_is_not_dated_before_the_case_nor_beyond_the_horizon(joint, tax_handler) -> None:
    """A session of this case is not before it was received (四 一站受理 comes first) and is
    planned within ``core.dates.PLAN_HORIZON_DAYS``; both named under ``held_at``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from fengqiao.handling.followthrough.mediation import mediation_open
    from fengqiao.handling.models import MediationSession

    case, _task = joint
    tz = ZoneInfo("Asia/Shanghai")
    for held_at, words in [
        (datetime(2025, 1, 2, 9, 0, tzinfo=tz), "不能早于案件受理时间"),
        (datetime(9999, 12, 31, 9, 0, tzinfo=tz), "今后366日"),
    ]:
        with pytest.raises(ValidationError) as info:
            mediation_open(case=case, actor=tax_handler, mediator=tax_handler, held_at=held_at, parties="张三")
        assert words in info.value.message_dict["held_at"][0]
    assert not MediationSession.objects.exists()


def test_a_mediation_result_is_recorded_once_the_session_was_held(joint, tax_handler) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from fengqiao.handling.followthrough.mediation import mediation_open, mediation_record_result

    case, _task = joint
    held_at = datetime(2026, 2, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # two days ahead
    session = mediation_open(case=case, actor=tax_handler, mediator=tax_handler, held_at=held_at, parties="张三")
    with pytest.raises(ValidationError) as info:
        mediation_record_result(session=session, actor=tax_handler, result="no_agreement", notes="n")
    assert "调解定于2026-02-11 09:00举行，举行后才能记录结果" in info.value.message_dict["result"][0]
