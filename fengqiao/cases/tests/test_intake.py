"""一站受理 (四(一)): the three intake outcomes, numbering, the first receiver, confidentiality."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fengqiao.cases.models import Case, CaseEvent, Payer, StateChangeRefused
from fengqiao.cases.services import case_register
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake, intake_data

pytestmark = pytest.mark.django_db

ID_NUMBER = "150525199001011237"


def test_own_scope_is_handled_by_the_receiving_department_within_its_limit(intake_clerk, frozen_time) -> None:
    """四(一): 属于本单位职责范围内事项，按照规定限时办结 — 5 working days by default (DOMAIN.md)."""
    frozen_time("2026-02-13 10:00")  # Friday before the Spring Festival
    case = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    assert case.state == CaseState.OWN_HANDLING
    assert case.owner == intake_clerk  # 首问责任制
    assert case.receiving_department == intake_clerk.department
    # 2026-02-14 is a make-up working day; 15..23 are holidays: 14, 24, 25, 26, 27 → due 27th.
    assert case.due_on == date(2026, 2, 27)
    assert not case.due_provisional


def test_not_in_scope_tells_the_payer_where_to_go_and_closes(intake_clerk, naiman) -> None:
    """四(一): 不属于本单位职责范围内事项，应告知缴费人前往相关职能部门办理 (in writing, 社会保险法 art. 82)."""
    hrss = naiman.departments.get(code="hrss")
    case = intake(
        intake_clerk,
        outcome=IntakeOutcome.INFORM,
        informed_department=hrss,
        informed_note="请前往人社局",
    )
    assert case.state == CaseState.INFORMED
    assert case.informed_department == hrss
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["registered", "informed"]
    assert not case.is_open


def test_inform_without_a_department_is_refused_and_nothing_is_saved(intake_clerk) -> None:
    with pytest.raises(ValidationError) as exc:
        case_register(actor=intake_clerk, data=intake_data(intake_clerk, outcome=IntakeOutcome.INFORM))
    assert "informed_department" in exc.value.message_dict
    assert Case.objects.count() == 0 and Payer.objects.count() == 0


def test_joint_or_unclear_is_registered_for_review_within_one_working_day(intake_clerk, frozen_time) -> None:
    """四(一)(二): 需多部门共同办理或职责不清的 … 登记; review within 1 working day (DOMAIN.md)."""
    frozen_time("2026-02-13 16:00")
    case = intake(intake_clerk, outcome=IntakeOutcome.REVIEW)
    assert case.state == CaseState.REGISTERED
    assert case.due_on == date(2026, 2, 14)  # the make-up working Saturday


def test_numbers_are_per_county_and_year_in_sequence(intake_clerk) -> None:
    first = intake(intake_clerk)
    second = intake(intake_clerk)
    assert first.number.startswith("150525-")
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_same_person_is_found_again_by_blind_index(intake_clerk) -> None:
    a = intake(intake_clerk, id_number=ID_NUMBER)
    b = intake(intake_clerk, id_number=ID_NUMBER, phone="13900001111")
    assert a.payer.identity_id == b.payer.identity_id  # one person behind both cases
    assert a.payer_id != b.payer_id  # each case keeps its party as registered (issue 11)
    a.payer.refresh_from_db()
    b.payer.refresh_from_db()
    assert (a.payer.phone, b.payer.phone) == ("13812345678", "13900001111")


def test_no_plaintext_id_or_phone_in_the_database(intake_clerk) -> None:
    """五(三) and GB/T 39786: ID and phone numbers are confidential at rest."""
    intake(intake_clerk, id_number=ID_NUMBER, phone="13812345678", address="大沁他拉镇团结路8号")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_payer")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM cases_caseparty")
        rows += cursor.fetchall()
        cursor.execute("SELECT data, summary FROM cases_caseevent")
        rows += cursor.fetchall()
    dump = repr(rows)
    assert rows
    for secret in (ID_NUMBER, "13812345678", "团结路"):
        assert secret not in dump
    payer = Payer.objects.get()
    assert payer.id_number == ID_NUMBER  # Python sees the plaintext


def test_someone_without_the_role_cannot_register(hrss_handler, outsider) -> None:
    for who in (hrss_handler, outsider):
        with pytest.raises(PermissionDenied):
            case_register(actor=who, data=intake_data(who))


def test_state_cannot_be_set_outside_the_workflow(intake_clerk) -> None:
    """ARCHITECTURE.md: setting the state field anywhere else is a bug, and it cannot happen."""
    case = intake(intake_clerk)
    case.state = CaseState.ARCHIVED
    with pytest.raises(StateChangeRefused):
        case.save()
    with pytest.raises(StateChangeRefused):
        Case.objects.filter(pk=case.pk).update(state=CaseState.ARCHIVED)
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_timeline_is_append_only(intake_clerk) -> None:
    from fengqiao.cases.models import AppendOnlyError

    case = intake(intake_clerk)
    event = CaseEvent.objects.filter(case=case).first()
    assert event is not None
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
