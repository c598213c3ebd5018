"""Who may do what in 报送办理 (四(八)). What a role may do is code; who holds it is data.

- the 旗政府办 12345 hotline office of the county enters the work-order number, dispatches,
  re-dispatches, designates and rejects a department's reasons for returning it;
- the handlers and head of the department it is dispatched to sign for it, return it, and
  give the feedback (which becomes the case's decision);
- the receiving department (``cases.permissions.may_review``) transfers the case clues to the
  纪委监委; the discipline liaison of the county reads the transfers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases import permissions as case_permissions
from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff
    from fengqiao.referrals.models import Referral

DEPARTMENT_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)


def _county_id(staff: Staff) -> int | None:
    county = staff.jurisdiction
    return county.pk if county is not None else None


def is_hotline_office(staff: Staff, county_id: int | None) -> bool:
    return county_id is not None and staff.has_role(Role.HOTLINE_OFFICE) and _county_id(staff) == county_id


def may_dispatch(staff: Staff, referral: Referral) -> bool:
    """派单 / 重新派单 / 指定承办 / 退回理由不成立 / 工单号: the hotline office of the county."""
    return is_hotline_office(staff, referral.jurisdiction_id)


def may_work(staff: Staff, referral: Referral) -> bool:
    """签收 / 退回 / 反馈: a handler or the head of the department it is dispatched to."""
    return (
        referral.department_id is not None
        and staff.department_id == referral.department_id
        and staff.has_role(*DEPARTMENT_ROLES)
    )


def may_transfer(staff: Staff, case: Case) -> bool:
    """移交纪委监委: the receiving department (first receiver, its clerks and head)."""
    if staff.department_id != case.receiving_department_id:
        return False
    return case_permissions.may_review(staff, case)


def is_discipline_liaison(staff: Staff) -> bool:
    return staff.has_role(Role.DISCIPLINE_LIAISON) and _county_id(staff) is not None


def may_answer_case(staff: Staff, case: Case) -> bool:
    """The department that signed for the case's referral answers it: its feedback becomes the
    case's decision (``handling.permissions.may_decide`` and the decision notice ask this)."""
    from fengqiao.referrals.models import Referral, ReferralStatus

    referral = Referral.objects.filter(case_id=case.pk, status=ReferralStatus.SIGNED).only("department_id").first()
    return referral is not None and may_work(staff, referral)
