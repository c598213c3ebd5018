"""The PDF of a document: the parsed HTML through WeasyPrint with the GB/T 9704 stylesheet
(``templates/documents/gbt9704.css``), embedding the installed fonts ``fonts.py`` chose."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils.html import escape
from lxml import etree

from fengqiao.documents import layout
from fengqiao.documents.fonts import ResolvedFont
from fengqiao.documents.markup import Parsed

# Room left below the 22nd line so that rounding never pushes it to the next page.
SLACK_MM = 0.5


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # Documents embed nothing from outside: no image, no stylesheet, no URL of any kind.
    raise ValueError(f"documents do not load external resources ({url})")


def stylesheet(fonts: dict[str, ResolvedFont]) -> str:
    g = layout.grid()
    top = layout.TOP_MM - g.half_leading_mm
    bottom = layout.PAGE_HEIGHT_MM - top - layout.BLOCK_HEIGHT_MM - SLACK_MM
    # The page-number line starts 7 mm below the text block's lower edge (37 + 225 mm).
    number_top = (layout.TOP_MM + layout.BLOCK_HEIGHT_MM + layout.PAGE_NUMBER_GAP_MM) - (layout.PAGE_HEIGHT_MM - bottom)
    return render_to_string(
        "documents/gbt9704.css",
        {
            "g": g,
            "fonts": fonts,
            "top_mm": top,
            "bottom_mm": bottom,
            "left_mm": layout.LEFT_MM,
            "right_mm": layout.RIGHT_MM,
            "slack_mm": SLACK_MM,
            "page_number_top_mm": number_top,
        },
    )


def html_document(parsed: Parsed, *, title: str) -> str:
    """The whole HTML page WeasyPrint lays out: the parsed fragment with the signature's
    computed indents as inline styles."""
    root = copy.deepcopy(parsed.root)
    for el in root.iter():
        right = el.get("data-right-pt") if isinstance(el.tag, str) else None
        if right:
            el.set("style", f"margin-right: {right}pt")
            del el.attrib["data-right-pt"]
    body = etree.tostring(root, encoding="unicode", method="html")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>{body}</body></html>"
    )


def render_pdf(parsed: Parsed, *, fonts: dict[str, ResolvedFont], title: str, author: str) -> RenderedPdf:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    html = HTML(string=html_document(parsed, title=title), url_fetcher=_no_fetching, base_url=None)
    css = CSS(string=stylesheet(fonts), font_config=font_config)
    document = html.render(stylesheets=[css], font_config=font_config)
    document.metadata.title = title
    document.metadata.authors = [author] if author else []
    data = document.write_pdf()
    assert data is not None
    return RenderedPdf(data=data, pages=len(document.pages))
