"""Who may record feedback, visits and remedies: the receiving department (which decided) or
the group office of the county — the same people who review and decide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases import permissions as case_permissions

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff


def may_follow_up(staff: Staff, case: Case) -> bool:
    return case_permissions.may_review(staff, case)
