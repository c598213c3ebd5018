"""出具文书: numbers per type and year, the timeline event, stored files with SM3 digests,
corrections as new versions, personal data recorded like a reveal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from fengqiao.cases.models import AppendOnlyError, Case, CaseEvent, EventKind, RevealRecord
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.crypto import sm3_hex
from fengqiao.documents import registry, selectors
from fengqiao.documents.models import DocumentNumbering, IssuedDocument
from fengqiao.documents.services import document_download, document_issue

pytestmark = pytest.mark.django_db


def test_numbers_run_per_type_and_year(frozen_time, intake_clerk, routed_case, informed_case) -> None:
    frozen_time("2026-11-26 10:00")
    first = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    second = document_issue(doc_type=registry.RECEIPT_NOTICE, case=intake(intake_clerk), actor=intake_clerk)
    other_type = document_issue(doc_type=registry.INFORM_NOTICE, case=informed_case, actor=intake_clerk)
    assert (first.number, second.number) == ("奈争受告〔2026〕1号", "奈争受告〔2026〕2号")
    assert other_type.number == "奈争告〔2026〕1号"
    # An administrator changes the pattern; the next year keeps the change and starts again at 1.
    row = DocumentNumbering.objects.get(doc_type=registry.RECEIPT_NOTICE, year=2026)
    DocumentNumbering.objects.filter(pk=row.pk).update(pattern="{county}税争受告〔{year}〕{seq}号")
    frozen_time("2027-01-05 10:00")
    next_year = document_issue(doc_type=registry.RECEIPT_NOTICE, case=intake(intake_clerk), actor=intake_clerk)
    assert next_year.number == "奈税争受告〔2027〕1号"
    assert (next_year.year, next_year.seq, next_year.version) == (2027, 1, 1)


def test_the_same_form_for_the_same_version_of_a_case_is_issued_once(intake_clerk, routed_case) -> None:
    """Issue 11 §3 "One notice, once": asking again for the 受理告知书 of an unchanged case returns
    the notice already issued (no second number, no second event); once the case has changed
    (a new version) a new notice says what is true now; a correction stands in for the first."""
    first = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    again = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    assert again.pk == first.pk and again.existing and not first.existing
    assert CaseEvent.objects.filter(case=routed_case, kind=EventKind.DOCUMENT).count() == 1
    corrected = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk, replaces=first)
    assert document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk).pk == corrected.pk
    Case.objects.filter(pk=routed_case.pk).update(version=routed_case.version + 1)
    new = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    assert new.pk not in (first.pk, corrected.pk) and new.number != first.number


def test_issuing_stores_both_files_with_digests_and_records_the_event(intake_clerk, routed_case) -> None:
    doc = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    assert doc.docx.name.startswith(f"documents/150525/{doc.year}/") and doc.docx.name.endswith(".docx")
    assert doc.pdf.name.startswith(f"documents/150525/{doc.year}/") and doc.pdf.name.endswith(".pdf")
    with default_storage.open(doc.pdf.name, "rb") as fh:
        pdf = fh.read()
    with default_storage.open(doc.docx.name, "rb") as fh:
        docx = fh.read()
    assert pdf.startswith(b"%PDF-") and docx.startswith(b"PK")
    assert (doc.pdf_sm3, doc.docx_sm3) == (sm3_hex(pdf), sm3_hex(docx))
    assert (doc.pdf_size, doc.docx_size, doc.pages) == (len(pdf), len(docx), 1)
    assert doc.department == routed_case.receiving_department and doc.issued_by == intake_clerk
    event = CaseEvent.objects.get(case=routed_case, kind=EventKind.DOCUMENT)
    assert doc.number in event.summary and "受理告知书" in event.summary
    assert event.data["document"] == doc.pk and event.data["pdf_sm3"] == doc.pdf_sm3
    assert event.actor == intake_clerk


def test_a_correction_is_a_new_version_and_the_old_one_never_changes(intake_clerk, routed_case) -> None:
    v1 = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    before = IssuedDocument.objects.values().get(pk=v1.pk)
    v2 = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk, replaces=v1)
    assert (v2.number, v2.version, v2.replaces_id) == (v1.number, 2, v1.pk)
    assert v2.pdf.name != v1.pdf.name
    assert IssuedDocument.objects.values().get(pk=v1.pk) == before  # untouched
    with default_storage.open(v1.pdf.name, "rb") as fh:
        assert sm3_hex(fh.read()) == v1.pdf_sm3
    listed = {d.pk: d.superseded for d in selectors.documents_of(case=routed_case)}  # type: ignore[attr-defined]
    assert listed == {v1.pk: True, v2.pk: False}
    assert [d.pk for d in selectors.documents_current(case=routed_case)] == [v2.pk]
    # Only the newest version may be corrected; a correction keeps the type.
    with pytest.raises(ValidationError) as stale:
        document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk, replaces=v1)
    assert "replaces" in stale.value.message_dict
    with pytest.raises(ValidationError):
        document_issue(doc_type=registry.DOSSIER_COVER, case=routed_case, actor=intake_clerk, replaces=v2)
    # Issued rows are append-only.
    v1.title = "改"
    with pytest.raises(AppendOnlyError):
        v1.save()
    with pytest.raises(AppendOnlyError):
        v2.delete()
    event = CaseEvent.objects.filter(case=routed_case, kind=EventKind.DOCUMENT).order_by("-id").first()
    assert event is not None and "第2版" in event.summary and event.data["replaces"] == v1.pk


def test_the_registration_form_prints_personal_data_and_is_recorded_like_a_reveal(
    intake_clerk, routed_case, group_leader
) -> None:
    doc = document_issue(doc_type=registry.INTAKE_FORM, case=routed_case, actor=intake_clerk)
    assert doc.personal_data
    reveals = RevealRecord.objects.filter(case=routed_case, staff=intake_clerk)
    assert {r.field for r in reveals} == {"id_number", "phone", "address"}
    assert all(r.reason == "出具社会保险费征缴争议受理登记表" for r in reveals)
    # Each download is recorded too; the leader (who reads cases masked) may not download it.
    found = document_download(document=doc, case=routed_case, actor=intake_clerk, fmt="pdf")
    assert found.content_type == "application/pdf"
    assert RevealRecord.objects.filter(case=routed_case, reason__startswith="下载").count() == 3
    with pytest.raises(PermissionDenied):
        document_download(document=doc, case=routed_case, actor=group_leader, fmt="pdf")


def test_forms_apply_to_the_case_state_and_issuing_needs_the_receiving_department(
    intake_clerk, routed_case, informed_case, group_leader, department_head
) -> None:
    with pytest.raises(ValidationError) as caught:
        document_issue(doc_type=registry.INFORM_NOTICE, case=routed_case, actor=intake_clerk)
    assert "doc_type" in caught.value.message_dict
    with pytest.raises(ValidationError):
        document_issue(doc_type=registry.RECEIPT_NOTICE, case=informed_case, actor=intake_clerk)
    with pytest.raises(ValidationError):
        document_issue(doc_type="no_such_form", case=routed_case, actor=intake_clerk)
    with pytest.raises(PermissionDenied):
        document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=group_leader)
    assert document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=department_head).version == 1
    assert IssuedDocument.objects.count() == 1


def test_the_dossier_contents_list_the_current_documents_and_attachments(intake_clerk, naiman) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.cases.services import attachment_add

    case = intake(intake_clerk)
    attachment_add(
        case=case,
        actor=intake_clerk,
        upload=SimpleUploadedFile("缴费凭证.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf"),
        kind="evidence",
    )
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=intake_clerk)
    corrected = document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=intake_clerk, replaces=notice)
    from fengqiao.documents.render import document_render

    text = document_render(doc_type=registry.DOSSIER_CONTENTS, subject=case).text
    rows = [line for line in text.splitlines() if line[:1].isdigit()]
    assert len(rows) == 2, text
    assert "缴费凭证.pdf" in rows[0] and corrected.number in rows[1] and "第2版" in rows[1]
    # 四(七): the contents and cover are issued only by the sealing (fengqiao.archive), numbered there.
    with pytest.raises(ValidationError):
        document_issue(doc_type=registry.DOSSIER_CONTENTS, case=case, actor=intake_clerk)
