"""Looking inside generated files the way a reader's software does: pypdf and fontTools for the
fonts a PDF embeds, pypdfium2 for what a printed page shows and where."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

MM = 72 / 25.4


@dataclass
class EmbeddedFont:
    name: str
    drawable: set[str]  # characters the embedded font program maps to a glyph with an outline


def _font_dicts(reader: PdfReader) -> Iterator[Any]:
    seen: set[int] = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        fonts = resources.get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            yield font


def embedded_fonts(data: bytes) -> list[EmbeddedFont]:
    """Every font of the PDF, each with the characters it can actually draw. A font that is not
    embedded (no FontFile/FontFile2/FontFile3) fails the assertion: a reader without that font
    would show boxes."""
    reader = PdfReader(io.BytesIO(data))
    found: list[EmbeddedFont] = []
    for font in _font_dicts(reader):
        descendant: Any = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor: Any = descendant["/FontDescriptor"].get_object()
        stream = next((descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor), None)
        assert stream is not None, f"font {font['/BaseFont']} is not embedded"
        program = TTFont(io.BytesIO(stream.get_object().get_data()))
        glyphs = program.getGlyphSet()
        drawable: set[str] = set()
        for code, glyph_name in (program.getBestCmap() or {}).items():
            pen = BoundsPen(glyphs)
            glyphs[glyph_name].draw(pen)
            if pen.bounds is not None:  # an outline, not an empty (.notdef-like) glyph
                drawable.add(chr(code))
        found.append(EmbeddedFont(str(font["/BaseFont"]), drawable))
    return found


def page_ink(data: bytes, page: int = 0, scale: float = 1.0) -> float:
    """Share of a rendered page's pixels that are not white (0 for a blank page)."""
    pdf = pdfium.PdfDocument(data)
    try:
        image = pdf[page].render(scale=scale).to_pil().convert("L")
        histogram = image.histogram()
        return sum(histogram[:128]) / (image.width * image.height)
    finally:
        pdf.close()


@dataclass
class Line:
    text: str
    top_mm: float  # from the top edge of the page, of the highest glyph
    left_mm: float  # from the left edge, of the first glyph
    right_mm: float


def lines(data: bytes, page: int = 0) -> list[Line]:
    """The text lines of a page as printed, top to bottom, with their glyph boxes in mm."""
    pdf = pdfium.PdfDocument(data)
    try:
        p = pdf[page]
        _width, height = p.get_size()
        text = p.get_textpage()
        rows: dict[int, list[tuple[float, float, float, str]]] = {}
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if not ch.strip():
                continue
            # The loose box (the font's ascent to descent) is the same for every glyph of a
            # line: it groups the line. The tight box is the ink: it measures the position.
            line_key = round(text.get_charbox(i, loose=True)[1])
            left, _bottom, right, top = text.get_charbox(i)
            rows.setdefault(line_key, []).append((left, right, top, ch))
        result = []
        for key in sorted(rows, reverse=True):
            glyphs = sorted(rows[key])
            result.append(
                Line(
                    text="".join(g[3] for g in glyphs),
                    top_mm=(height - max(g[2] for g in glyphs)) / MM,
                    left_mm=glyphs[0][0] / MM,
                    right_mm=glyphs[-1][1] / MM,
                )
            )
        return result
    finally:
        pdf.close()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
