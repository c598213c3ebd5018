"""Who may do what on a case. What a role may do is code (the procedure of 四); who holds a
role is data (org.StaffRole)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff

# Roles that see every case of their county: the group office coordinates, the leader and
# deputies decide (三(一)).
COUNTY_WIDE_ROLES = (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER)
# Roles that see the cases their department is involved in.
DEPARTMENT_ROLES = (
    Role.INTAKE_CLERK,
    Role.HANDLER,
    Role.DEPARTMENT_HEAD,
    Role.HOTLINE_OFFICE,
    Role.CYBERSPACE_OFFICE,
)


def may_register(staff: Staff) -> bool:
    """一站受理: window clerks register; so does the group office (e.g. 12345 or petition leads),
    and the hotline office (旗政府办) registers the 12345 platform's work orders (四(八))."""
    return staff.department_id is not None and staff.has_role(Role.INTAKE_CLERK, Role.GROUP_OFFICE, Role.HOTLINE_OFFICE)


def may_review(staff: Staff, case: Case) -> bool:
    """审核转办 (四(二)) is done by the receiving department — the first receiver (首问责任制),
    a clerk or the head of that department — or by the group office of the county."""
    if staff.has_role(Role.GROUP_OFFICE) and staff.jurisdiction == case.jurisdiction:
        return True
    if staff.department_id != case.receiving_department_id:
        return False
    return case.owner_id == staff.pk or staff.has_role(Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD)


def may_reveal(staff: Staff, case: Case) -> bool:
    """查看明文: anyone who may see the case and works on it (not read-only observers such as
    the leader, who see masked data); every reveal is recorded with its reason."""
    return staff.has_role(
        Role.INTAKE_CLERK,
        Role.HANDLER,
        Role.DEPARTMENT_HEAD,
        Role.GROUP_OFFICE,
        Role.HOTLINE_OFFICE,
    )


def may_edit_intake(staff: Staff, case: Case) -> bool:
    """Attachments, links and merges at intake: the owner and the receiving department's clerks
    and head, and the group office."""
    return may_review(staff, case)


def may_correct_party(staff: Staff, case: Case) -> bool:
    """更正当事人信息 (a person's name, phone or address entered wrongly): whoever may edit the
    case's registration — the first receiver, the receiving department's clerks and head, and
    the group office. The correction reaches every open case of the person, each on its
    timeline."""
    return may_edit_intake(staff, case)
