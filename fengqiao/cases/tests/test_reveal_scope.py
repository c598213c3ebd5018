"""Reveal follows the case's scope (五(三) 落实保密责任; issue 13 §2).

A reveal of a payer's ID number, phone or address — and so the registration form that prints
them and the dossier export that holds it — needs a role that reveals AND a case that allows
that person to: the department's own cases for clerks, handlers, heads and the hotline office
(their department is involved), the county's cases for the group office. The leader and the
deputies read every case of the county masked (docs/cases.md), whatever other role they hold.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from fengqiao.archive import permissions as archive_permissions
from fengqiao.cases import permissions
from fengqiao.cases.models import Case, RevealRecord
from fengqiao.cases.services import personal_data_reveal
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents import permissions as document_permissions
from fengqiao.documents.registry import INTAKE_FORM, REGISTRY
from fengqiao.org.models import Department, Role, Staff
from fengqiao.org.services import staff_create

pytestmark = pytest.mark.django_db


def person(username: str, department: str, *roles: str, county: str = "150525") -> Staff:
    return staff_create(
        username=username,
        name=username,
        password=None,
        department=Department.objects.get(jurisdiction__code=county, code=department),
        roles=roles,
    )


# (who, department, roles, may reveal on a case registered at the tax bureau and not routed yet)
TABLE = [
    ("clerk of the receiving department", "tax", (Role.INTAKE_CLERK,), True),
    ("handler of the receiving department", "tax", (Role.HANDLER,), True),
    ("head of the receiving department", "tax", (Role.DEPARTMENT_HEAD,), True),
    ("group office", "tax", (Role.GROUP_OFFICE,), True),
    ("head of a department not involved", "hrss", (Role.DEPARTMENT_HEAD,), False),
    ("handler of a department not involved", "hrss", (Role.HANDLER,), False),
    ("clerk of a department not involved", "medical", (Role.INTAKE_CLERK,), False),
    ("deputy leader who heads a department not involved", "hrss", (Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD), False),
    ("deputy leader who is a handler elsewhere", "medical", (Role.DEPUTY_LEADER, Role.HANDLER), False),
    ("leader who is the group office's clerk elsewhere", "hrss", (Role.GROUP_LEADER, Role.INTAKE_CLERK), False),
    ("deputy leader who heads the receiving department", "tax", (Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD), True),
    ("group leader", "banner_gov", (Role.GROUP_LEADER,), False),
    ("deputy leader", "banner_gov", (Role.DEPUTY_LEADER,), False),
    ("hotline office, case not involving it", "gov_office", (Role.HOTLINE_OFFICE,), False),
    ("discipline liaison", "discipline", (Role.DISCIPLINE_LIAISON,), False),
    ("administrator", "tax", (Role.ADMINISTRATOR,), False),
]


@pytest.mark.parametrize(("who", "department", "roles", "allowed"), TABLE, ids=[row[0] for row in TABLE])
def test_reveal_needs_a_role_and_a_case_that_both_allow_it(intake_clerk, who, department, roles, allowed) -> None:
    case = intake(intake_clerk)
    staff = person("p_scope", department, *roles)
    registration_form = REGISTRY[INTAKE_FORM]
    assert registration_form.personal_data
    assert permissions.may_reveal(staff, case) is allowed, who
    assert archive_permissions.may_export(staff, case) is allowed, who
    if not allowed:
        with pytest.raises(PermissionDenied):
            personal_data_reveal(case=case, actor=staff, party="payer", field="id_number", reason="核对身份信息")
        assert not RevealRecord.objects.filter(case=case).exists()


def test_a_department_that_joins_the_case_may_reveal_from_then_on(intake_clerk) -> None:
    case = intake(intake_clerk)
    head = person("p_hrss_deputy", "hrss", Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD)
    assert not permissions.may_reveal(head, case)
    assert head.department is not None
    case.involvements.create(department=head.department, role="co")
    assert permissions.may_reveal(Staff.objects.get(pk=head.pk), Case.objects.get(pk=case.pk))


def test_the_group_office_of_another_county_may_not_reveal(intake_clerk) -> None:
    from fengqiao.testing.factories import DepartmentFactory

    case = intake(intake_clerk)
    far: Department = DepartmentFactory()  # type: ignore[assignment]
    office = staff_create(username="p_far", name="外旗办公室", password=None, department=far, roles=[Role.GROUP_OFFICE])
    assert not permissions.may_reveal(office, case)


def test_an_inactive_account_reveals_nothing(intake_clerk) -> None:
    case = intake(intake_clerk)
    intake_clerk.is_active = False
    assert not permissions.may_reveal(intake_clerk, case)


def test_the_registration_form_is_downloaded_only_by_who_may_reveal(intake_clerk) -> None:
    """The 受理登记表 prints the ID number, phone and address in plain text."""
    case = intake(intake_clerk)
    deputy_head = person("p_dh", "hrss", Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD)
    registration_form = REGISTRY[INTAKE_FORM]
    assert not document_permissions.may_issue(deputy_head, case, registration_form)
    assert document_permissions.may_issue(intake_clerk, case, registration_form)


def test_the_page_and_the_api_refuse_the_deputy_who_heads_another_department(intake_clerk, client_for) -> None:
    from django.urls import reverse

    case = intake(intake_clerk)
    deputy_head = person("p_dh2", "hrss", Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD)
    c = client_for(deputy_head)
    assert c.get(reverse("case-detail", args=[case.number])).status_code == 200  # sees it, masked
    body = {"party": "payer", "field": "id_number", "reason": "核对身份信息"}
    assert c.post(reverse("case-reveal", args=[case.number]), body).status_code == 403
    assert not RevealRecord.objects.filter(case=case).exists()


def test_the_correction_form_shows_phone_and_address_only_as_a_recorded_reveal(intake_clerk, client_for) -> None:
    """更正当事人信息 shows the current phone and address to be corrected: each a reveal, recorded
    (五(三): every plaintext read is a logged reveal)."""
    from django.urls import reverse

    case = intake(intake_clerk, address="大沁他拉镇团结路8号")
    page = client_for(intake_clerk).get(reverse("case-party-correct", args=[case.number, "payer"]))
    assert page.status_code == 200
    assert "13812345678" in page.content.decode()
    records = RevealRecord.objects.filter(case=case, staff=intake_clerk)
    assert sorted(records.values_list("field", flat=True)) == ["address", "phone"]
    assert {r.reason for r in records} == {"更正当事人信息"}
