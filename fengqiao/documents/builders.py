"""What each form of a case says: the context its template is rendered with.

A builder gathers facts (the case, its payer, departments, deadlines, documents); the
wording is in the template, where a maintainer can change it without touching Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from fengqiao.cases.models import Case, CaseDepartment
from fengqiao.cases.states import CLOSED_STATES, CaseState, Classification
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


def _common(case: Case, issue: Issue) -> dict[str, Any]:
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
    return {**_common(case, issue), "other_party": case.other_party}


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
        **_common(case, issue),
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
        # 可凭案件编号查询办理进度: the payer's query code and where to use it (fengqiao.portal).
        "query_code": _query_code(case),
        "portal_url": settings.FENGQIAO_PORTAL_URL,
    }


def _query_code(case: Case) -> str:
    from fengqiao.portal.services import query_code_of

    return query_code_of(case)


def inform_notice(case: Case, issue: Issue) -> dict[str, Any]:
    """告知书 (四(一); 社会保险法第八十二条): the matter is not within the receiving
    department's duty; which department handles it and where to find it."""
    target = case.informed_department
    return {
        **_common(case, issue),
        "target": target,
        "target_place": _place(target),
        "target_phone": target.phone if target else "",
        "note": case.informed_note,
    }


def _retention(case: Case) -> str:
    """保管期限 code of ``case`` as the county configured it (``archive.RetentionRule``, else
    DOMAIN.md "Archives": D30 for major cases, D10 for general ones)."""
    from fengqiao.archive.selectors import retention_for

    return str(retention_for(case))


def retention_words(code: str) -> str:
    """保管期限 as a cover prints it (DA/T 22-2015 6.3): Y → 永久, D30 → 30年, D10 → 10年."""
    if code == "Y":
        return "永久"
    if code.startswith("D") and code[1:].isdigit():
        return f"{int(code[1:])}年"
    return code


def _closed_on(case: Case, archive: dict[str, Any]) -> date | None:
    """The end of the dossier's 起止日期: the day it is sealed (四(七) 办结后归档), else the day
    the case closed (informed, merged); an open case has none."""
    sealed_on: date | None = archive.get("sealed_on")
    if sealed_on is not None:
        return sealed_on
    if case.state in CLOSED_STATES:
        return timezone.localdate(case.state_changed_at)
    return None


def dossier_cover(case: Case, issue: Issue) -> dict[str, Any]:
    """案卷封面 (四(七)): the case number, title, 起止日期 (received → archived), number of
    items (件, one per document, whatever formats it is kept in) and 保管期限; the archive
    number (档号) is given when the dossier is filed."""
    archive = _archive_facts(case)
    rows = archive.get("archive_rows")
    retention = str(archive.get("retention") or _retention(case))
    return {
        **_common(case, issue),
        "received_on": timezone.localdate(case.received_at),
        "closed_on": _closed_on(case, archive),
        "retention": retention,
        "retention_words": retention_words(retention),
        "archive_number": archive.get("archive_number", ""),
        "items": len(rows) if rows is not None else len(_contents_rows(case)),
    }


def _archive_facts(case: Case) -> dict[str, Any]:
    """The archive number, retention and item rows of the dossier being sealed (or sealed)."""
    # Imported here: fengqiao.archive imports the documents app, not the other way round.
    from fengqiao.archive.selectors import seal_facts

    return seal_facts(case)


@dataclass(frozen=True)
class ContentsRow:
    number: str
    responsible: str
    title: str
    day: date
    pages: int | None
    note: str


def _contents_rows(case: Case) -> list[ContentsRow]:
    from fengqiao.documents.registry import REGISTRY
    from fengqiao.documents.selectors import documents_current

    rows: list[tuple[datetime, ContentsRow]] = []
    for doc in documents_current(case=case):
        doc_type = REGISTRY.get(doc.doc_type)
        if doc_type is None or not doc_type.in_dossier:
            continue
        rows.append(
            (
                doc.issued_at,
                ContentsRow(
                    number=doc.number,
                    responsible=doc.department.name,
                    title=doc.title,
                    day=timezone.localdate(doc.issued_at),
                    pages=doc.pages,
                    note=f"第{doc.version}版" if doc.version > 1 else "",
                ),
            )
        )
    for attachment in case.attachments.all():
        rows.append(
            (
                attachment.uploaded_at,
                ContentsRow(
                    number="",
                    responsible="",
                    title=attachment.original_name,
                    day=timezone.localdate(attachment.uploaded_at),
                    pages=None,
                    note=str(attachment.get_kind_display()),
                ),
            )
        )
    return [row for _at, row in sorted(rows, key=lambda r: r[0])]


def dossier_contents(case: Case, issue: Issue) -> dict[str, Any]:
    """卷内目录 (四(七)): 序号、文号、责任者、题名、日期、页数、备注 of the case's documents
    (the current version of each) and attachments, in date order."""
    rows = _archive_facts(case).get("archive_rows")
    return {**_common(case, issue), "rows": rows if rows is not None else _contents_rows(case)}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def decision_notice(case: Case, issue: Issue) -> dict[str, Any]:
    """处理意见书 (四(三)1 3), 四(三)2 3); DOMAIN.md "Documents"): the payer's request, the facts and
    reasons, the decision (支持 / 解释说明 / 不予支持), its legal basis, and the remedies with
    their bodies and deadlines (行政复议法第二十条). The decision is the case's issued one, or
    the draft being written (a preview); without either, the decision editor's first draft."""
    from fengqiao.handling import selectors as handling

    decision = handling.decision_current(case=case)
    if decision is not None:
        request, facts, result = decision.request, decision.facts_and_reasons, decision.result
        basis, remedies = decision.legal_basis, decision.remedies
    else:
        prefill = handling.decision_prefill(case=case)
        request, facts, result = prefill["request"], prefill["facts_and_reasons"], prefill["result"]
        basis, remedies = prefill["legal_basis"], prefill["remedies"]
    departments = [
        i.department
        for i in case.involvements.select_related("department").order_by("role", "department__sort_order")
        if i.role != CaseDepartment.Role.RECEIVING and i.department_id != case.receiving_department_id
    ]
    chinese = "一二三四五六七八九十"
    return {
        **_common(case, issue),
        "request": _lines(request),
        "facts": _lines(facts),
        "result": result,
        "basis": _lines(basis),
        "remedies": [
            {**r, "number": chinese[n] if n < len(chinese) else str(n + 1)} for n, r in enumerate(remedies or [])
        ],
        "is_major": case.classification == Classification.MAJOR,
        "is_joint": case.classification == Classification.GENERAL,
        "co_departments": "、".join(d.name for d in departments),
    }
