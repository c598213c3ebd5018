"""The page of GB/T 9704-2012 《党政机关公文格式》 in numbers, shared by the PDF and the DOCX.

Every figure the two outputs use is computed here from the standard's own numbers, so the
PDF's stylesheet and the DOCX's section agree and a reader can check them against 5.2 and
7 of the standard:

- A4 paper, 210 × 297 mm (5.2.1);
- 天头 (top margin) 37 mm ± 1 mm, 订口 (left, binding margin) 28 mm ± 1 mm (5.2.1);
- 版心 (text block) 156 mm × 225 mm (5.2.1), so the right margin is 26 mm and the bottom 35 mm;
- 3号仿宋 body (16 pt), 22 lines of 28 characters per page (5.2.2);
- 标题 2号小标宋 (22 pt), headings 一、 黑体, （一） 楷体, 1. and （1） 仿宋 (7.3.1, 7.3.3);
- 页码 4号 (14 pt) 半角宋体 Arabic numerals with an em dash either side, 7 mm below the text
  block; odd pages on the right and even pages on the left, one character in (7.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

PT_PER_MM: Final = 72 / 25.4

PAGE_WIDTH_MM: Final = 210.0
PAGE_HEIGHT_MM: Final = 297.0
TOP_MM: Final = 37.0
LEFT_MM: Final = 28.0
BLOCK_WIDTH_MM: Final = 156.0
BLOCK_HEIGHT_MM: Final = 225.0
RIGHT_MM: Final = PAGE_WIDTH_MM - LEFT_MM - BLOCK_WIDTH_MM  # 26 mm
BOTTOM_MM: Final = PAGE_HEIGHT_MM - TOP_MM - BLOCK_HEIGHT_MM  # 35 mm
LINES_PER_PAGE: Final = 22
CHARS_PER_LINE: Final = 28
PAGE_NUMBER_GAP_MM: Final = 7.0  # 一字线上距版心下边缘7mm

# 字号 in points: 2号 22 pt, 3号 16 pt, 4号 14 pt.
SIZE_TITLE: Final = 22.0
SIZE_BODY: Final = 16.0
SIZE_PAGE_NUMBER: Final = 14.0
SIZE_TABLE: Final = 14.0  # forms (登记表, 目录) set their cells in 4号


@dataclass(frozen=True)
class Grid:
    """The line and character grid that puts 22 lines × 28 characters in the text block."""

    line_pt: float  # line pitch: 225 mm / 22 ≈ 28.99 pt
    char_pt: float  # character pitch: 156 mm / 28 ≈ 15.79 pt
    letter_spacing_pt: float  # what each 16 pt character gives up so that 28 fit
    docx_line_twips: int  # Word's w:docGrid/@w:linePitch (579 twips = 28.95 pt)
    docx_char_space: int  # Word's w:docGrid/@w:charSpace, 1/4096 pt relative to 3号
    half_leading_mm: float  # space above a 16 pt glyph inside its line

    @property
    def indent_pt(self) -> float:
        """首行缩进二字."""
        return 2 * self.char_pt


def grid() -> Grid:
    line_pt = BLOCK_HEIGHT_MM * PT_PER_MM / LINES_PER_PAGE
    char_pt = BLOCK_WIDTH_MM * PT_PER_MM / CHARS_PER_LINE
    # Rounded down to the hundredth (−0.21 pt): the layout engine rounds advances to its own
    # units, and 28 characters must never overflow the line (they fall 0.03 mm short).
    spacing = math.floor((char_pt - SIZE_BODY) * 100) / 100
    return Grid(
        line_pt=line_pt,
        char_pt=char_pt,
        letter_spacing_pt=spacing,
        docx_line_twips=math.floor(line_pt * 20),
        docx_char_space=math.floor((char_pt - SIZE_BODY) * 4096),
        half_leading_mm=(line_pt - SIZE_BODY) / 2 / PT_PER_MM,
    )


def text_width_chars(text: str) -> float:
    """Width of ``text`` in body characters: a CJK character is one, a half-width one half."""
    return sum(0.5 if ord(ch) < 0x1100 else 1.0 for ch in text)
