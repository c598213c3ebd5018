"""Who may do what with online items (三(二)9; issue 15 §5). What a role may do is code; who
holds a role is data.

- The 网信办 and the group office read and write every item of their county (record, link,
  assign, open a lead case, close) and read its summary unmasked;
- the leader and the deputies read every item of the county, masked, as they read cases;
- a department's staff read the items whose responsible department it is, or which link to a
  case it works on; its handlers and head record the response steps of the items it answers for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases.permissions import DEPARTMENT_ROLES
from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.opinion.models import OnlineItem
    from fengqiao.org.models import Staff

#: Read and write every item of the county (三(二)9 the 网信办; the group office coordinates).
OFFICE_ROLES = (Role.CYBERSPACE_OFFICE, Role.GROUP_OFFICE)
#: Read every item of the county (masked unless also an office role).
COUNTY_READ_ROLES = (*OFFICE_ROLES, Role.GROUP_LEADER, Role.DEPUTY_LEADER)
#: A responsible department's staff who record the response (核实、回应、处置).
RESPONDING_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)


def _county_id(staff: Staff) -> int | None:
    if not staff.is_active or staff.department_id is None or staff.department is None:
        return None
    return staff.department.jurisdiction_id


def may_record(staff: Staff) -> bool:
    """登记舆情: the 网信办 and the group office."""
    return _county_id(staff) is not None and staff.has_role(*OFFICE_ROLES)


def may_manage(staff: Staff, item: OnlineItem) -> bool:
    """Link, assign, attach, open a lead case, close: the office roles of the item's county."""
    return _county_id(staff) == item.jurisdiction_id and staff.has_role(*OFFICE_ROLES)


def may_respond(staff: Staff, item: OnlineItem) -> bool:
    """核实、回应、处置: the office roles, or the responsible department's handlers and head."""
    if may_manage(staff, item):
        return True
    return (
        item.responsible_department_id is not None
        and staff.is_active
        and staff.department_id == item.responsible_department_id
        and staff.has_role(*RESPONDING_ROLES)
    )


def may_read_plain(staff: Staff, item: OnlineItem) -> bool:
    """The summary as recorded (五(三)): the 网信办 who recorded it and the group office, who may
    reveal on every case of the county; everyone else reads ID numbers and phones masked."""
    return may_manage(staff, item)


def reads_department_items(staff: Staff) -> bool:
    return staff.has_role(*DEPARTMENT_ROLES)
