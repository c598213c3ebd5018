"""What the minutes (会议纪要, GB/T 9704 §10.3) of a consultation say: the context of
``templates/documents/forms/minutes.html``. The wording is in the template; ``documents.py``
registers the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from fengqiao.meetings.models import Attendance, Consultation

if TYPE_CHECKING:
    from fengqiao.documents.registry import Issue

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (headings 一、二、… of the minutes)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    return str(n)


def minutes(consultation: Consultation, issue: Issue) -> dict[str, Any]:
    """纪要: when, where, who chaired, which cases or policy issue, the discussion, the
    numbered conclusions, the resolutions with their departments and deadlines, and the
    出席 / 请假 / 列席 lists."""
    attendees = list(consultation.attendees.select_related("department").order_by("sort_order", "id"))

    def names(kind: str) -> str:
        return "、".join(a.label for a in attendees if a.attendance == kind)

    resolutions = list(consultation.resolutions.select_related("department", "case").order_by("sort_order", "id"))
    conclusions = [(chinese_number(i), text) for i, text in enumerate(consultation.conclusion_lines(), start=1)]
    return {
        "consultation": consultation,
        "doc": issue,
        "issued_on": timezone.localdate(issue.issued_at or timezone.now()),
        "held_on": timezone.localtime(consultation.held_at or consultation.starts_at),
        "county": consultation.jurisdiction,
        "issuer": consultation.document_author,
        "cases": list(consultation.cases.select_related("payer").order_by("number")),
        "discussion": [p.strip() for p in consultation.discussion.splitlines() if p.strip()],
        "conclusions": conclusions,
        "resolutions": [(chinese_number(i), r) for i, r in enumerate(resolutions, start=1)],
        "resolution_heading": chinese_number(len(conclusions) + 1),
        "present": names(Attendance.PRESENT),
        "leave": names(Attendance.LEAVE),
        "observer": names(Attendance.OBSERVER),
    }
