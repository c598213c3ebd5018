"""Every write of documents: issuing (and correcting) a document, and downloading one that
prints personal data (recorded like a reveal, 五(三)).

``document_issue`` is one transaction: the number is taken from a locked counter row, the
document rendered with that number, the files stored with their SM3 digests, the row and
the timeline event inserted. If anything fails, no number is used up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import trail
from fengqiao.cases.models import Case, CaseEvent, CaseParty, EventKind, RevealRecord, sealed_check
from fengqiao.core import crypto
from fengqiao.documents import permissions, registry
from fengqiao.documents.models import DocumentNumbering, IssuedDocument
from fengqiao.org.models import Jurisdiction, Staff

# The personal data a form printing it in plain text shows, per party (cases.REVEALABLE).
PERSONAL_FIELDS = ("id_number", "phone", "address")
FORMATS = ("docx", "pdf")


def _doc_type(code: str) -> registry.DocumentType:
    try:
        return registry.get(code)
    except registry.UnknownDocumentType:
        raise ValidationError({"doc_type": [_("未知的文书类型“%(code)s”。") % {"code": code}]}) from None


def _number_take(*, county: Jurisdiction, doc_type: registry.DocumentType, year: int) -> tuple[int, str]:
    """The next number of ``doc_type`` in ``county`` and ``year``: the counter row stays locked
    until the issuing transaction ends, so two documents never share a number."""
    try:
        with transaction.atomic():
            previous = (
                DocumentNumbering.objects.filter(jurisdiction=county, doc_type=doc_type.code, year__lt=year)
                .order_by("-year")
                .first()
            )
            DocumentNumbering.objects.get_or_create(
                jurisdiction=county,
                doc_type=doc_type.code,
                year=year,
                defaults={"pattern": previous.pattern if previous else doc_type.number_pattern},
            )
    except IntegrityError:  # another issue created the row first: use theirs
        pass
    row = DocumentNumbering.objects.select_for_update().get(jurisdiction=county, doc_type=doc_type.code, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    try:
        number = row.pattern.format(county=county.name[:1], code=county.code, year=year, seq=row.last)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            {"doc_type": [_("文号格式“%(pattern)s”有误：%(error)s") % {"pattern": row.pattern, "error": exc}]}
        ) from exc
    return row.last, number


def _parties(case: Case) -> list[CaseParty]:
    # The parties as registered on this case (issue 11: never another case's newer details).
    return [p for p in (case.payer, case.other_party) if p is not None]


def _record_reveals(*, case: Case, actor: Staff, reason: str) -> list[str]:
    """A record per item of personal data a form prints in plain text, as for 查看明文."""
    now = timezone.now()
    shown: list[str] = []
    for party, payer in zip(("payer", "other_party"), _parties(case), strict=False):
        for field in PERSONAL_FIELDS:
            if getattr(payer, field):
                RevealRecord.objects.create(
                    case=case, payer_id=payer.identity_id, field=field, reason=reason, staff=actor, at=now
                )
                shown.append(f"{party}.{field}")
    return shown


def _case_lock(case: Case) -> Case:
    qs = Case.objects.filter(pk=case.pk).select_related("jurisdiction", "receiving_department")
    # PostgreSQL: lock only the case row, not the rows joined by select_related.
    qs = qs.select_for_update(of=("self",)) if connection.features.has_select_for_update_of else qs.select_for_update()
    return qs.get()


def _issued_for_version(*, case: Case, kind: registry.DocumentType) -> IssuedDocument | None:
    """The document of ``kind`` already issued for this version of ``case``, in its newest
    version (a correction of it stands in for it), or None."""
    first = IssuedDocument.objects.filter(
        case=case, doc_type=kind.code, case_version=case.version, replaces__isnull=True
    ).first()
    if first is None:
        return None
    newest = (
        IssuedDocument.objects.filter(case=case, doc_type=kind.code, number=first.number).order_by("-version").first()
    )
    found = newest or first
    found.existing = True
    return found


@transaction.atomic
def document_issue(
    *, doc_type: str, case: Case, actor: Staff | None, replaces: IssuedDocument | None = None
) -> IssuedDocument:
    """出具文书: number, render, store and record one document of ``case``.

    A first version takes the next number (文号) of its type, county and year — once per
    version of the case: asking again for the same form of an unchanged case (a double click,
    sixteen requests at once) returns the document already issued (``existing`` set), under
    the case's row lock and a unique constraint. A sealed case (四(七)) refuses. A correction
    (``replaces``) keeps the number of the version it replaces and raises the version; the
    replaced version stays as it was and is superseded because this one names it. A form
    that prints personal data (the registration form) is recorded like a reveal. ``actor`` is
    None only for a form the registry marks ``payer_issued``, issued by the payer's own act
    (nobody is shown it then: no reveal is recorded)."""
    kind = _doc_type(doc_type)
    # The case row is locked first (as every write of the case does), so two requests to issue
    # the same form at once are serialised, and its state and version are read fresh.
    case = _case_lock(case)
    sealed_check(case)  # 四(七): no second original outside a sealed dossier
    if (actor is None and (not kind.payer_issued or replaces is not None)) or (
        actor is not None and not permissions.may_issue(actor, case, kind)
    ):
        raise PermissionDenied(_("您无权出具该文书。"))
    if replaces is None and kind.once_per_case_version:
        issued = _issued_for_version(case=case, kind=kind)
        if issued is not None:
            return issued
    now = timezone.now()
    if replaces is not None:
        replaces = IssuedDocument.objects.select_for_update().get(pk=replaces.pk)
        if replaces.case_id != case.pk or replaces.doc_type != kind.code:
            raise ValidationError({"replaces": [_("被更正的文书须是本案件的同类文书。")]})
        if IssuedDocument.objects.filter(replaces=replaces).exists():
            raise ValidationError({"replaces": [_("该文书已被更正，请更正其最新版本。")]})
        year, seq, number, version = replaces.year, replaces.seq, replaces.number, replaces.version + 1
    else:
        if not kind.applies(case):
            raise ValidationError(
                {
                    "doc_type": [
                        _("案件当前状态（%(state)s）不适用“%(title)s”。")
                        % {"state": case.get_state_display(), "title": kind.title}
                    ]
                }
            )
        year = timezone.localdate(now).year
        seq, number = _number_take(county=case.jurisdiction, doc_type=kind, year=year)
        version = 1
    issue = registry.Issue(
        number=number,
        version=version,
        issued_at=now,
        replaces_number=replaces.number if replaces else "",
        replaces_version=replaces.version if replaces else None,
    )
    # Imported here: python-docx and lxml stay out of every process that never renders.
    from fengqiao.documents.render import document_render

    rendered = document_render(doc_type=kind.code, subject=case, issue=issue)
    document = IssuedDocument(
        jurisdiction=case.jurisdiction,
        case=case,
        doc_type=kind.code,
        title=rendered.title,
        number=number,
        year=year,
        seq=seq,
        version=version,
        replaces=replaces,
        department=case.receiving_department,
        issued_by=actor,
        issued_at=now,
        token=secrets.token_hex(16),
        docx_sm3=crypto.sm3_hex(rendered.docx),
        pdf_sm3=crypto.sm3_hex(rendered.pdf),
        docx_size=len(rendered.docx),
        pdf_size=len(rendered.pdf),
        pages=rendered.pages,
        personal_data=kind.personal_data,
        case_version=case.version if kind.once_per_case_version and replaces is None else None,
    )
    document.docx.save(f"{document.token}.docx", ContentFile(rendered.docx), save=False)
    document.pdf.save(f"{document.token}.pdf", ContentFile(rendered.pdf), save=False)
    try:
        document.save()
    except IntegrityError as exc:
        _files_delete(document)
        if replaces is None:  # the unique constraint behind the case's lock: issued at the same moment
            raise ValidationError({"doc_type": [_("该文书已由他人同时出具，请刷新后查看。")]}) from exc
        raise ValidationError({"replaces": [_("该文书已被他人同时更正，请刷新后重试。")]}) from exc
    except Exception:
        _files_delete(document)
        raise
    # If the surrounding transaction rolls back later, the stored files are orphaned but never
    # reachable: only an IssuedDocument row makes a file visible.
    revealed: list[str] = []
    if kind.personal_data and actor is not None:
        revealed = _record_reveals(case=case, actor=actor, reason=_("出具%(title)s") % {"title": kind.title})
    label = f"{kind.title}（{number}）" + (
        _("第%(v)d版，更正第%(old)d版") % {"v": version, "old": version - 1} if replaces else ""
    )
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.DOCUMENT,
        summary=(_("出具%(label)s") % {"label": label})[:255],
        data={
            "document": document.pk,
            "doc_type": kind.code,
            "number": number,
            "version": version,
            "replaces": replaces.pk if replaces else None,
            "pdf_sm3": document.pdf_sm3,
            "docx_sm3": document.docx_sm3,
            "revealed": revealed,
        },
    )
    return document


@transaction.atomic
def document_issue_for_subject(*, doc_type: str, subject: Any, actor: Staff) -> IssuedDocument:
    """出具文书 about a subject that is not one case — the minutes of a consultation, which may
    cover many cases, or none but a policy issue: number, render and store it. ``subject``
    gives the county (``jurisdiction``) and the issuing department (``document_department``);
    the document links to it through the ``IssuedDocument`` column its subject kind names. The
    caller (``fengqiao.meetings.services.minutes_issue``) has checked who may issue and writes
    the timeline event on every covered case."""
    kind = _doc_type(doc_type)
    if kind.subject == registry.SubjectKind.CASE:
        raise TypeError(f"{kind.code} is about a case: document_issue issues it")
    now = timezone.now()
    county = subject.jurisdiction
    year = timezone.localdate(now).year
    seq, number = _number_take(county=county, doc_type=kind, year=year)
    issue = registry.Issue(number=number, version=1, issued_at=now)
    # Imported here: python-docx and lxml stay out of every process that never renders.
    from fengqiao.documents.render import document_render

    rendered = document_render(doc_type=kind.code, subject=subject, issue=issue)
    document = IssuedDocument(
        jurisdiction=county,
        **{kind.subject.value: subject},
        doc_type=kind.code,
        title=rendered.title,
        number=number,
        year=year,
        seq=seq,
        version=1,
        department=subject.document_department,
        issued_by=actor,
        issued_at=now,
        token=secrets.token_hex(16),
        docx_sm3=crypto.sm3_hex(rendered.docx),
        pdf_sm3=crypto.sm3_hex(rendered.pdf),
        docx_size=len(rendered.docx),
        pdf_size=len(rendered.pdf),
        pages=rendered.pages,
        personal_data=kind.personal_data,
    )
    document.docx.save(f"{document.token}.docx", ContentFile(rendered.docx), save=False)
    document.pdf.save(f"{document.token}.pdf", ContentFile(rendered.pdf), save=False)
    try:
        document.save()
    except Exception:
        _files_delete(document)
        raise
    return document


def _files_delete(document: IssuedDocument) -> None:
    for file in (document.docx, document.pdf):
        if file.name:
            file.storage.delete(file.name)


@dataclass(frozen=True)
class DocumentFile:
    file: FieldFile
    filename: str
    content_type: str


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@transaction.atomic
def document_download(*, document: IssuedDocument, case: Case, actor: Staff, fmt: str) -> DocumentFile:
    """The stored DOCX or PDF of ``document`` (whose ``case`` the actor was allowed to see).
    A form with personal data in plain text needs the right to reveal it, and each download
    of it is recorded like a reveal (五(三))."""
    if fmt not in FORMATS:
        raise ValidationError({"format": [_("格式只能是 docx 或 pdf。")]})
    if not permissions.may_download(actor, case, document):
        raise PermissionDenied(_("该文书含个人信息明文，您无权下载。"))
    if document.personal_data:
        reason = _("下载%(title)s（%(number)s）") % {"title": document.title, "number": document.number}
        revealed = _record_reveals(case=case, actor=actor, reason=reason)
        CaseEvent.objects.create(
            case=case,
            at=timezone.now(),
            actor=actor,
            kind=EventKind.REVEALED,
            summary=reason[:255],
            data={"document": document.pk, "format": fmt, "revealed": revealed, "reason": reason},
        )
        trail.revealed(case=case, actor=actor, fields=revealed, via="document", document=document.pk)
    trail.downloaded(
        actor=actor,
        case=case,
        object_type="document",
        object_id=document.pk,
        summary=f"下载{document.title}（{document.number}）",
        detail={"format": fmt, "doc_type": document.doc_type},
    )
    suffix = f"（第{document.version}版）" if document.version > 1 else ""
    return DocumentFile(
        file=document.docx if fmt == "docx" else document.pdf,
        filename=f"{document.title}{document.number}{suffix}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
