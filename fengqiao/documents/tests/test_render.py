"""The rendering service against GB/T 9704-2012: every form opens in python-docx and pypdf, a
PDF page is not blank, every character is drawn by an embedded font, the page geometry and
the font names are the standard's, and a missing font is a clear error."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm

from fengqiao.cases.models import Case
from fengqiao.documents import fonts, layout, markup, registry
from fengqiao.documents.checks import pdf_rendering_check
from fengqiao.documents.registry import Issue
from fengqiao.documents.render import RenderedDocument, document_render, html_render
from fengqiao.documents.tests import pdfcheck

pytestmark = pytest.mark.django_db

# Every element and class of the vocabulary, and a body long enough for a second page.
BODY = "社会保险费征缴争议联合处置机制一站受理联合处置精细分流就地解决" * 3
SPECIMEN = f"""
<h1>关于印发社会保险费征缴争议联合处置机制的通知</h1>
<p class="docnumber">奈争受告〔2026〕12号</p>
<p class="addressee">各有关部门单位：</p>
<p>{BODY}</p>
<h2>一、指导思想</h2>
<h3>（一）政府主导、部门协作</h3>
<h4>1.一般事项流程设定</h4>
<p>正文含<b>加粗</b>和签字处<u>　　　　</u>，以及换行<br>第二行。</p>
<table data-widths="20,30,20,30">
  <tr><th>案件编号</th><td>150525-2026-000001</td><th>受理渠道</th><td>窗口来访</td></tr>
  <tr><th>反映主要事项</th><td colspan="3" class="tall"><p>对缴费金额有异议</p></td></tr>
</table>
<p>{BODY * 14}</p>
<div class="signature"><p>国家税务总局奈曼旗税务局</p><p class="date">2026年11月26日</p></div>
<div class="note"><p>（此件公开发布）</p></div>
"""

A4 = (210.0, 297.0)


@pytest.fixture(scope="module")
def specimen() -> RenderedDocument:
    fonts.fonts_cache_clear()
    return html_render(SPECIMEN, title="样张")


def _forms(routed_case: Case, informed_case: Case) -> list[tuple[str, Case]]:
    return [
        (t.code, informed_case if t.code == registry.INFORM_NOTICE else routed_case)
        for t in registry.for_subject(registry.SubjectKind.CASE)
    ]


def test_every_form_opens_in_python_docx_and_pypdf(routed_case, informed_case) -> None:
    for code, case in _forms(routed_case, informed_case):
        rendered = document_render(doc_type=code, subject=case, issue=Issue(number="奈争受告〔2026〕12号"))
        docx = Document(io.BytesIO(rendered.docx))
        assert docx.paragraphs or docx.tables, code
        assert pdfcheck.page_count(rendered.pdf) == rendered.pages >= 1
        extracted = "".join(pdfcheck.text_of(rendered.pdf).split())
        # The PDF's text is the document's text plus the page numbers ("— 1 —").
        expected = Counter("".join(rendered.text.split())) + Counter(
            "".join(f"—{n}—" for n in range(1, rendered.pages + 1))
        )
        assert Counter(extracted) == expected, code
        cells = "".join(c.text for t in docx.tables for row in t.rows for c in row.cells)
        docx_text = "".join(("".join(p.text for p in docx.paragraphs) + cells).split())
        assert set("".join(rendered.text.split())) <= set(docx_text), code


def test_notice_text_reads_in_order(routed_case) -> None:
    rendered = document_render(
        doc_type=registry.RECEIPT_NOTICE, subject=routed_case, issue=Issue(number="奈争受告〔2026〕3号")
    )
    extracted = "".join(pdfcheck.text_of(rendered.pdf).split())
    assert extracted.startswith("".join(rendered.text.split()))
    assert "社会保险费征缴争议受理告知书" in rendered.text and "奈争受告〔2026〕3号" in rendered.text
    assert routed_case.number in rendered.text
    assert "国家税务总局奈曼旗税务局牵头" in rendered.text and "奈曼旗医疗保障局" in rendered.text
    assert routed_case.due_on is not None
    assert f"{routed_case.due_on.year}年{routed_case.due_on.month}月{routed_case.due_on.day}日前办结" in rendered.text


def test_the_receipt_notice_promises_only_what_exists(routed_case) -> None:
    """受理告知书 "可凭案件编号查询办理进度" (issue 14; issue 11 §5 before it): the payer is sent to
    what exists — the case handler's phone or the window, and now the payer's own pages
    (线上枫桥) with the case's query code printed on the notice."""
    from fengqiao.portal.services import query_code_of

    text = "".join(document_render(doc_type=registry.RECEIPT_NOTICE, subject=routed_case).text.split())
    assert "如需了解办理进度，请凭案件编号" in text
    assert "致电承办人" in text or "到上述地点" in text or "向本机关询问" in text
    assert f"或凭查询码{query_code_of(routed_case)}在本机关网站“线上枫桥”查询" in text


def test_inform_notice_names_the_department_the_place_and_the_legal_basis(informed_case) -> None:
    text = document_render(doc_type=registry.INFORM_NOTICE, subject=informed_case).text
    assert "请你前往奈曼旗人力资源和社会保障局办理" in text
    assert "奈曼旗政务服务中心" in text  # the studio 人社局 sits in
    assert "《中华人民共和国社会保险法》第八十二条" in text
    assert "请携带身份证原件。" in text


def test_a_pdf_page_is_not_blank_and_every_character_has_an_embedded_glyph(specimen, routed_case) -> None:
    notice = document_render(doc_type=registry.RECEIPT_NOTICE, subject=routed_case)
    for rendered in (specimen, notice):
        assert pdfcheck.page_ink(rendered.pdf) > 0.005  # ink on the page, not a blank sheet
        embedded = pdfcheck.embedded_fonts(rendered.pdf)
        assert embedded, "no font embedded"
        drawable = set().union(*(f.drawable for f in embedded))
        numbers = "".join(f"—{n}—" for n in range(1, rendered.pages + 1))
        needed = set("".join(rendered.text.split()) + numbers)
        assert needed - drawable == set(), f"characters without an embedded glyph: {sorted(needed - drawable)}"


def test_pdf_fonts_are_the_installed_stand_ins(specimen) -> None:
    names = {f.name.split("+", 1)[-1] for f in pdfcheck.embedded_fonts(specimen.pdf)}
    chosen = fonts.resolve_all()
    # e.g. Noto-Serif-CJK-SC-Bold (title), Noto-Serif-CJK-SC (body), Noto-Sans-CJK-SC (黑体)
    assert any(chosen["body"].family.replace(" ", "-") in n for n in names), names
    assert any(chosen["heading1"].family.replace(" ", "-") in n for n in names), names


def test_pdf_page_geometry_is_gbt_9704(specimen) -> None:
    """Measured on the printed page: 37 mm top to the first line's characters, 28 mm left, 28
    characters a line, 22 lines a page, and page numbers right on odd and left on even pages."""
    assert specimen.pages >= 2
    page1 = pdfcheck.lines(specimen.pdf, 0)
    body = [line for line in page1 if line.text and line.text[0] in BODY]
    first_body = next(line for line in page1 if line.text.startswith("各有关部门单位"))
    assert abs(first_body.left_mm - layout.LEFT_MM) < 1.0
    # The title is the first line; its 22 pt characters sit a little lower than 37 mm in their line.
    assert abs(page1[0].top_mm - layout.TOP_MM) < 1.0, page1[0]
    full = [line for line in body if len(line.text) == layout.CHARS_PER_LINE]
    assert full, [(len(line.text), line.text) for line in body]
    for line in full:
        assert abs(line.left_mm - layout.LEFT_MM) < 1.0
        assert line.right_mm <= layout.LEFT_MM + layout.BLOCK_WIDTH_MM + 0.5
    page2 = pdfcheck.lines(specimen.pdf, 1)
    text_lines = [line for line in page2 if line.top_mm < layout.TOP_MM + layout.BLOCK_HEIGHT_MM + 1]
    assert len(text_lines) == layout.LINES_PER_PAGE, [line.text for line in text_lines]
    assert abs(text_lines[0].top_mm - layout.TOP_MM) < 1.0
    assert text_lines[-1].top_mm < layout.TOP_MM + layout.BLOCK_HEIGHT_MM
    # Page numbers: 7 mm below the text block (262 mm), odd right and even left, one 14 pt
    # character from the edge of the text block.
    number1 = next(line for line in page1 if line.text == "—1—")
    number2 = next(line for line in page2 if line.text == "—2—")
    for number in (number1, number2):
        assert layout.TOP_MM + layout.BLOCK_HEIGHT_MM + 5 < number.top_mm < layout.TOP_MM + layout.BLOCK_HEIGHT_MM + 12
    assert abs(number1.right_mm - (layout.PAGE_WIDTH_MM - layout.RIGHT_MM - 14 / pdfcheck.MM)) < 1.5
    assert abs(number2.left_mm - (layout.LEFT_MM + 14 / pdfcheck.MM)) < 1.5


def test_docx_page_geometry_and_fonts_are_gbt_9704(specimen) -> None:
    doc = Document(io.BytesIO(specimen.docx))
    section = doc.sections[0]

    def mm(value: int | None) -> float:
        assert value is not None
        return value / Mm(1)

    assert (round(mm(section.page_width), 1), round(mm(section.page_height), 1)) == A4
    assert abs(mm(section.top_margin) - 37) < 0.5
    assert abs(mm(section.left_margin) - 28) < 0.5
    assert abs(mm(section.right_margin) - 26) < 0.5
    assert abs(mm(section.bottom_margin) - 35) < 0.5
    # 156 × 225 mm text block
    assert abs(mm(section.page_width) - mm(section.left_margin) - mm(section.right_margin) - 156) < 0.5
    assert abs(mm(section.page_height) - mm(section.top_margin) - mm(section.bottom_margin) - 225) < 0.5
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm
    assert int(grid.get(qn("w:charSpace"))) < 0  # 28 characters of 16 pt in 156 mm

    def fonts_of(paragraph) -> tuple[str, str, float]:
        run = next(r for r in paragraph.runs if r.text.strip())
        rfonts = run._r.rPr.find(qn("w:rFonts"))
        return rfonts.get(qn("w:eastAsia")), rfonts.get(qn("w:ascii")), run.font.size.pt

    paragraphs = {p.text: p for p in doc.paragraphs if p.text.strip()}
    title = paragraphs["关于印发社会保险费征缴争议联合处置机制的通知"]
    assert fonts_of(title) == ("方正小标宋简体", "方正小标宋简体", 22.0)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert fonts_of(paragraphs[BODY]) == ("仿宋_GB2312", "仿宋_GB2312", 16.0)
    assert paragraphs[BODY].paragraph_format.first_line_indent is not None
    assert fonts_of(paragraphs["一、指导思想"])[:2] == ("黑体", "黑体")
    assert fonts_of(paragraphs["（一）政府主导、部门协作"])[:2] == ("楷体_GB2312", "楷体_GB2312")
    assert fonts_of(paragraphs["1.一般事项流程设定"])[:2] == ("仿宋_GB2312", "仿宋_GB2312")
    assert paragraphs[BODY].paragraph_format.line_spacing.pt == pytest.approx(28.95)
    date = paragraphs["2026年11月26日"]
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent.pt == pytest.approx(4 * layout.grid().char_pt, abs=0.1)  # 右空四字
    # Page numbers: odd footer right, even footer left, "— PAGE —" in 4号宋体.
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for footer in (odd, even):
        assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert fonts_of(footer) == ("宋体", "宋体", 14.0)


def test_a_missing_font_is_a_clear_error(settings, routed_case) -> None:
    settings.FENGQIAO_DOCUMENT_FONTS = {"body": ["仿宋_GB2312", "No Such Font"]}
    fonts.fonts_cache_clear()
    with pytest.raises(fonts.FontMissing) as caught:
        document_render(doc_type=registry.RECEIPT_NOTICE, subject=routed_case)
    message = str(caught.value)
    assert "No Such Font" in message and "仿宋" in message and "fonts-noto-cjk" in message
    warnings = pdf_rendering_check()
    assert [w.id for w in warnings] == ["documents.W002"]


def test_a_character_no_installed_font_can_draw_is_a_clear_error() -> None:
    chosen = fonts.resolve_all()
    fonts.check_coverage([("body", "张三")], chosen)  # drawable: no error
    with pytest.raises(fonts.FontMissing, match=r"U\+10FFFD"):
        fonts.check_coverage([("body", "张\U0010fffd")], chosen)


def test_rendering_needs_are_met_on_this_machine() -> None:
    assert pdf_rendering_check() == []


@pytest.mark.parametrize("markup_text", ["<img src='x'>", "<p class='red'>x</p>", "<p style='color:red'>x</p>"])
def test_templates_outside_the_vocabulary_are_refused(markup_text: str) -> None:
    with pytest.raises(markup.TemplateMarkupError):
        markup.parse(markup_text, template="test")


def test_template_whitespace_is_not_text() -> None:
    parsed = markup.parse("<p>\n  第一行\n  第二行 ABC def\n</p><p>年　月　日</p>")
    assert parsed.text == "第一行第二行ABC def\n年　月　日"
