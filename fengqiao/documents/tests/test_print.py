"""Documents as a county office prints them (issue 11 §6): what each form shows, read back from
the PDF (pypdf, pypdfium2) and the DOCX (python-docx) the way a reader's software does.

- 受理登记表 (四(一)): the 18-character ID number and credit code stay inside their cells, on
  one line; the payer's kind is not repeated as its group ("用人单位（用人单位）").
- A table row never splits across two pages (PDF ``break-inside: avoid``, DOCX ``w:cantSplit``),
  in the shared layer, so every form has it.
- 告知书 (四(一); 社会保险法第八十二条): names the competent department with its address and phone;
  the Naiman set-up fills both for every member unit and never overwrites an entered address.
- 案卷 (四(七); DA/T 22-2015): the cover's 起止日期 run from receipt to archiving and its
  保管期限 is in words from the configured retention; the 卷内目录 lists each document once with
  its pages, date and 责任者; the written opinions (四(三)) print who signed and when, "X（代签）"
  under a 代签授权.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from fengqiao.archive.models import DossierItem, ItemKind, Retention, RetentionRule
from fengqiao.archive.services import dossier_seal
from fengqiao.cases.models import Case, PayerGroup, PayerKind
from fengqiao.cases.services import PayerData, attachment_add, case_register
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import DEFAULT_ID, intake, intake_data
from fengqiao.documents import layout, registry
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.registry import Issue
from fengqiao.documents.render import document_render, html_render
from fengqiao.documents.services import document_issue
from fengqiao.documents.tests import pdfcheck
from fengqiao.followup import services as followup
from fengqiao.followup.models import DeliveryMethod, Recipient, Satisfaction, Visit, VisitMethod
from fengqiao.handling import delegation
from fengqiao.handling import services as handling
from fengqiao.handling.tests.handling_helpers import complete, decision_draft, general_case, head, task_of, worker
from fengqiao.org import naiman as naiman_setup
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.org.services import naiman_setup_load, staff_create

pytestmark = pytest.mark.django_db

CREDIT_CODE = "91150525MA0N8B2X3K"
TEXT_RIGHT_MM = layout.LEFT_MM + layout.BLOCK_WIDTH_MM  # 184 mm: the text block's right edge


def _squashed(text: str) -> str:
    return "".join(text.split())


def _docx(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def _docx_cells(data: bytes) -> list[str]:
    return [c.text for t in _docx(data).tables for row in t.rows for c in row.cells]


def _pdf_lines(data: bytes) -> list[pdfcheck.Line]:
    return [line for page in range(pdfcheck.page_count(data)) for line in pdfcheck.lines(data, page)]


def _employer_case(clerk: Staff) -> Case:
    employer = PayerData(
        kind=PayerKind.EMPLOYER,
        name="奈曼旗宏达商贸有限公司",
        payer_group=PayerGroup.EMPLOYER,
        credit_code=CREDIT_CODE,
        phone="13812345678",
        address="大沁他拉镇工业园区3号",
        contact_name="李经理",
    )
    return intake(clerk, other_party=employer)


# --- 受理登记表 -------------------------------------------------------------------------------


def test_intake_form_keeps_the_id_number_and_credit_code_inside_their_cells(intake_clerk) -> None:
    """四(一) 准确完整登记缴费人基本情况: an 18-character number printed over the cell's border
    (or cut by it) is not a record anyone can read back. Both numbers of a worker's dispute
    with an employer print whole, on one line, inside the text block; the DOCX cell holds them
    whole."""
    case = _employer_case(intake_clerk)
    rendered = document_render(doc_type=registry.INTAKE_FORM, subject=case, issue=Issue(number="奈争登〔2026〕1号"))
    lines = _pdf_lines(rendered.pdf)
    for number in (DEFAULT_ID, CREDIT_CODE):
        holding = [line for line in lines if number in line.text]
        assert len(holding) == 1, (number, [line.text for line in lines])
        assert holding[0].right_mm <= TEXT_RIGHT_MM, (number, holding[0].right_mm)
    cells = _docx_cells(rendered.docx)
    assert DEFAULT_ID in cells and CREDIT_CODE in cells


def test_intake_form_does_not_repeat_the_kind_as_the_group(intake_clerk, naiman: Jurisdiction) -> None:
    """An employer's 争议群体 is 用人单位 too: the form says "用人单位" once, a person's group is
    still given ("个人（灵活就业人员）")."""
    employer = PayerData(
        kind=PayerKind.EMPLOYER,
        name="奈曼旗宏达商贸有限公司",
        payer_group=PayerGroup.EMPLOYER,
        credit_code=CREDIT_CODE,
        contact_name="李经理",
    )
    person_case = intake(intake_clerk)
    data = intake_data(intake_clerk)
    employer_case = case_register(actor=intake_clerk, data=replace(data, payer=employer))
    employer_text = document_render(doc_type=registry.INTAKE_FORM, subject=employer_case).text
    assert "用人单位（用人单位）" not in _squashed(employer_text)
    assert "缴费人类型\t用人单位\n" in employer_text
    person_text = _squashed(document_render(doc_type=registry.INTAKE_FORM, subject=person_case).text)
    assert "个人（灵活就业人员）" in person_text


# --- the shared layer: rows never split ---------------------------------------------------------

FILLER = "社会保险费征缴争议联合处置机制一站受理联合处置精细分流就地解决" * 13  # 15 lines: a row straddles the page end
ROW = "第{n}行开始" + "争议事项说明" * 12 + "第{n}行结束"


def test_a_table_row_never_splits_across_pages() -> None:
    """A row of a form (a label and its value) is never cut by a page break: in the PDF the
    row moves to the next page whole; every DOCX row carries w:cantSplit."""
    rows = "".join(f"<tr><th>第{n}项</th><td>{ROW.format(n=n)}</td></tr>" for n in range(1, 7))
    html = f'<h1>样张</h1><p>{FILLER}</p><table data-widths="20,80">{rows}</table>'
    rendered = html_render(html, title="样张")
    assert rendered.pages >= 2
    for n in range(1, 7):
        pages = {
            page
            for page in range(rendered.pages)
            for line in pdfcheck.lines(rendered.pdf, page)
            if f"第{n}行开始" in line.text or f"第{n}行结束" in line.text or f"第{n}项" in line.text
        }
        assert len(pages) == 1, (n, pages)
    document = _docx(rendered.docx)
    for table in document.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None


def test_every_form_keeps_its_rows_whole_in_the_docx(intake_clerk) -> None:
    """The rule is the shared writer's, so every form with a table has it (登记表 here)."""
    case = _employer_case(intake_clerk)
    docx = _docx(document_render(doc_type=registry.INTAKE_FORM, subject=case).docx)
    trs = [row._tr for table in docx.tables for row in table.rows]
    assert trs and all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)


# --- 告知书 ------------------------------------------------------------------------------------


def test_every_member_unit_has_an_address_and_phone_for_the_notice(naiman: Jurisdiction) -> None:
    """四(一) 告知缴费人前往相关职能部门办理: the notice can only say where and how to reach the
    department if the set-up has it, for every member unit (三(一))."""
    members = Department.objects.filter(jurisdiction=naiman, is_member_unit=True)
    assert members.count() == len(naiman_setup.DEPARTMENT_CONTACTS)
    for department in members:
        assert department.address and department.phone, department.code


def test_loading_the_set_up_again_keeps_an_entered_address(naiman: Jurisdiction) -> None:
    Department.objects.filter(jurisdiction=naiman, code="justice").update(
        address="大沁他拉镇某路1号", phone="0475-0000000"
    )
    naiman_setup_load()
    justice = Department.objects.get(jurisdiction=naiman, code="justice")
    assert (justice.address, justice.phone) == ("大沁他拉镇某路1号", "0475-0000000")


@pytest.mark.parametrize("code", ["justice", "hrss"])
def test_inform_notice_sends_the_payer_to_the_competent_department(intake_clerk, naiman, code) -> None:
    """社会保险法第八十二条 书面通知 … 有权处理的部门: the notice names the department the clerk
    chose, where it is and its phone, never the receiving department's."""
    target = Department.objects.get(jurisdiction=naiman, code=code)
    case = intake(intake_clerk, outcome=IntakeOutcome.INFORM, informed_department=target)
    doc = document_issue(doc_type=registry.INFORM_NOTICE, case=case, actor=intake_clerk)
    with doc.pdf.open("rb") as handle:
        text = _squashed(pdfcheck.text_of(handle.read()))
    assert f"请你前往{target.name}办理。地点：{target.address}。联系电话：{target.phone}。" in text


# --- the sealed dossier: cover, contents, written opinions -------------------------------------


def _sealed(naiman: Jurisdiction, clerk: Staff, frozen_time) -> tuple[Case, Staff]:
    """A general matter received 2026-03-02: 税务局 and 人社局 sign their opinions, 司法局's is
    signed by a deputy under the head's 代签授权; decided, delivered, visited, an evidence PDF
    attached, archived 2026-03-20."""
    frozen_time("2026-03-02 09:00")
    case = general_case(clerk, naiman, co=("hrss", "justice"))
    complete(task_of(case, "tax"), worker(naiman, "tax"), head(naiman, "tax"))
    complete(task_of(case, "hrss"), worker(naiman, "hrss"), head(naiman, "hrss"))
    task = task_of(case, "justice")
    writer, chief = worker(naiman, "justice"), head(naiman, "justice")
    # A deputy never signs an opinion they wrote: a second handler of the 司法局 signs it.
    deputy = staff_create(
        username="h_justice_deputy",
        name="司法局副职",
        password=None,
        department=writer.department,
        roles=(Role.HANDLER,),
    )
    handling.task_sign(task=task, actor=writer)
    handling.opinion_save(
        task=task, actor=writer, facts="适用法律正确。", text="同意税务局意见。", basis="《中华人民共和国社会保险法》"
    )
    handling.opinion_submit(task=task, actor=writer)
    delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6), reason="负责人外出学习"
    )
    handling.opinion_sign(task=task, actor=deputy)
    handling.decision_issue(decision=decision_draft(case, clerk), actor=clerk)
    case.refresh_from_db()
    followup.feedback_record(
        case=case, actor=clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON, address="团结路8号"
    )
    frozen_time("2026-03-06 09:00")
    for visit in Visit.objects.filter(case=case):
        followup.visit_record(
            visit=visit,
            actor=clerk,
            method=VisitMethod.PHONE,
            satisfaction=Satisfaction.SATISFIED,
            objects_to_decision=False,
        )
    evidence = html_render("<p>证据</p><p>" + FILLER * 3 + "</p>", title="证据")
    assert evidence.pages == 3
    upload = SimpleUploadedFile("证据.pdf", evidence.pdf, content_type="application/pdf")
    attachment_add(case=case, actor=clerk, upload=upload, kind="evidence")
    # The county's retention table keeps general matters 30 years (archive.RetentionRule).
    RetentionRule.objects.create(jurisdiction=naiman, classification="general", retention=Retention.YEARS_30)
    frozen_time("2026-03-20 09:00")
    case.refresh_from_db()
    dossier_seal(case=case, actor=clerk)
    return Case.objects.get(pk=case.pk), deputy


def _file(doc: IssuedDocument, fmt: str) -> bytes:
    with getattr(doc, fmt).open("rb") as handle:
        data: bytes = handle.read()
    return data


def test_a_sealed_dossier_prints_as_an_archive_keeps_it(naiman, intake_clerk, frozen_time) -> None:
    case, deputy = _sealed(naiman, intake_clerk, frozen_time)

    # 案卷封面: 起止日期 received → archived, not （未办结）; 保管期限 in words, as configured.
    cover = IssuedDocument.objects.get(case=case, doc_type=registry.DOSSIER_COVER)
    for text in (
        _squashed(pdfcheck.text_of(_file(cover, "pdf"))),
        _squashed("".join(_docx_cells(_file(cover, "docx")))),
    ):
        assert "2026年3月2日至2026年3月20日" in text
        assert "未办结" not in text
        assert "保管期限30年" in text and "保管期限D30" not in text

    # 卷内目录: each document once (not once per PDF and DOCX), with its pages, date and 责任者.
    contents = IssuedDocument.objects.get(case=case, doc_type=registry.DOSSIER_CONTENTS)
    table = _docx(_file(contents, "docx")).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows][1:]
    titles = [r[3] for r in rows]
    assert len(titles) == len(set(titles)), titles
    assert not any("（PDF）" in t or "（DOCX）" in t for t in titles)
    notice = IssuedDocument.objects.get(case=case, doc_type=registry.DECISION_NOTICE)
    (notice_row,) = [r for r in rows if r[3] == notice.title]
    assert notice_row[1] == notice.number and notice_row[2] == notice.department.name
    assert notice_row[4] == "20260302"
    assert notice_row[5] == str(notice.pages)
    (evidence_row,) = [r for r in rows if r[3] == "证据.pdf"]
    assert evidence_row[5] == "3" and evidence_row[4] == "20260306"
    assert all(r[5] for r in rows), rows  # every row has its page count
    assert all(r[2] for r in rows if r[3] != "证据.pdf"), rows  # and its 责任者
    # The cover counts the same 件 the contents list.
    assert f"件数{len(rows)}件" in _squashed(pdfcheck.text_of(_file(cover, "pdf")))
    # The same rows in the PDF: the notice is listed once.
    assert _squashed(pdfcheck.text_of(_file(contents, "pdf"))).count(notice.title) == 1

    # 书面意见 (四(三) 部门负责人签发): the signer and the signing date; 代签 under a delegation.
    opinions = list(DossierItem.objects.filter(dossier__case=case, kind=ItemKind.OPINION).order_by("seq"))
    texts = {}
    for item in opinions:
        with item.file.open("rb") as handle:
            texts[item.title] = _squashed(pdfcheck.text_of(handle.read()))
    tax_head = head(naiman, "tax")
    assert f"签发人：{tax_head}" in texts["国家税务总局奈曼旗税务局书面意见"]
    assert "签发日期：2026年3月2日" in texts["国家税务总局奈曼旗税务局书面意见"]
    assert "代签" not in texts["国家税务总局奈曼旗税务局书面意见"]
    assert f"签发人：{deputy}（代签）" in texts["奈曼旗司法局书面意见"]
    assert "签发日期：2026年3月2日" in texts["奈曼旗司法局书面意见"]
