"""Who reads the monthly analysis and the scorecards (四(六), 五(四)).

The analysis is the leadership group's: its office (which runs it), the leader and the
deputies see the county's; a department head sees the scorecard of his own department. The
figures carry no personal data — a repeat payer is named by case numbers only (五(三))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases.permissions import COUNTY_WIDE_ROLES
from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.org.models import Department, Staff


def may_view_analysis(staff: Staff) -> bool:
    return staff.is_active and staff.department_id is not None and staff.has_role(*COUNTY_WIDE_ROLES)


def may_generate_report(staff: Staff) -> bool:
    """生成综合分析报告: the group office (领导小组办公室 runs the monthly analysis)."""
    return staff.is_active and staff.department_id is not None and staff.has_role(Role.GROUP_OFFICE)


def scorecard_departments(staff: Staff) -> set[str] | None:
    """The departments (codes) whose scorecard ``staff`` may see: None = every department of the
    county, an empty set = none."""
    if may_view_analysis(staff):
        return None
    department: Department | None = staff.department
    if department is not None and staff.has_role(Role.DEPARTMENT_HEAD):
        return {department.code}
    return set()
