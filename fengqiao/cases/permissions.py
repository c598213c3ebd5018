"""Who may do what on a case. What a role may do is code (the procedure of 四); who holds a
role is data (org.StaffRole)."""

from __future__ import annotations

from collections.abc import Callable
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


# Roles that may reveal personal data on the cases of their own department (its involvement).
REVEALING_DEPARTMENT_ROLES = (Role.INTAKE_CLERK, Role.HANDLER, Role.DEPARTMENT_HEAD, Role.HOTLINE_OFFICE)


def may_reveal(staff: Staff, case: Case) -> bool:
    """查看明文 (五(三) 落实保密责任): a role that reveals AND a case that lets this person do it.

    The clerks, handlers and heads of a department (and the hotline office) reveal on the cases
    their department is involved in; the group office on every case of its county. The leader
    and the deputies read every case of the county masked: seeing a case through that role
    gives no reveal, so a deputy who also heads a department reveals only that department's
    cases. Every reveal is recorded with its reason (``services.personal_data_reveal``)."""
    if not staff.is_active or staff.department_id is None or staff.department is None:
        return False
    if staff.department.jurisdiction_id != case.jurisdiction_id:
        return False
    if staff.has_role(Role.GROUP_OFFICE):
        return True
    if not staff.has_role(*REVEALING_DEPARTMENT_ROLES):
        return False
    return department_involved(case, staff.department_id)


def department_involved(case: Case, department_id: int) -> bool:
    """Whether the department takes part in the case (receiving, lead or co-handling); read
    from the prefetched involvements when the page fetched them."""
    cached = getattr(case, "_prefetched_objects_cache", {}).get("involvements")
    if cached is not None:
        return any(involvement.department_id == department_id for involvement in cached)
    return case.involvements.filter(department_id=department_id).exists()


def may_edit_intake(staff: Staff, case: Case) -> bool:
    """Attachments, links and merges at intake: the owner and the receiving department's clerks
    and head, and the group office."""
    return may_review(staff, case)


#: Who else may add an attachment to a case, registered by the app whose work needs it, from
#: its ``AppConfig.ready()`` (handling: a department writing its written opinion, 四(三)).
_attachers: list[Callable[[Staff, Case], bool]] = []


def attacher_register(may: Callable[[Staff, Case], bool]) -> None:
    if may not in _attachers:
        _attachers.append(may)


def may_attach(staff: Staff, case: Case) -> bool:
    """上传附件: whoever may edit the registration (``may_edit_intake``), and those the apps add."""
    return may_edit_intake(staff, case) or any(may(staff, case) for may in _attachers)


def may_correct_party(staff: Staff, case: Case) -> bool:
    """更正当事人信息 (a person's name, phone or address entered wrongly): whoever may edit the
    case's registration — the first receiver, the receiving department's clerks and head, and
    the group office. The correction reaches every open case of the person, each on its
    timeline."""
    return may_edit_intake(staff, case)
