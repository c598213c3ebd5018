"""The small HTML vocabulary a document template writes, and the one parsed tree both the
PDF and the DOCX are made from.

A template (``templates/documents/forms/<code>.html``) produces a fragment in these elements
only; anything else is a :class:`TemplateMarkupError` naming the element, so a maintainer's
typo is caught by the tests instead of silently vanishing from one of the two outputs.

==================  ==========================================================
``h1``              标题: 2号小标宋, centred, one blank line after
``p.docnumber``     发文字号 (文号), centred under the title
``p.addressee``     主送机关 (or the payer addressed), no indent
``h2``              一级标题 "一、" 3号黑体, indented two characters
``h3``              二级标题 "（一）" 3号楷体
``h4``              三级标题 "1." 3号仿宋
``p``               正文: 3号仿宋, first line indented two characters, justified
``p.center``        centred; ``p.right`` right-aligned; ``p.noindent`` no indent
``table``           a form (登记表, 目录) in 4号; ``th`` labels, ``td`` values,
                    ``colspan``; ``data-widths="18,32,18,32"`` column widths in %
``div.signature``   发文机关署名 (one ``p`` per line) and ``p.date`` 成文日期
                    (Arabic numerals), right, centred over each other
``div.note``        附注, in brackets, indented two characters
``b``/``strong``,   bold, underlined (blanks to sign on: ``<u>　　　　</u>``),
``u``, ``br``       line break inside a paragraph
``span.label``      a run in 3号黑体 inside a paragraph: 纪要's 出席/请假/列席 labels
                    (GB/T 9704 §10.3), followed by names in 仿宋
==================  ==========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from fengqiao.documents.layout import SIZE_BODY, grid, text_width_chars

BLOCKS = {"h1", "h2", "h3", "h4", "p", "table", "div"}
TABLE_PARTS = {"thead", "tbody", "tr", "th", "td"}
INLINE = {"b", "strong", "u", "br", "span"}
CLASSES = {
    "p": {"", "docnumber", "addressee", "date", "center", "right", "noindent"},
    "div": {"signature", "note"},
    "table": {"", "form", "list", "cover"},
    "td": {"", "center", "right", "tall"},
    "th": {"", "center", "right"},
    "span": {"label"},
}
ATTRIBUTES = {"class", "colspan", "data-widths"}

# Whitespace between two characters of which one is CJK (or full-width punctuation) is a
# line break of the template's source, not a space of the text.
_CJK = r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2014\u201c\u201d\u2018\u2019]"
_WS = r"[ \t\r\n\f\v]+"  # not U+3000: a full-width space (全角空格) is deliberate
_SPACE_AFTER_CJK = re.compile(rf"(?<={_CJK}){_WS}")
_SPACE_BEFORE_CJK = re.compile(rf"{_WS}(?={_CJK})")
_SPACES = re.compile(_WS)


class TemplateMarkupError(ValueError):
    """A document template used an element or class outside the vocabulary."""


@dataclass(frozen=True)
class Parsed:
    """The document as one tree, with its text by typographic role (for the font check)."""

    root: etree._Element
    text: str
    role_texts: tuple[tuple[str, str], ...]


def _squash(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _SPACE_AFTER_CJK.sub("", text)
    return _SPACE_BEFORE_CJK.sub("", text)


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _check(el: etree._Element, template: str) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        return  # a comment
    allowed = BLOCKS | TABLE_PARTS | INLINE
    if tag not in allowed:
        raise TemplateMarkupError(
            f"{template}: <{tag}> is not part of the document vocabulary (fengqiao.documents.markup)"
        )
    known = CLASSES.get(tag, {""})
    unknown = _classes(el) - known
    if unknown:
        raise TemplateMarkupError(f"{template}: <{tag} class={' '.join(sorted(unknown))!r}> is not known")
    extra = set(el.attrib) - ATTRIBUTES
    if extra:
        raise TemplateMarkupError(f"{template}: <{tag}> has unknown attributes {sorted(extra)}")


def parse(html: str, *, template: str = "document") -> Parsed:
    """Parse a rendered template into the one tree the PDF and the DOCX are made from:
    the vocabulary is checked, template whitespace is squashed, and the signature block's
    indents and the tables' column widths are computed here once for both outputs."""
    root = lxml.html.fragment_fromstring(html, create_parent="article")
    for el in root.iter():
        if el is root:
            continue
        if isinstance(el.tag, str):
            _check(el, template)
    for el in list(root.iter(etree.Comment)):
        parent = el.getparent()
        if parent is not None:
            _drop_keep_tail(el)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text:
            el.text = _squash(el.text)
        if el.tail:
            el.tail = _squash(el.tail)
    for el in root.iter("p", "h1", "h2", "h3", "h4", "td", "th"):
        _strip_edges(el)
    for div in root.iter("div"):
        if "signature" in _classes(div):
            _signature_indents(div)
    for table in root.iter("table"):
        _column_widths(table)
    text, role_texts = _texts(root)
    return Parsed(root=root, text=text, role_texts=tuple(role_texts))


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _strip_edges(el: etree._Element) -> None:
    """Trim the space at the start and end of a block (the template's indentation)."""
    if el.text:
        el.text = el.text.lstrip(" ")
    children = list(el)
    if children:
        last = children[-1]
        if last.tail:
            last.tail = last.tail.rstrip(" ")
    elif el.text:
        el.text = el.text.rstrip(" ")


def _signature_indents(div: etree._Element) -> None:
    """加盖印章的公文 (7.3.5.1): 成文日期右空四字; 发文机关署名以成文日期为准居中编排.
    The right indent of each line, in points, goes into ``data-right-pt``."""
    g = grid()
    lines = [p for p in div if p.tag == "p"]
    dates = [p for p in lines if "date" in _classes(p)]
    date_width = text_width_chars(dates[0].text_content()) if dates else 0.0
    for p in lines:
        own = text_width_chars(p.text_content())
        chars = 4.0 if "date" in _classes(p) else max(0.0, 4.0 + (date_width - own) / 2)
        p.set("data-right-pt", f"{chars * g.char_pt:.2f}")


def _column_widths(table: etree._Element) -> None:
    widths = table.get("data-widths")
    if not widths:
        return
    try:
        values = [float(w) for w in widths.split(",")]
    except ValueError as exc:
        raise TemplateMarkupError(f"data-widths={widths!r} must be numbers separated by commas") from exc
    total = sum(values) or 1.0
    colgroup = etree.Element("colgroup")
    for value in values:
        col = etree.SubElement(colgroup, "col")
        col.set("style", f"width: {100 * value / total:.2f}%")
    table.insert(0, colgroup)


def block_role(el: etree._Element) -> str:
    """The font role of a block: 标题, 黑体, 楷体 or 仿宋."""
    if el.tag == "h1":
        return "title"
    if el.tag == "h2" or el.tag == "th":
        return "heading1"
    if el.tag == "h3":
        return "heading2"
    return "body"


def _texts(root: etree._Element) -> tuple[str, list[tuple[str, str]]]:
    lines: list[str] = []
    roles: list[tuple[str, str]] = []
    for el in root.iter("h1", "h2", "h3", "h4", "p", "tr"):
        if el.tag == "tr":
            cells = [_cell_text(c) for c in el if c.tag in ("td", "th")]
            for c in el:
                if c.tag in ("td", "th") and not c.findall(".//p"):
                    roles.append((block_role(c), _cell_text(c)))
            lines.append("\t".join(cells))
            continue
        parent = el.getparent()
        if parent is not None and parent.tag in ("td", "th"):
            roles.append(("body", el.text_content()))
            continue
        lines.append(el.text_content())
        roles.append((block_role(el), el.text_content()))
        for span in el.iter("span"):  # span.label is set in 黑体
            roles.append(("heading1", span.text_content()))
    return "\n".join(lines), roles


def _cell_text(cell: etree._Element) -> str:
    paragraphs = cell.findall(".//p")
    if paragraphs:
        return " ".join(p.text_content() for p in paragraphs)
    return cell.text_content()


def right_pt(el: etree._Element) -> float:
    value = el.get("data-right-pt")
    return float(value) if value else 0.0


def size_of(el: etree._Element) -> float:
    """Tables are set in 4号; everything else in 3号 (the title has its own size)."""
    node: etree._Element | None = el
    while node is not None:
        if node.tag == "table":
            return 14.0
        node = node.getparent()
    return SIZE_BODY


def classes(el: etree._Element) -> set[str]:
    return _classes(el)
