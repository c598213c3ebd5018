"""会商 through the services: a major consultation end to end, a general one without the
leader, and the refusals of the transition table."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.tests import pdfcheck
from fengqiao.handling.models import TaskKind
from fengqiao.meetings import selectors, services
from fengqiao.meetings.models import Attendance, ConsultationKind, ConsultationStatus
from fengqiao.meetings.tests.helpers import plan, two_cases
from fengqiao.org.models import Department, GroupMembership


def _attendance(consultation):
    rows = []
    for i, a in enumerate(consultation.attendees.select_related("department", "staff")):
        status = Attendance.LEAVE if i == 1 else a.attendance
        rows.append(
            services.AttendeeData(
                department=a.department, staff=a.staff, name=a.name or f"代表{i}", title=a.title, attendance=status
            )
        )
    return rows


@pytest.mark.django_db
def test_major_consultation_end_to_end(naiman, intake_clerk, group_office, group_leader, frozen_time):
    # 2026-09-30 (Wed): the National Day holiday runs 10-01..10-08, with make-up working days.
    frozen_time("2026-09-30 09:00")
    first, second = two_cases(intake_clerk)
    consultation = plan(group_office, cases=(first, second))
    assert consultation.status == ConsultationStatus.PLANNED
    invited = consultation.attendees.count()
    assert invited == GroupMembership.objects.filter(group__jurisdiction=naiman).count() + 1
    assert consultation.attendees.filter(attendance=Attendance.OBSERVER).count() == 1
    assert not selectors.minutes_issued_for(first)

    # A major consultation cannot be held before the leader agrees.
    with pytest.raises(ValidationError):
        services.consultation_hold(consultation=consultation, actor=group_office)
    services.consultation_request_approval(consultation=consultation, actor=group_office, reason="涉及多部门政策口径")
    with pytest.raises(PermissionDenied):
        services.consultation_decide(consultation=consultation, actor=group_office, approve=True)
    consultation = services.consultation_decide(consultation=consultation, actor=group_leader, approve=True)
    assert consultation.status == ConsultationStatus.APPROVED

    consultation = services.attendance_set(
        consultation=consultation, actor=group_office, attendees=_attendance(consultation)
    )
    consultation = services.consultation_hold(consultation=consultation, actor=group_office)
    consultation = services.minutes_save(
        consultation=consultation,
        actor=group_office,
        discussion="会议听取了旗税务局关于两件争议的情况汇报。",
        conclusions="按照自治区公布的缴费基数下限核定。\n由旗人社局出具政策解释。",
        chair="组长",
    )
    hrss = Department.objects.get(jurisdiction=naiman, code="hrss")
    tax = Department.objects.get(jurisdiction=naiman, code="tax")
    with_task = services.resolution_add(
        consultation=consultation, actor=group_office, department=hrss, text="出具政策解释", case=first, make_task=True
    )
    plain = services.resolution_add(consultation=consultation, actor=group_office, department=tax, text="统一口径")
    # special_opinion: 10 working days from 2026-09-30 across the National Day holiday.
    from fengqiao.core import timelimits

    expected = timelimits.due(timelimits.SPECIAL_OPINION, date(2026, 9, 30)).day
    assert with_task.due_on == expected == plain.due_on
    assert expected > date(2026, 10, 8)
    assert with_task.task is not None
    task = with_task.task
    assert (task.kind, task.department, task.case, task.due_on) == (TaskKind.RESOLUTION, hrss, first, expected)
    assert plain.task is None

    document = services.minutes_issue(consultation=consultation, actor=group_office)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.MINUTES_ISSUED
    assert document.consultation == consultation and document.case is None
    assert IssuedDocument.objects.filter(consultation=consultation).count() == 1
    pdf = document.pdf.open("rb").read()
    text = pdfcheck.text_of(pdf)
    for label in ("出席", "请假", "列席", "一、按照自治区", "二、由旗人社局", "出具政策解释"):
        assert label in text.replace(" ", ""), label
    docx = Document(io.BytesIO(document.docx.open("rb").read()))
    assert any("出席：" in p.text for p in docx.paragraphs)
    label_run = next(r for p in docx.paragraphs for r in p.runs if r.text == "出席：")
    assert 'w:eastAsia="黑体"' in label_run._r.xml

    for case in (first, second):
        steps = list(
            CaseEvent.objects.filter(case=case, kind=EventKind.CONSULTATION).values_list("data__step", flat=True)
        )
        assert steps[0] == "created" and steps[-1] == "issue_minutes"
        assert {"request_approval", "approve", "attendance", "hold", "minutes"} <= set(steps)
        assert selectors.minutes_issued_for(case)
    # Nothing changes after the minutes are issued.
    with pytest.raises(ValidationError):
        services.minutes_save(consultation=consultation, actor=group_office, discussion="x", conclusions="y")


@pytest.mark.django_db
def test_general_consultation_needs_no_approval(naiman, intake_clerk, group_office):
    first, _second = two_cases(intake_clerk)
    consultation = plan(group_office, kind=ConsultationKind.GENERAL, cases=(first,))
    with pytest.raises(ValidationError):
        services.consultation_request_approval(consultation=consultation, actor=group_office)
    consultation = services.consultation_hold(consultation=consultation, actor=group_office)
    services.minutes_save(consultation=consultation, actor=group_office, discussion="", conclusions="维持原核定。")
    services.minutes_issue(consultation=consultation, actor=group_office)
    assert selectors.minutes_issued_for(first)
    assert not selectors.minutes_issued_for(_second)


@pytest.mark.django_db
def test_policy_issue_only_and_refusals(naiman, group_office, group_leader, tax_handler):
    with pytest.raises(ValidationError) as caught:
        plan(group_office, policy_issue="")
    assert "cases" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        plan(tax_handler)
    consultation = plan(group_office)  # a policy issue, no case
    services.consultation_request_approval(consultation=consultation, actor=group_office)
    with pytest.raises(ValidationError) as caught:
        services.consultation_decide(consultation=consultation, actor=group_leader, approve=False)
    assert "note" in caught.value.message_dict
    declined = services.consultation_decide(consultation=consultation, actor=group_leader, approve=False, note="暂缓")
    assert declined.status == ConsultationStatus.DECLINED
    with pytest.raises(ValidationError) as stale:
        services.consultation_cancel(consultation=declined, actor=group_office, reason="x", expected_version=1)
    assert stale.value.code == "stale"
