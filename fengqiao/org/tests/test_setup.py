"""The Naiman Banner default set-up (三(一)(二), DOMAIN.md) and the demo staff."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fengqiao.org.models import (
    Department,
    Division,
    GroupMembership,
    GroupPosition,
    Jurisdiction,
    JurisdictionLevel,
    LeadershipGroup,
    Role,
    Staff,
    Studio,
)
from fengqiao.org.services import DEMO_STAFF, member_units_without_head, naiman_setup_load, staff_roles_set

pytestmark = pytest.mark.django_db

MEMBER_UNITS = {
    "旗政府办",
    "司法局",
    "财政局",
    "政务服务局",
    "人社局",
    "医保局",
    "信访局",
    "税务局",
    "旗委网信办",
}


def test_banner_and_its_sixteen_townships() -> None:
    """DOMAIN.md: 奈曼旗 150525 with 16 townships, codes 150525 + three digits."""
    county = naiman_setup_load()
    assert county.code == "150525"
    assert county.level == JurisdictionLevel.COUNTY
    townships = Jurisdiction.objects.filter(parent=county)
    assert townships.count() == 16
    assert townships.get(code="150525100").name == "大沁他拉镇"
    assert townships.get(code="150525401").kind == "街道"
    assert all(t.path.startswith(county.path + "/") for t in townships)
    assert townships.first().county == county  # type: ignore[union-attr]


def test_member_units_are_the_nine_of_the_mechanism() -> None:
    """三(一): nine member units; the banner government and 纪委监委 are known, not members."""
    county = naiman_setup_load()
    members = set(
        Department.objects.filter(jurisdiction=county, is_member_unit=True).values_list("short_name", flat=True)
    )
    assert members == MEMBER_UNITS
    assert Department.objects.filter(jurisdiction=county, is_member_unit=False).count() == 2


def test_tax_bureau_divisions_online_team_and_mediation_centre() -> None:
    """三(二)2: four divisions, the cloud service centre's online team and the mediation centre."""
    county = naiman_setup_load()
    tax = Department.objects.get(jurisdiction=county, code="tax")
    names = set(Division.objects.filter(department=tax).values_list("name", flat=True))
    assert {"社保非税部门", "征管部门", "纳税服务部门", "收入规划核算部门"} <= names
    assert any("线上团队" in n for n in names)
    assert "税务公职律师涉税争议咨询调解中心" in names


def test_leadership_group_composition() -> None:
    """三(一): leader, deputies 政府办/人社/医保/税务, nine members; office at 税务局."""
    county = naiman_setup_load()
    group = LeadershipGroup.objects.get(jurisdiction=county)
    assert group.office_department.code == "tax"
    seats = GroupMembership.objects.filter(group=group)
    assert seats.filter(position=GroupPosition.LEADER).get().department.code == "banner_gov"
    deputies = set(seats.filter(position=GroupPosition.DEPUTY).values_list("department__code", flat=True))
    assert deputies == {"gov_office", "hrss", "medical", "tax"}
    assert seats.filter(position=GroupPosition.MEMBER).count() == 9


def test_studio_is_run_by_tax_hrss_and_medical() -> None:
    """三(一): 税务局、人社局、医保局依托政务服务中心成立争议处理工作室."""
    county = naiman_setup_load()
    studio = Studio.objects.get(jurisdiction=county)
    assert set(studio.departments.values_list("code", flat=True)) == {"tax", "hrss", "medical"}


def test_setup_is_idempotent_and_keeps_admin_changes() -> None:
    """Running the set-up again adds nothing and keeps units that administrators added (五(一))."""
    county = naiman_setup_load()
    Department.objects.create(jurisdiction=county, code="statistics", name="奈曼旗统计局", short_name="统计局")
    counts = (
        Jurisdiction.objects.count(),
        Department.objects.count(),
        Division.objects.count(),
        GroupMembership.objects.count(),
    )
    naiman_setup_load()
    assert counts == (
        Jurisdiction.objects.count(),
        Department.objects.count(),
        Division.objects.count(),
        GroupMembership.objects.count(),
    )
    assert Department.objects.filter(code="statistics").exists()


def test_demo_staff_cover_every_role_and_are_idempotent() -> None:
    """Every role has a demo login; the command can run twice."""
    call_command("setup_naiman", verbosity=0)
    call_command("demo_staff", verbosity=0)
    call_command("demo_staff", verbosity=0)
    assert Staff.objects.count() == len(DEMO_STAFF)
    held = {r for staff in Staff.objects.all() for r in staff.role_set}
    assert held == set(Role.values)
    leader = Staff.objects.get(username="leader")
    assert GroupMembership.objects.get(position=GroupPosition.LEADER).staff == leader
    assert Staff.objects.get(username="admin").is_staff


def test_roles_can_be_replaced(persona) -> None:
    """Administrators change who holds which role; admin access follows the administrator role."""
    staff = persona("tax_handler")
    staff_roles_set(staff=staff, roles=[Role.HANDLER, Role.ADMINISTRATOR])
    staff.refresh_from_db()
    assert staff.role_set == {Role.HANDLER, Role.ADMINISTRATOR}
    assert staff.is_staff
    with pytest.raises(ValueError, match="unknown roles"):
        staff_roles_set(staff=staff, roles=["emperor"])


def test_setup_names_the_member_units_nobody_can_sign_for_and_demo_staff_fill_them() -> None:
    """Issue 11: a member unit without a 部门负责人 can never sign its written opinions
    (四(三)1 3) 书面意见). setup_naiman names such units; the demo staff give every one a head
    and a handler."""
    import io

    out = io.StringIO()
    call_command("setup_naiman", stdout=out)
    county = Jurisdiction.objects.get(code="150525")
    assert {d.short_name for d in member_units_without_head(county)} == MEMBER_UNITS
    assert "尚无部门负责人" in out.getvalue() and "司法局" in out.getvalue()
    call_command("demo_staff", verbosity=0, stdout=io.StringIO())
    assert member_units_without_head(county) == []
    for unit in Department.objects.filter(jurisdiction=county, is_member_unit=True):
        assert Staff.objects.filter(department=unit, roles__role=Role.HANDLER).exists(), unit.name
