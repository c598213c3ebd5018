"""Who may do what with accountability records (五(四) 严格责任追究). Seeing one at all is decided
by ``fengqiao.accountability.selectors.records_visible_to`` (404 otherwise).

The decision follows the mechanism's roles:

- the 领导小组办公室 (group office) 承接日常工作 (三(一)) and keeps the 绩效考评 (五(四)): it enters
  records by hand and confirms (with the decision taken) or dismisses (with a reason) each
  proposal of its county;
- the 组长 and 副组长 lead the group and read every record of the county;
- the 纪委监委 liaison receives the clues of 四(八) and 依法依规追责 is the commission's work: it
  reads every record of the county, and enters none (the commission decides on its own
  procedure; what it decided is written into the record by the office);
- a department reads the records naming it, through its head (部门负责人), who answers for
  the department's work; its other staff do not.

The name of a person a record names is shown to the county-wide readers and the liaison only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.accountability.models import AccountabilityRecord
    from fengqiao.org.models import Staff

#: Read every record of the county.
COUNTY_WIDE_ROLES = (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER, Role.DISCIPLINE_LIAISON)
#: Read the records naming their own department.
DEPARTMENT_ROLES = (Role.DEPARTMENT_HEAD,)


def _county_id(staff: Staff) -> int | None:
    county = staff.jurisdiction
    return county.pk if county is not None else None


def may_read_all(staff: Staff) -> bool:
    return staff.is_active and _county_id(staff) is not None and staff.has_role(*COUNTY_WIDE_ROLES)


def may_decide(staff: Staff, county_id: int | None = None) -> bool:
    """录入 / 确认 / 不予追究: the group office of the county."""
    if not staff.is_active or not staff.has_role(Role.GROUP_OFFICE):
        return False
    own = _county_id(staff)
    return own is not None and (county_id is None or own == county_id)


def may_see_person(staff: Staff, record: AccountabilityRecord | None = None) -> bool:
    """The name of the person a record names: the county-wide readers and the liaison only."""
    return may_read_all(staff) and (record is None or _county_id(staff) == record.jurisdiction_id)
