"""送达回证 (四(四) 结果反馈): every delivery of the 处理意见书 issues its receipt through the
document engine — numbered, DOCX and PDF, on the timeline, in the sealed dossier."""

from __future__ import annotations

import io

import pytest
from docx import Document

from fengqiao.archive.services import dossier_seal
from fengqiao.cases.models import EventKind, RevealRecord
from fengqiao.documents import fonts, registry
from fengqiao.documents.models import DocumentNumbering, IssuedDocument
from fengqiao.documents.permissions import may_download
from fengqiao.documents.services import document_issue
from fengqiao.documents.tests import pdfcheck
from fengqiao.followup import services
from fengqiao.followup.models import Delivery, DeliveryMethod, Recipient, Satisfaction, Visit, VisitMethod
from fengqiao.followup.tests.helpers import ADDRESS, file_storage  # noqa: F401
from fengqiao.followup.tests.helpers import decided_with_other_party as _decided_with_other_party
from fengqiao.handling.models import Decision

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "".join(pdfcheck.text_of(data).split())


def _docx_text(data: bytes) -> str:
    docx = Document(io.BytesIO(data))
    cells = "".join(c.text for t in docx.tables for row in t.rows for c in row.cells)
    return "".join(("".join(p.text for p in docx.paragraphs) + cells).split())


def test_each_delivery_issues_its_receipt(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    notice = Decision.objects.get(case=case).document
    assert notice is not None and notice.number
    assert not registry.get(registry.DELIVERY_RECEIPT).applies(case)  # no delivery yet

    frozen_time("2026-03-03 10:00")
    to_payer = services.feedback_record(
        case=case,
        actor=intake_clerk,
        recipient=Recipient.PAYER,
        method=DeliveryMethod.IN_PERSON,
        address=ADDRESS,
    )
    to_employer = services.feedback_record(
        case=case,
        actor=intake_clerk,
        recipient=Recipient.OTHER_PARTY,
        method=DeliveryMethod.POST,
        recipient_name="奈曼旗宏达商贸有限公司",
        address="大沁他拉镇工业园区3号",
        receipt_reference="1186543210987",
    )
    first, second = to_payer.receipt_document, to_employer.receipt_document
    assert first is not None and second is not None
    assert (first.number, second.number) == ("奈争送〔2026〕1号", "奈争送〔2026〕2号")
    assert (first.seq, second.seq) == (1, 2)
    assert first.doc_type == second.doc_type == registry.DELIVERY_RECEIPT
    assert first.title == "送达回证" and first.personal_data
    # The outside number stays what it is; the receipt has its own 文号.
    assert to_payer.receipt_reference == ""
    assert to_employer.receipt_reference == "1186543210987"
    assert not registry.get(registry.DELIVERY_RECEIPT).applies(case)  # each delivery has its receipt

    # The DOCX opens and names the 处理意见书 with its number; the PDF says the same.
    with first.docx.open("rb") as handle:
        docx_text = _docx_text(handle.read())
    assert "送达回证" in docx_text and notice.number in docx_text
    assert "社会保险费征缴争议处理意见书" in docx_text and "张三" in docx_text and ADDRESS in docx_text
    assert "直接送达" in docx_text and "受送达人签名或盖章" in docx_text and "代收人及代收理由" in docx_text
    with first.pdf.open("rb") as handle:
        pdf_text = _text(handle.read())
    assert "送达回证" in pdf_text and notice.number in pdf_text and first.number in pdf_text
    assert "2026年3月3日10时00分" in pdf_text and intake_clerk.name in pdf_text
    with second.pdf.open("rb") as handle:
        pdf_text = _text(handle.read())
    assert "奈曼旗宏达商贸有限公司" in pdf_text and "邮寄送达" in pdf_text and "邮件单号：1186543210987" in pdf_text

    # The timeline: a document event per receipt, and the feedback names its receipt.
    documents = case.events.filter(kind=EventKind.DOCUMENT, data__doc_type=registry.DELIVERY_RECEIPT)
    assert [e.data["number"] for e in documents.order_by("at", "id")] == [first.number, second.number]
    feedback = case.events.filter(kind=EventKind.FEEDBACK).order_by("at", "id")
    assert [e.data["receipt"] for e in feedback] == [first.pk, second.pk]
    assert first.number in feedback[0].summary


def test_electronic_delivery_notes_where_it_was_sent(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    delivery = services.feedback_record(
        case=case,
        actor=intake_clerk,
        recipient=Recipient.PAYER,
        method=DeliveryMethod.SMS,
        address="13812345678",
        notes="缴费人回复已收到",
    )
    assert delivery.receipt_document is not None
    with delivery.receipt_document.pdf.open("rb") as handle:
        text = _text(handle.read())
    assert "电子送达，发送至13812345678。" in text and "缴费人回复已收到" in text and "短信" in text


def test_the_receipt_prints_personal_data(
    naiman, intake_clerk, tax_handler, department_head, group_leader, frozen_time
) -> None:
    """五(三): the address is printed in full, so the receipt is issued and downloaded only by
    staff who may reveal personal data, and issuing it is recorded like a reveal."""
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    delivery = services.feedback_record(
        case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST, address=ADDRESS
    )
    receipt = delivery.receipt_document
    assert receipt is not None
    assert RevealRecord.objects.filter(case=case, staff=intake_clerk, reason="出具送达回证").exists()
    assert may_download(intake_clerk, case, receipt)
    assert not may_download(group_leader, case, receipt)  # the leader reads cases masked


def test_a_correction_is_about_the_same_delivery(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    to_payer = services.feedback_record(
        case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON, address=ADDRESS
    )
    services.feedback_record(
        case=case, actor=intake_clerk, recipient=Recipient.OTHER_PARTY, method=DeliveryMethod.IN_PERSON
    )
    first = to_payer.receipt_document
    assert first is not None
    corrected = document_issue(doc_type=registry.DELIVERY_RECEIPT, case=case, actor=intake_clerk, replaces=first)
    assert (corrected.number, corrected.version) == (first.number, 2)
    with corrected.pdf.open("rb") as handle:
        text = _text(handle.read())
    assert "张三（缴费人）" in text and ADDRESS in text and "（第2版）" in text


def test_a_missing_font_records_nothing(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    """A name no installed font can draw: the receipt cannot be made, so the delivery is not
    recorded either and no number is used up (the pages answer with the font to install)."""
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    with pytest.raises(fonts.FontMissing):
        services.feedback_record(
            case=case,
            actor=intake_clerk,
            recipient=Recipient.PAYER,
            method=DeliveryMethod.IN_PERSON,
            recipient_name="张\U0010fffd",
        )
    assert not Delivery.objects.filter(case=case).exists()
    assert not IssuedDocument.objects.filter(case=case, doc_type=registry.DELIVERY_RECEIPT).exists()
    assert not DocumentNumbering.objects.filter(doc_type=registry.DELIVERY_RECEIPT, last__gt=0).exists()
    case.refresh_from_db()
    assert case.state == "decided"


def test_the_sealed_dossier_holds_the_receipt(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    case = _decided_with_other_party(intake_clerk, tax_handler, department_head)
    delivery = services.feedback_record(
        case=case, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON, address=ADDRESS
    )
    services.feedback_record(  # 四(四): both parties are told before the case is archived
        case=case, actor=intake_clerk, recipient=Recipient.OTHER_PARTY, method=DeliveryMethod.POST, address=ADDRESS
    )
    frozen_time("2026-03-04 09:00")
    for visit in Visit.objects.filter(case=case):  # 四(五): both parties are visited
        services.visit_record(
            visit=visit,
            actor=intake_clerk,
            method=VisitMethod.PHONE,
            satisfaction=Satisfaction.SATISFIED,
            objects_to_decision=False,
        )
    dossier = dossier_seal(case=case, actor=intake_clerk)
    receipt = delivery.receipt_document
    assert receipt is not None
    items = list(dossier.items.filter(number=receipt.number).order_by("seq"))
    assert [i.title for i in items] == ["送达回证（PDF）", "送达回证（DOCX）"]
    assert items[0].sm3 == receipt.pdf_sm3
    contents = IssuedDocument.objects.get(case=case, doc_type=registry.DOSSIER_CONTENTS)
    with contents.pdf.open("rb") as handle:
        assert "送达回证" in _text(handle.read())
