"""Who may do what with a consultation (四(三)3). Seeing one at all is decided by
``fengqiao.meetings.selectors.consultations_visible_to`` (404 otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.meetings.models import Consultation
    from fengqiao.org.models import Staff

# The group office, the leader and deputies see every consultation of their county.
COUNTY_WIDE_ROLES = (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER)
# Department staff see the consultations their department attends.
DEPARTMENT_ROLES = (
    Role.INTAKE_CLERK,
    Role.HANDLER,
    Role.DEPARTMENT_HEAD,
    Role.HOTLINE_OFFICE,
    Role.CYBERSPACE_OFFICE,
)


def _same_county(staff: Staff, county_id: int) -> bool:
    return (
        staff.department_id is not None
        and staff.department is not None
        and (staff.department.jurisdiction_id == county_id)
    )


def may_organise(staff: Staff, county_id: int | None = None) -> bool:
    """The group office organises consultations: creates and edits them, records attendance,
    writes the minutes and resolutions and issues the minutes (三(一) 办公室负责日常工作)."""
    if not staff.is_active or not staff.has_role(Role.GROUP_OFFICE):
        return False
    return county_id is None or _same_county(staff, county_id)


def may_edit(staff: Staff, consultation: Consultation) -> bool:
    return may_organise(staff, consultation.jurisdiction_id)


def may_approve(staff: Staff, consultation: Consultation) -> bool:
    """重大事项会商 is held 经领导小组组长同意 — the group leader of the county decides."""
    return staff.is_active and staff.has_role(Role.GROUP_LEADER) and _same_county(staff, consultation.jurisdiction_id)
