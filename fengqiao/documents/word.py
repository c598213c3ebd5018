"""The DOCX of a document: the same parsed HTML walked into python-docx paragraphs and tables.

The DOCX names the official fonts of GB/T 9704 (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312,
宋体) for both Latin (``w:ascii``/``w:hAnsi``) and Chinese (``w:eastAsia``) text, so it looks
right in Word or WPS wherever those are installed. The section is A4 with the standard's
margins and Word's document grid of 22 lines × 28 characters; page numbers are PAGE fields
in "— 1 —", the odd-page footer on the right and the even-page footer on the left.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml import etree

from fengqiao.documents import layout
from fengqiao.documents.fonts import ROLES
from fengqiao.documents.markup import Parsed, block_role, classes, right_pt, size_of

ALIGN = {
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
TABLE_LINE_PT = 21.0


def official(role: str) -> str:
    return ROLES[role].official


def set_run_font(run: object, *, family: str, size: float, bold: bool | None = None) -> None:
    """Name ``family`` for every script of the run (ascii, hAnsi, eastAsia, cs) and set its size."""
    r = run._r  # type: ignore[attr-defined]
    rpr = r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    if bold is not None:
        run.font.bold = bold  # type: ignore[attr-defined]


def _line_exact(paragraph: Paragraph, pt: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pt)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _indent_chars(paragraph: Paragraph, chars: int) -> None:
    """首行缩进 in characters (``w:firstLineChars``, what Word's "2 字符" writes) and in points."""
    g = layout.grid()
    paragraph.paragraph_format.first_line_indent = Pt(chars * g.char_pt)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), str(chars * 100))


def _cant_split(row: _Row) -> None:
    """A table row is never split across two pages (``w:cantSplit``, Word's "允许跨页断行" off):
    the PDF's ``tr { break-inside: avoid }`` in the DOCX."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        tr_pr.append(OxmlElement("w:cantSplit"))


class _Writer:
    def __init__(self, *, title: str, author: str, created: datetime) -> None:
        self.doc = Document()
        self.g = layout.grid()
        self.doc.core_properties.title = title
        self.doc.core_properties.author = author
        self.doc.core_properties.created = created
        self._defaults()
        self._section()

    # --- page ------------------------------------------------------------------------------

    def _defaults(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(layout.SIZE_BODY)
        normal.font.name = official("body")
        rpr = normal.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            fonts.set(qn("w:eastAsia"), official("body"))
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(self.g.docx_line_twips / 20)

    def _section(self) -> None:
        section = self.doc.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width = Mm(layout.PAGE_WIDTH_MM)
        section.page_height = Mm(layout.PAGE_HEIGHT_MM)
        section.top_margin = Mm(layout.TOP_MM)
        section.bottom_margin = Mm(layout.BOTTOM_MM)
        section.left_margin = Mm(layout.LEFT_MM)
        section.right_margin = Mm(layout.RIGHT_MM)
        section.header_distance = Mm(15)
        # The page-number line's top sits 7 mm below the text block: its bottom (what Word
        # measures from the page edge) is one 14 pt line lower.
        number_line_mm = layout.SIZE_PAGE_NUMBER / layout.PT_PER_MM
        section.footer_distance = Mm(layout.BOTTOM_MM - layout.PAGE_NUMBER_GAP_MM - number_line_mm)
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(self.g.docx_line_twips))
        grid.set(qn("w:charSpace"), str(self.g.docx_char_space))
        self.doc.settings.odd_and_even_pages_header_footer = True
        self._page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
        self._page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)

    def _page_number(self, paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
        """ "— 1 —" in 4号宋体 with a PAGE field; one character in from the side (7.5)."""
        paragraph.alignment = align
        _line_exact(paragraph, layout.SIZE_PAGE_NUMBER)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(layout.SIZE_PAGE_NUMBER)
        else:
            paragraph.paragraph_format.left_indent = Pt(layout.SIZE_PAGE_NUMBER)
        font = official("page_number")
        set_run_font(paragraph.add_run("— "), family=font, size=layout.SIZE_PAGE_NUMBER)
        for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
            run = paragraph.add_run()
            set_run_font(run, family=font, size=layout.SIZE_PAGE_NUMBER)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._r.append(instr)
            elif kind == "text":
                run.text = text or ""
            else:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                run._r.append(fld)
        set_run_font(paragraph.add_run(" —"), family=font, size=layout.SIZE_PAGE_NUMBER)

    # --- content ---------------------------------------------------------------------------

    def write(self, parsed: Parsed) -> None:
        body_children = list(parsed.root)
        for i, el in enumerate(body_children):
            following = body_children[i + 1] if i + 1 < len(body_children) else None
            self._block(el, following)

    def _block(self, el: etree._Element, following: etree._Element | None) -> None:
        tag = el.tag
        if tag == "table":
            self._table(el)
        elif tag == "div":
            first = True
            for child in el:
                if child.tag == "p":
                    p = self._paragraph(child, container=classes(el))
                    if first and "signature" in classes(el):
                        p.paragraph_format.space_before = Pt(self.g.docx_line_twips / 20)  # 正文下空一行
                    first = False
        elif tag in ("h1", "h2", "h3", "h4", "p"):
            p = self._paragraph(el)
            if tag == "h1" and not (following is not None and "docnumber" in classes(following)):
                p.paragraph_format.space_after = Pt(self.g.docx_line_twips / 20)  # 标题下空一行
            if tag == "p" and "docnumber" in classes(el):
                p.paragraph_format.space_after = Pt(self.g.docx_line_twips / 20)

    def _paragraph(
        self, el: etree._Element, *, container: set[str] | None = None, cell: _Cell | None = None
    ) -> Paragraph:
        if cell is not None:
            paragraph = cell.paragraphs[0] if not cell.paragraphs[0].runs and not cell.paragraphs[0].text else None
            paragraph = paragraph or cell.add_paragraph()
        else:
            paragraph = self.doc.add_paragraph()
        container = container or set()
        cls = classes(el)
        role = block_role(el)
        size = layout.SIZE_TITLE if el.tag == "h1" else size_of(el)
        line = self.g.docx_line_twips / 20 if cell is None else TABLE_LINE_PT
        _line_exact(paragraph, line)
        if el.tag == "h1" or cls & {"docnumber", "center"} or (el.tag == "th" and "right" not in cls):
            paragraph.alignment = ALIGN["center"]
        elif "right" in cls or "signature" in container:
            paragraph.alignment = ALIGN["right"]
        elif cell is not None:
            paragraph.alignment = ALIGN["left"]
        else:
            paragraph.alignment = ALIGN["justify"]
        indented = (
            cell is None
            and el.tag in ("h2", "h3", "h4", "p")
            and not cls & {"addressee", "docnumber", "center", "right", "noindent", "date"}
            and "signature" not in container
        )
        if indented:
            _indent_chars(paragraph, 2)
        if "signature" in container:
            paragraph.paragraph_format.right_indent = Pt(right_pt(el))
        self._runs(paragraph, el, family=official(role), size=size, bold=False, underline=False)
        return paragraph

    def _runs(
        self, paragraph: Paragraph, el: etree._Element, *, family: str, size: float, bold: bool, underline: bool
    ) -> None:
        if el.text:
            self._run(paragraph, el.text, family=family, size=size, bold=bold, underline=underline)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "br":
                paragraph.add_run().add_break()
            elif child.tag == "p":  # a paragraph inside a cell is handled by _table
                pass
            else:
                self._runs(
                    paragraph,
                    child,
                    family=official("heading1") if child.tag == "span" and "label" in classes(child) else family,
                    size=size,
                    bold=bold or child.tag in ("b", "strong"),
                    underline=underline or child.tag == "u",
                )
            if child.tail:
                self._run(paragraph, child.tail, family=family, size=size, bold=bold, underline=underline)

    def _run(self, paragraph: Paragraph, text: str, *, family: str, size: float, bold: bool, underline: bool) -> None:
        run = paragraph.add_run(text)
        set_run_font(run, family=family, size=size, bold=True if bold else None)
        if underline:
            run.font.underline = True

    def _table(self, el: etree._Element) -> None:
        rows = [tr for tr in el.iter("tr")]
        grid: list[list[tuple[etree._Element, int]]] = []
        for tr in rows:
            grid.append([(c, int(c.get("colspan") or 1)) for c in tr if c.tag in ("td", "th")])
        ncols = max((sum(span for _c, span in row) for row in grid), default=1)
        table = self.doc.add_table(rows=len(grid), cols=ncols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        bordered = "cover" not in classes(el)
        if bordered:
            table.style = self.doc.styles["Table Grid"]
        widths = self._widths(el, ncols)
        for r, row in enumerate(grid):
            _cant_split(table.rows[r])
            # The row's cells (one per grid column, a merged cell repeated), read from the row:
            # python-docx's table.cell() rebuilds every cell of the whole table on each call, so a
            # 36-row timeline took 4–7 s and sealing a 30-document dossier 13–17 s.
            cells = table.rows[r].cells
            col = 0
            for cell_el, span in row:
                cell = cells[col]
                if span > 1:
                    cell = cell.merge(cells[min(ncols, col + span) - 1])
                    cells = table.rows[r].cells  # the merge changed the row
                for k in range(span):
                    if col + k < ncols:
                        cells[col + k].width = Mm(widths[col + k])
                paragraphs = cell_el.findall("p")
                if paragraphs:
                    for p_el in paragraphs:
                        self._paragraph(p_el, cell=cell)
                else:
                    self._paragraph(cell_el, cell=cell)
                if "tall" in classes(cell_el):
                    table.rows[r].height = Pt(84)
                col += span
        self.doc.add_paragraph()  # Word needs a paragraph between a table and what follows

    def _widths(self, el: etree._Element, ncols: int) -> list[float]:
        spec = el.get("data-widths")
        values = [float(v) for v in spec.split(",")] if spec else [1.0] * ncols
        values = (values + [values[-1]] * ncols)[:ncols]
        total = sum(values) or 1.0
        return [layout.BLOCK_WIDTH_MM * v / total for v in values]


def render_docx(parsed: Parsed, *, title: str, author: str, created: datetime) -> bytes:
    writer = _Writer(title=title, author=author, created=created)
    writer.write(parsed)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()
