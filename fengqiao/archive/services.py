"""Every write of the archive: sealing a case's dossier (四(七) 案卷归档), and its export.

``dossier_seal`` is one transaction: the case row is locked, the 件号 taken from a locked
counter, every file of the case copied into the dossier's folder with its SM3 digest, the
案卷封面 and 卷内目录 issued through the document engine, the manifest written (in the database
and as ``manifest.json``) with its own digest, and the case moved to ARCHIVED.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.archive import permissions
from fengqiao.archive.builders import ContentsRow
from fengqiao.archive.models import ArchiveSettings, Dossier, DossierItem, ItemCounter, ItemKind
from fengqiao.archive.package import (
    DOSSIER_OBJECT,
    MANIFEST,
    MANIFEST_SM3,
    dossier_export,
    manifest_bytes,
    manifest_sm3_line,
    read_file,
    seal_problems,
    stored_manifest,
)
from fengqiao.archive.selectors import SealFacts, retention_for, sealing
from fengqiao.audit import trail
from fengqiao.audit.models import Action, Result
from fengqiao.cases import workflow
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.core import crypto
from fengqiao.documents import registry
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.render import html_render
from fengqiao.documents.services import CONTENT_TYPES, document_issue
from fengqiao.org.models import Jurisdiction

if TYPE_CHECKING:
    from fengqiao.org.models import Staff


def archive_number_format(*, fonds: str, category: str, year: int, retention: str, organization: str, seq: int) -> str:
    """档号 (DA/T 22-2015 §6): 全宗号-门类代码·年度-保管期限-机构（问题）-件号, 件号 four digits."""
    return f"{fonds}-{category}·{year}-{retention}-{organization}-{seq:04d}"


def settings_for(county: Jurisdiction) -> ArchiveSettings:
    """The county's archive settings; a county without any gets its region code as 全宗号
    until the archive office assigns one (editable in the admin)."""
    found, _created = ArchiveSettings.objects.get_or_create(jurisdiction=county, defaults={"fonds_code": county.code})
    return found


def _item_number_take(*, county: Jurisdiction, year: int, retention: str) -> int:
    """The next 件号 of ``county``, ``year`` and ``retention``; the counter row stays locked until
    the sealing transaction ends, so two dossiers never share a number."""
    try:
        with transaction.atomic():
            ItemCounter.objects.get_or_create(jurisdiction=county, year=year, retention=retention)
    except IntegrityError:  # another sealing created the row first
        pass
    row = ItemCounter.objects.select_for_update().get(jurisdiction=county, year=year, retention=retention)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


@dataclass
class _Planned:
    kind: str
    title: str
    extension: str
    content_type: str
    day: date
    data: bytes = b""
    number: str = ""
    responsible: str = ""
    note: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    pages: int | None = None  # of the printed document (the PDF), for the 卷内目录
    # The files of one document (an issued form's PDF and DOCX) share a key: the 卷内目录 lists
    # the document once.
    document_key: str = ""


def _document_items(document: IssuedDocument, kind: str) -> list[_Planned]:
    note = f"第{document.version}版" if document.version > 1 else ""
    items = []
    for fmt, file in (("pdf", document.pdf), ("docx", document.docx)):
        items.append(
            _Planned(
                kind=kind,
                title=f"{document.title}（{fmt.upper()}）",
                extension=fmt,
                content_type=CONTENT_TYPES[fmt],
                day=timezone.localdate(document.issued_at),
                data=read_file(file),
                number=document.number,
                responsible=document.department.name,
                note=note,
                source={"document": document.pk, "format": fmt},
                pages=document.pages,
                document_key=f"document:{document.pk}",
            )
        )
    return items


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _opinion_items(case: Case) -> list[_Planned]:
    from fengqiao.handling.models import Opinion, OpinionStatus

    items = []
    opinions = Opinion.objects.filter(task__case=case, status=OpinionStatus.SIGNED).select_related(
        "task__department", "author", "signed_by"
    )
    for opinion in opinions.order_by("signed_at", "id"):
        department = opinion.task.department.name
        signed_at = opinion.signed_at or opinion.updated_at
        html = render_to_string(
            "archive/forms/opinion.html",
            {
                "case": case,
                "facts": _lines(opinion.facts),
                "text": _lines(opinion.text),
                "basis": _lines(opinion.basis),
                "department": department,
                "author": opinion.author,
                # 部门负责人签发 (四(三)); signed under a 代签授权, the deputy's name says so.
                "signer": opinion.signed_by or "",
                "delegated": opinion.delegation_id is not None,
                "signed_on": timezone.localdate(signed_at),
            },
        )
        title = f"{department}书面意见"
        rendered = html_render(html, title=title, author=department, created=signed_at)
        items.append(
            _Planned(
                kind=ItemKind.OPINION,
                title=title,
                extension="pdf",
                content_type=CONTENT_TYPES["pdf"],
                day=timezone.localdate(signed_at),
                data=rendered.pdf,
                responsible=department,
                source={"opinion": opinion.pk},
                pages=rendered.pages,
            )
        )
    return items


def _visit_items(case: Case) -> list[_Planned]:
    """跟踪回访记录表 (四(五)), one PDF per visit done, and the 救济途径跟踪记录 when the payer
    objected (四(四)): every remedy with its body, dates, statutory deadline and outcome."""
    from fengqiao.followup.models import Recipient, Remedy, Visit

    items = []
    department = case.receiving_department.name
    for visit in (
        Visit.objects.filter(case_id=case.pk, done_at__isnull=False).select_related("by").order_by("done_at", "id")
    ):
        assert visit.done_at is not None
        done_at = timezone.localtime(visit.done_at)
        # 四(五) 对被反馈的争议双方进行跟踪回访: the form names the party visited.
        party = case.other_party if visit.party == Recipient.OTHER_PARTY else case.payer
        html = render_to_string(
            "archive/forms/visit.html",
            {
                "case": case,
                "visit": visit,
                "done_at": done_at,
                "notes": _lines(visit.notes),
                "payer_name": party.name if party is not None else "",
                "party_role": visit.get_party_display(),
                "department": department,
            },
        )
        title = "跟踪回访记录表"
        rendered = html_render(html, title=title, author=department, created=visit.done_at)
        items.append(
            _Planned(
                kind=ItemKind.VISIT,
                title=title,
                extension="pdf",
                content_type=CONTENT_TYPES["pdf"],
                day=done_at.date(),
                data=rendered.pdf,
                responsible=department,
                source={"visit": visit.pk},
                pages=rendered.pages,
            )
        )
    remedies = list(Remedy.objects.filter(case_id=case.pk).select_related("previous").order_by("filed_on", "id"))
    if remedies:
        last = max(r.outcome_on or r.filed_on for r in remedies)
        title = "救济途径跟踪记录"
        html = render_to_string(
            "archive/forms/remedies.html",
            {"case": case, "remedies": remedies, "department": department, "today": timezone.localdate()},
        )
        rendered = html_render(html, title=title, author=department, created=timezone.now())
        items.append(
            _Planned(
                kind=ItemKind.REMEDY,
                title=title,
                extension="pdf",
                content_type=CONTENT_TYPES["pdf"],
                day=last,
                data=rendered.pdf,
                responsible=department,
                source={"remedies": [r.pk for r in remedies]},
                pages=rendered.pages,
            )
        )
    return items


def _timeline_item(case: Case, archive_number: str) -> _Planned:
    events = [
        {
            "at": f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}",
            "actor": str(e.actor) if e.actor else "",
            "kind": e.get_kind_display(),
            "summary": e.summary,
        }
        for e in CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    ]
    html = render_to_string(
        "archive/forms/timeline.html", {"case": case, "events": events, "archive_number": archive_number}
    )
    title = "案件办理记录"
    rendered = html_render(html, title=title, author=case.receiving_department.name)
    return _Planned(
        kind=ItemKind.TIMELINE,
        title=title,
        extension="pdf",
        content_type=CONTENT_TYPES["pdf"],
        day=timezone.localdate(),
        data=rendered.pdf,
        responsible=case.receiving_department.name,
        note=f"{len(events)}条",
        source={"events": len(events)},
        pages=rendered.pages,
    )


def _gather(case: Case) -> list[_Planned]:
    """Every file of the case except the timeline, cover and contents, in date order."""
    items: list[_Planned] = []
    for document in IssuedDocument.objects.filter(case=case).select_related("department").order_by("issued_at", "id"):
        if document.doc_type in (registry.DOSSIER_COVER, registry.DOSSIER_CONTENTS):
            continue
        items.extend(_document_items(document, ItemKind.DOCUMENT))
    minutes = IssuedDocument.objects.filter(consultation__cases=case, doc_type=registry.MINUTES).select_related(
        "department"
    )
    for document in minutes.distinct().order_by("issued_at", "id"):
        items.extend(_document_items(document, ItemKind.MINUTES))
    for attachment in case.attachments.all():
        data = read_file(attachment.file)
        items.append(
            _Planned(
                kind=ItemKind.ATTACHMENT,
                title=attachment.original_name,
                extension=(attachment.original_name.rsplit(".", 1)[-1].lower()[:8] or "bin")
                if "." in attachment.original_name
                else "bin",
                content_type=attachment.content_type,
                day=timezone.localdate(attachment.uploaded_at),
                data=data,
                note=str(attachment.get_kind_display()),
                source={"attachment": attachment.pk, "sm3": attachment.sm3},
                pages=_attachment_pages(data, attachment.content_type),
            )
        )
    items.extend(_opinion_items(case))
    items.extend(_visit_items(case))
    return sorted(items, key=lambda i: i.day)  # stable: same-day items keep their order


def _attachment_pages(data: bytes, content_type: str) -> int | None:
    """Pages of an attachment for the 卷内目录: a PDF's page count, one for an image, else
    unknown (left blank for the archivist)."""
    if content_type.startswith("image/"):
        return 1
    if content_type != "application/pdf":
        return None
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(data)).pages) or None
    except (PyPdfError, ValueError, KeyError, OSError):
        return None


def _contents_rows(items: list[_Planned]) -> list[ContentsRow]:
    """卷内目录 (四(七); DA/T 22-2015 件): one row per document — an issued form kept as PDF and
    DOCX is one 件, listed once — with its 文号, 责任者, 题名, date and pages (of the PDF)."""
    rows: list[ContentsRow] = []
    seen: set[str] = set()
    for item in items:
        if item.document_key:
            if item.document_key in seen:
                continue
            seen.add(item.document_key)
        title = item.title
        if item.document_key and item.title.endswith(("（PDF）", "（DOCX）")):
            title = item.title.rsplit("（", 1)[0]
        rows.append(
            ContentsRow(
                number=item.number,
                responsible=item.responsible,
                title=title,
                day=item.day,
                pages=item.pages,
                note=item.note,
            )
        )
    return rows


@transaction.atomic
def dossier_seal(*, case: Case, actor: Staff) -> Dossier:
    """案卷归档 (四(七)): seal ``case``'s dossier and archive the case.

    Gathers every issued document (DOCX and PDF), the minutes of the consultations covering the
    case, attachments, signed written opinions, follow-up visit records and the timeline;
    issues the 案卷封面 and 卷内目录 with the archive number; copies every file into the
    dossier's folder with its SM3 digest; writes the manifest (with its own digest) and moves
    the case to ARCHIVED. Informed and own-handled cases take the same path."""
    case = Case.objects.select_for_update().select_related("jurisdiction", "receiving_department").get(pk=case.pk)
    if not permissions.may_seal(actor, case):
        raise PermissionDenied(_("您无权归档该案件。"))
    if Dossier.objects.filter(case_id=case.pk).exists():
        raise ValidationError({"case": [_("该案件已归档。")]})
    step = workflow.TRANSITIONS["archive"]
    if case.state not in step.sources:
        raise ValidationError({"case": [_("案件当前状态“%(s)s”不能归档。") % {"s": case.get_state_display()}]})
    for guard in step.guards:
        message = guard(case, {})
        if message:
            raise ValidationError({"case": [str(message)]})

    county = case.jurisdiction
    now = timezone.now()
    year = timezone.localdate(now).year
    retention = retention_for(case)
    conf = settings_for(county)
    seq = _item_number_take(county=county, year=year, retention=retention)
    archive_number = archive_number_format(
        fonds=conf.fonds_code,
        category=conf.category_code,
        year=year,
        retention=retention,
        organization=conf.organization_code,
        seq=seq,
    )
    files = _gather(case)
    # The timeline up to the sealing (the sealing's own steps — issuing the cover and contents,
    # the transition — are in the manifest): rendered first so that the contents list can give
    # its pages.
    timeline = _timeline_item(case, archive_number)
    # Cover and contents come first in the folder, then the files, then the timeline; the
    # contents list the documents after the cover and contents, each once.
    rows = _contents_rows([*files, timeline])
    token = sealing.set(SealFacts(archive_number=archive_number, retention=str(retention), rows=rows))
    try:
        cover = document_issue(doc_type=registry.DOSSIER_COVER, case=case, actor=actor)
        contents = document_issue(doc_type=registry.DOSSIER_CONTENTS, case=case, actor=actor)
    finally:
        sealing.reset(token)
    planned = [
        *_document_items(cover, ItemKind.DOCUMENT),
        *_document_items(contents, ItemKind.DOCUMENT),
        *files,
        timeline,
    ]

    folder = f"archive/{county.code}/{year}/{retention}-{seq:04d}-{case.pk}"
    title = f"{case.payer.name}{'、'.join(c.name for c in case.categories.all())}争议"[:255]
    items: list[DossierItem] = []
    entries: list[dict[str, Any]] = []
    stored: list[str] = []
    try:
        for n, item in enumerate(planned, start=1):
            filename = f"{n:03d}-{item.kind}.{item.extension}"
            name = default_storage.save(f"{folder}/{filename}", ContentFile(item.data))
            stored.append(name)
            digest = crypto.sm3_hex(item.data)
            items.append(
                DossierItem(
                    seq=n,
                    kind=item.kind,
                    title=item.title[:255],
                    number=item.number,
                    responsible=item.responsible[:128],
                    day=item.day,
                    file=name,
                    filename=filename,
                    content_type=item.content_type,
                    size=len(item.data),
                    sm3=digest,
                    note=item.note[:128],
                )
            )
            entries.append(
                {
                    "seq": n,
                    "kind": item.kind,
                    "title": item.title,
                    "number": item.number,
                    "responsible": item.responsible,
                    "date": item.day.isoformat(),
                    "path": f"files/{filename}",
                    "content_type": item.content_type,
                    "size": len(item.data),
                    "sm3": digest,
                    "source": item.source,
                }
            )
        manifest = {
            "standard": "DA/T 22-2015",
            "archive_number": archive_number,
            "fonds_code": conf.fonds_code,
            "category_code": conf.category_code,
            "year": year,
            "retention": str(retention),
            "organization_code": conf.organization_code,
            "item_number": seq,
            "case": case.number,
            "county": county.code,
            "title": title,
            "sealed_at": now.isoformat(),
            "sealed_by": actor.username,
            "hash": "SM3",
            "items": entries,
        }
        raw = manifest_bytes(manifest)
        manifest_sm3 = crypto.sm3_hex(raw)
        stored.append(default_storage.save(f"{folder}/{MANIFEST}", ContentFile(raw)))
        stored.append(default_storage.save(f"{folder}/{MANIFEST_SM3}", ContentFile(manifest_sm3_line(manifest_sm3))))
        dossier = Dossier.objects.create(
            case=case,
            jurisdiction=county,
            archive_number=archive_number,
            fonds_code=conf.fonds_code,
            category_code=conf.category_code,
            year=year,
            retention=retention,
            organization_code=conf.organization_code,
            item_number=seq,
            title=title,
            folder=folder,
            sealed_at=now,
            sealed_by=actor,
            manifest=manifest,
            manifest_sm3=manifest_sm3,
        )
        for item_row in items:
            item_row.dossier = dossier
        DossierItem.objects.bulk_create(items)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    # The step and the sealing come after the cover's and contents' events on the timeline.
    finished = timezone.now()
    workflow.transition(
        case=case,
        name="archive",
        actor=actor,
        data={"archive_number": archive_number, "manifest_sm3": manifest_sm3},
        summary=_("案卷归档，档号%(n)s") % {"n": archive_number},
        at=finished,
    )
    CaseEvent.objects.create(
        case=case,
        at=finished,
        actor=actor,
        kind=EventKind.ARCHIVED,
        summary=(
            _("封存案卷%(n)s，共%(c)d件，清单SM3 %(h)s") % {"n": archive_number, "c": len(items), "h": manifest_sm3}
        )[:255],
        data={
            "dossier": dossier.pk,
            "archive_number": archive_number,
            "manifest_sm3": manifest_sm3,
            "items": len(items),
        },
    )
    # In the audit chain too (五(三)): an export package is checked against this record, which
    # nobody without the chain's key can rewrite to match a forged manifest.
    trail.note(
        Action.ARCHIVE_SEAL,
        actor=actor,
        case=case,
        object_type=DOSSIER_OBJECT,
        object_id=dossier.pk,
        summary=_("封存案卷%(n)s") % {"n": archive_number},
        detail={"archive_number": archive_number, "manifest_sm3": manifest_sm3, "items": len(items)},
    )
    return dossier


def dossier_verify(dossier: Dossier) -> list[str]:
    """Problems found checking ``dossier`` against its manifest: every stored file's SM3 and
    size, the manifest file's SM3, the manifest in the database, and its SM3 against the one
    the audit chain recorded at sealing. Empty when intact."""
    problems: list[str] = []
    if crypto.sm3_hex(manifest_bytes(dossier.manifest)) != dossier.manifest_sm3:
        problems.append(_("数据库中的清单与其SM3摘要不符"))
    try:
        raw = stored_manifest(dossier)
    except crypto.DecryptionError:  # the store encrypts at rest: an altered file no longer decrypts
        raw = b""
    if raw is None:
        problems.append(_("清单文件 %(f)s 缺失") % {"f": MANIFEST})
    elif crypto.sm3_hex(raw) != dossier.manifest_sm3:
        problems.append(_("清单文件 %(f)s 的SM3摘要不符") % {"f": MANIFEST})
    listed = {e["seq"]: e for e in dossier.manifest.get("items", [])}
    items = list(DossierItem.objects.filter(dossier=dossier).order_by("seq"))
    if len(items) != len(listed):
        problems.append(_("卷内文件数（%(a)d）与清单（%(b)d）不符") % {"a": len(items), "b": len(listed)})
    for item in items:
        entry = listed.get(item.seq)
        if entry is None or entry.get("sm3") != item.sm3 or entry.get("size") != item.size:
            problems.append(_("第%(n)d件 %(t)s 与清单不符") % {"n": item.seq, "t": item.title})
        try:
            data = read_file(item.file)
        except FileNotFoundError:
            problems.append(_("第%(n)d件 %(t)s 的文件缺失") % {"n": item.seq, "t": item.title})
            continue
        except crypto.DecryptionError:
            problems.append(_("第%(n)d件 %(t)s 无法解密（文件已被改动）") % {"n": item.seq, "t": item.title})
            continue
        if len(data) != item.size or crypto.sm3_hex(data) != item.sm3:
            problems.append(_("第%(n)d件 %(t)s 的SM3摘要不符（文件已被改动）") % {"n": item.seq, "t": item.title})
    return [*problems, *seal_problems(dossier, dossier.manifest_sm3)]


def dossier_export_for(*, dossier: Dossier, actor: Staff) -> bytes:
    """The export package for ``actor`` (who may see the case). It holds personal data in plain
    text, so it needs the right to reveal it and, since it leaves the mechanism, an approved,
    unexpired information release naming the dossier (五(三) 信息发布报批; one use of it). Each
    export is on the timeline and in the audit chain; a refused one is recorded as denied."""
    from fengqiao.releases.services import ReleaseRequired

    case = dossier.case
    denied: dict[str, Any] = {
        "case": case,
        "object_type": DOSSIER_OBJECT,
        "object_id": dossier.pk,
        "result": Result.DENIED,
    }
    if not permissions.may_export(actor, case):
        reason = _("归档包含个人信息明文，您无权导出。")
        trail.note(Action.EXPORT, actor=actor, summary=reason, **denied)
        raise PermissionDenied(reason)
    try:
        return _export_released(dossier=dossier, actor=actor)
    except ReleaseRequired as exc:
        trail.note(Action.EXPORT, actor=actor, summary=str(exc)[:255], **denied)
        raise


@transaction.atomic
def _export_released(*, dossier: Dossier, actor: Staff) -> bytes:
    from fengqiao.releases.models import ReleaseKind
    from fengqiao.releases.services import release_use_for

    what = _("归档包%(n)s") % {"n": dossier.archive_number}
    release = release_use_for(actor=actor, kind=ReleaseKind.DOSSIER, case=dossier.case, what=what)
    reason = _("导出归档包%(n)s") % {"n": dossier.archive_number}
    CaseEvent.objects.create(
        case=dossier.case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.REVEALED,
        summary=reason[:255],
        data={"dossier": dossier.pk, "reason": reason, "release": release.pk},
    )
    trail.note(
        Action.EXPORT,
        actor=actor,
        case=dossier.case,
        object_type=DOSSIER_OBJECT,
        object_id=dossier.pk,
        summary=reason,
        detail={"archive_number": dossier.archive_number, "release": release.pk},
    )
    return dossier_export(dossier)
