"""The consultation forms that help (issue 11 §5):

- the attendance form ignores its blank extra rows (no need to tick 删除), and a half-filled row
  is refused naming the row and the field;
- a consultation is not held, nor minuted, before its scheduled date (四(三)3: the minutes
  record a meeting that took place) — the error names 会商时间 (``starts_at``);
- cases are picked from a bounded list of the cases the organiser may see that wait for a
  consultation (major matters in special handling first, whose decision follows the minutes,
  四(三)2 3)), not typed by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.meetings import forms as meeting_forms
from fengqiao.meetings import selectors, services
from fengqiao.meetings.models import Attendance, Consultation, ConsultationKind, ConsultationStatus
from fengqiao.meetings.tests.helpers import plan, two_cases
from fengqiao.org.models import Department

pytestmark = pytest.mark.django_db


def _attendance_post(consultation: Consultation, extra_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What a browser posts: the rows shown, then the extra rows as left (the select shows its
    first choice, 出席, so the browser sends it even for a blank row)."""
    rows = list(selectors.attendees_of(consultation))
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(rows) + len(extra_rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "version": consultation.version,
    }
    for i, a in enumerate(rows):
        data[f"form-{i}-department"] = a.department_id
        data[f"form-{i}-name"] = a.name
        data[f"form-{i}-title"] = a.title
        data[f"form-{i}-attendance"] = a.attendance
        data[f"form-{i}-staff"] = a.staff_id or ""
    for j, extra in enumerate(extra_rows, start=len(rows)):
        data[f"form-{j}-department"] = ""
        data[f"form-{j}-name"] = ""
        data[f"form-{j}-title"] = ""
        data[f"form-{j}-attendance"] = Attendance.PRESENT
        data[f"form-{j}-staff"] = ""
        for key, value in extra.items():
            data[f"form-{j}-{key}"] = value
    return data


def test_blank_extra_attendance_rows_are_ignored(naiman, intake_clerk, group_office, client_for) -> None:
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first,))
    before = consultation.attendees.count()
    office = client_for(group_office)
    url = reverse("consultation-attendance", args=[consultation.pk])
    page = office.get(url).content.decode()
    assert f'name="form-TOTAL_FORMS" value="{before + 2}"' in page  # two blank rows offered
    response = office.post(url, _attendance_post(consultation, [{}, {}]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert consultation.attendees.count() == before


def test_a_half_filled_attendance_row_names_the_row_and_field(naiman, intake_clerk, group_office, client_for) -> None:
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first,))
    before = consultation.attendees.count()
    office = client_for(group_office)
    url = reverse("consultation-attendance", args=[consultation.pk])
    response = office.post(url, _attendance_post(consultation, [{}, {"name": "张三"}]))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"第{before + 2}行" in body and "单位" in body
    assert consultation.attendees.count() == before
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    response = office.post(url, _attendance_post(consultation, [{}, {"name": "张三", "department": tax.pk}]))
    assert response.status_code == 302
    assert consultation.attendees.count() == before + 1


def test_not_held_before_the_scheduled_date(naiman, intake_clerk, group_office, group_leader, client_for) -> None:
    """四(三)3: the minutes record a meeting that took place; one planned for the day after
    tomorrow cannot be recorded as held today (page, service and API), nor minuted."""
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first,), starts_at=timezone.now() + timedelta(days=2))
    services.consultation_request_approval(consultation=consultation, actor=group_office, reason="重大")
    consultation = services.consultation_decide(consultation=consultation, actor=group_leader, approve=True)
    with pytest.raises(ValidationError) as err:
        services.consultation_hold(consultation=consultation, actor=group_office)
    assert "starts_at" in err.value.message_dict and "会商时间" in err.value.message_dict["starts_at"][0]

    office = client_for(group_office)
    step = reverse("consultation-step", args=[consultation.pk])
    response = office.post(step, {"action": "hold", "version": consultation.version}, follow=True)
    assert "会商时间" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.APPROVED

    api = office.post(
        f"/api/v1/consultations/{consultation.pk}/step/",
        {"action": "hold", "version": consultation.version},
        content_type="application/json",
    )
    assert api.status_code == 400 and "starts_at" in api.json()["errors"]

    # On the day it is held; the minutes follow.
    type(consultation).objects.filter(pk=consultation.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    consultation.refresh_from_db()
    held = services.consultation_hold(consultation=consultation, actor=group_office)
    assert held.status == ConsultationStatus.HELD
    # A meeting moved to a later date after it was held cannot be minuted before that date.
    type(consultation).objects.filter(pk=consultation.pk).update(starts_at=timezone.now() + timedelta(days=3))
    with pytest.raises(ValidationError) as err:
        services.minutes_save(consultation=held, actor=group_office, discussion="", conclusions="维持。")
    assert "starts_at" in err.value.message_dict


def _major_in_special(clerk, office, leader, **kwargs: Any) -> Case:
    from fengqiao.handling import services as handling

    case = intake(clerk, **kwargs)
    case = case_review(case=case, actor=clerk, classification=Classification.MAJOR, reason="政策性问题")
    special = case.special_requests.get()
    handling.special_request_forward(special=special, actor=office)
    handling.special_request_approve(special=special, actor=leader)
    return Case.objects.get(pk=case.pk)


def test_cases_are_picked_from_those_waiting_for_a_consultation(
    naiman, intake_clerk, group_office, group_leader, client_for
) -> None:
    waiting = _major_in_special(intake_clerk, group_office, group_leader)
    registered = intake(intake_clerk, id_number="150525199001011288", phone="13912345674")  # not yet reviewed
    office = client_for(group_office)
    page = office.get(reverse("consultation-create")).content.decode()
    assert f'value="{waiting.pk}"' in page and waiting.number in page
    assert f'value="{registered.pk}"' not in page
    response = office.post(
        reverse("consultation-create"),
        {
            "kind": ConsultationKind.MAJOR,
            "topic": "专题会商",
            "starts_at": "2026-12-10T09:30",
            "place": "会议室",
            "cases": [waiting.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    consultation = Consultation.objects.get(topic="专题会商")
    assert list(consultation.cases.all()) == [waiting]
    # The edit page keeps the covered case chosen.
    edit = office.get(reverse("consultation-edit", args=[consultation.pk])).content.decode()
    assert f'value="{waiting.pk}" ' in edit and "checked" in edit


def test_the_picker_is_bounded_and_scoped(
    naiman, intake_clerk, group_office, group_leader, outsider, monkeypatch
) -> None:
    cases = [
        _major_in_special(intake_clerk, group_office, group_leader, id_number=n, phone=p)
        for n, p in (
            ("150525199001011237", "13912345671"),
            ("150525199001011253", "13912345672"),
            ("15052519900101127X", "13912345673"),
        )
    ]
    monkeypatch.setattr(meeting_forms, "CASE_PICKER_LIMIT", 2)
    form = meeting_forms.ConsultationForm(user=group_office)
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["cases"])
    assert len(ctx) == 1  # the bounded list, read once
    choices = [c for c in cases if f'value="{c.pk}"' in html]
    assert len(choices) == 2 and html.count('name="cases"') == 2
    assert 'name="cases"' not in str(meeting_forms.ConsultationForm(user=outsider)["cases"])
    # A waiting case beyond the slice shown is still a valid choice.
    beyond = next(c for c in cases if c not in choices)
    bound = meeting_forms.ConsultationForm(
        {"kind": "major", "topic": "t", "starts_at": "2026-12-10T09:30", "place": "p", "cases": [beyond.pk]},
        user=group_office,
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["case_numbers"] == [beyond]
