"""What each form of a case says: the context its template is rendered with.

A builder gathers facts (the case, its payer, departments, deadlines, documents); the
wording is in the template, where a maintainer can change it without touching Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from fengqiao.cases.models import Case, CaseDepartment
from fengqiao.cases.states import CaseState, Classification
from fengqiao.core import timelimits
from fengqiao.core.models import TimeLimitUnit
from fengqiao.org.models import Department, Studio

if TYPE_CHECKING:
    from fengqiao.documents.registry import Issue


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    place: str


def _place(department: Department | None) -> str:
    """Where the department receives people: its own address, or the dispute studio
    (争议处理工作室) it sits in at the government service centre."""
    if department is None:
        return ""
    if department.address:
        return department.address
    studio = Studio.objects.filter(departments=department).first()
    return f"{studio.address}{studio.name}" if studio else ""


def _contact(case: Case) -> Contact:
    owner = case.owner
    department = case.receiving_department
    return Contact(
        name=owner.name or owner.username,
        phone=owner.office_phone or department.phone,
        place=(owner.studio.address + owner.studio.name) if owner.studio else _place(department),
    )


def _issued_on(issue: Issue) -> date:
    return timezone.localdate(issue.issued_at or timezone.now())


def case_common(case: Case, issue: Issue) -> dict[str, Any]:
    """What every form of a case says: the issuing facts, the county, the receiving department,
    the payer, the categories and whom to contact. An app's builder starts from it."""
    return {
        "case": case,
        "doc": issue,
        "issued_on": _issued_on(issue),
        "county": case.jurisdiction,
        "department": case.receiving_department,
        "payer": case.payer,
        "categories": "、".join(c.name for c in case.categories.all()),
        "contact": _contact(case),
    }


def intake_form(case: Case, issue: Issue) -> dict[str, Any]:
    """受理登记表 (四(一)): 缴费人基本情况、来访时间、联系方式、事项所在辖区、反映主要事项 — the
    payer's identity and contact details in full, because the payer signs this record."""
    return {**case_common(case, issue), "other_party": case.other_party}


# Which time limit the current state runs under, for the receipt notice.
STATE_LIMITS = {
    CaseState.OWN_HANDLING: timelimits.OWN_HANDLING,
    CaseState.REGISTERED: timelimits.REVIEW,
    CaseState.JOINT_HANDLING: timelimits.GENERAL_DECISION,
    CaseState.AWAITING_APPROVAL: timelimits.LEADER_APPROVAL,
    CaseState.SPECIAL_HANDLING: timelimits.MAJOR_DECISION,
    CaseState.REFERRED: timelimits.REFERRAL_SIGN,
}


def receipt_notice(case: Case, issue: Issue) -> dict[str, Any]:
    """受理告知书: the matter was received, how it will be handled (the intake outcome or the
    routing of 四(二)) and by when (the current step's due date from the calendar)."""
    involvements = list(case.involvements.select_related("department").order_by("role", "department__sort_order"))
    lead = next((i.department for i in involvements if i.role == CaseDepartment.Role.LEAD), None)
    co = [i.department for i in involvements if i.role == CaseDepartment.Role.CO]
    code = STATE_LIMITS.get(CaseState(case.state))
    limit = timelimits.limit(code) if code else None
    return {
        **case_common(case, issue),
        "state": case.state,
        "lead": lead,
        "co": "、".join(d.name for d in co),
        "limit": limit,
        "limit_working_days": limit is not None and limit.unit == TimeLimitUnit.WORKING_DAYS,
        "due_on": case.due_on,
        "due_provisional": case.due_provisional,
        "is_general": case.classification == Classification.GENERAL,
        "is_major": case.classification == Classification.MAJOR,
        "is_unclear": case.classification == Classification.UNCLEAR,
        # 可凭案件编号查询办理进度: the payer's query code and where to use it are added by
        # the payer pages (``fengqiao.portal.documents``).
    }


def inform_notice(case: Case, issue: Issue) -> dict[str, Any]:
    """告知书 (四(一); 社会保险法第八十二条): the matter is not within the receiving
    department's duty; which department handles it and where to find it."""
    target = case.informed_department
    return {
        **case_common(case, issue),
        "target": target,
        "target_place": _place(target),
        "target_phone": target.phone if target else "",
        "note": case.informed_note,
    }
