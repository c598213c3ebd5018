"""What the dossier's forms say: the 案卷封面 and 卷内目录 (四(七)), the context of
``templates/documents/forms/dossier_cover.html`` and ``dossier_contents.html``. The wording is
in the templates; ``documents.py`` registers the forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from fengqiao.archive.selectors import retention_for, seal_facts
from fengqiao.cases.models import Case
from fengqiao.cases.states import CLOSED_STATES
from fengqiao.documents.builders import case_common
from fengqiao.documents.registry import REGISTRY, Issue
from fengqiao.documents.selectors import documents_current


def _retention(case: Case) -> str:
    """保管期限 code of ``case`` as the county configured it (``archive.RetentionRule``, else
    DOMAIN.md "Archives": D30 for major cases, D10 for general ones)."""
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
        **case_common(case, issue),
        "received_on": timezone.localdate(case.received_at),
        "closed_on": _closed_on(case, archive),
        "retention": retention,
        "retention_words": retention_words(retention),
        "archive_number": archive.get("archive_number", ""),
        "items": len(rows) if rows is not None else len(_contents_rows(case)),
    }


def _archive_facts(case: Case) -> dict[str, Any]:
    """The archive number, retention and item rows of the dossier being sealed (or sealed)."""
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
    return {**case_common(case, issue), "rows": rows if rows is not None else _contents_rows(case)}
