"""The fonts of GB/T 9704 and the fonts that stand in for them where those are not installed.

The DOCX always names the official fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体):
Word or WPS on a government computer has them. The PDF must embed fonts that are present on
the server, so each typographic role has a list of candidates, the official font first and a
font from Debian's packages last; the first candidate fontconfig knows is used. A role with
no installed candidate, or a character that no chosen font can draw, raises
:class:`FontMissing` naming the font and the Debian package — never a page of empty boxes.

``settings.FENGQIAO_DOCUMENT_FONTS`` may replace a role's candidates, e.g. to put a licensed
仿宋_GB2312 first or to prefer another free font.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


class FontMissing(Exception):
    """A font the PDF needs is not installed (or cannot draw a character of the document)."""


@dataclass(frozen=True)
class Candidate:
    family: str
    weight: int = 400  # CSS weight: Noto Serif CJK SC Bold stands in for 小标宋


@dataclass(frozen=True)
class FontRole:
    """One typographic role of GB/T 9704 (title, body, …)."""

    code: str
    label: str
    official: str  # the font GB/T 9704 names: what the DOCX asks for
    candidates: tuple[Candidate, ...]  # for the PDF, first installed wins
    package: str  # the Debian package that provides the last-resort candidate


NOTO_SERIF = "Noto Serif CJK SC"
NOTO_SANS = "Noto Sans CJK SC"
UKAI = "AR PL UKai CN"

ROLES: dict[str, FontRole] = {
    r.code: r
    for r in [
        FontRole(
            "title",
            "标题（2号小标宋体）",
            "方正小标宋简体",
            (Candidate("方正小标宋简体"), Candidate("方正小标宋_GBK"), Candidate(NOTO_SERIF, 700)),
            "fonts-noto-cjk",
        ),
        FontRole(
            "body",
            "正文（3号仿宋体）",
            "仿宋_GB2312",
            (Candidate("仿宋_GB2312"), Candidate("FangSong_GB2312"), Candidate("仿宋"), Candidate(NOTO_SERIF)),
            "fonts-noto-cjk",
        ),
        FontRole(
            "heading1",
            "一级标题（黑体）",
            "黑体",
            (Candidate("黑体"), Candidate("SimHei"), Candidate(NOTO_SANS)),
            "fonts-noto-cjk",
        ),
        FontRole(
            "heading2",
            "二级标题（楷体）",
            "楷体_GB2312",
            (
                Candidate("楷体_GB2312"),
                Candidate("KaiTi_GB2312"),
                Candidate("楷体"),
                Candidate(UKAI),
                Candidate(NOTO_SERIF),
            ),
            "fonts-arphic-ukai",
        ),
        FontRole(
            "page_number",
            "页码（4号宋体）",
            "宋体",
            (Candidate("宋体"), Candidate("SimSun"), Candidate(NOTO_SERIF)),
            "fonts-noto-cjk",
        ),
    ]
}


@dataclass(frozen=True)
class InstalledFace:
    family: str
    weight: int  # CSS weight
    file: str
    index: int


@dataclass(frozen=True)
class ResolvedFont:
    role: str
    official: str
    family: str
    weight: int
    file: str
    index: int


def _css_weight(fc_weight: int) -> int:
    # fontconfig weights: 80 regular, 100 medium, 200 bold (FC_WEIGHT_*).
    if fc_weight >= 180:
        return 700
    if fc_weight >= 100:
        return 500
    return 400


@lru_cache(maxsize=1)
def installed_faces() -> tuple[InstalledFace, ...]:
    """Every face fontconfig knows, read once per process (``fc-list``)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMissing(_("找不到 fc-list：请安装 fontconfig（apt-get install fontconfig）。"))
    out = subprocess.run(  # noqa: S603 — fixed arguments
        [fc_list, "--format", "%{family}\t%{weight}\t%{file}\t%{index}\n"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    faces: list[InstalledFace] = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        families, weight, file, index = parts
        try:
            css_weight = _css_weight(int(float(weight.split()[0].strip("[]"))))
            face_index = int(index)
        except (ValueError, IndexError):
            continue
        for family in families.split(","):
            faces.append(InstalledFace(family.strip(), css_weight, file, face_index))
    return tuple(faces)


def _candidates(role: FontRole) -> tuple[Candidate, ...]:
    override: dict[str, Any] = getattr(settings, "FENGQIAO_DOCUMENT_FONTS", {}) or {}
    if role.code not in override:
        return role.candidates
    return tuple(c if isinstance(c, Candidate) else Candidate(str(c)) for c in override[role.code])


def resolve(role_code: str) -> ResolvedFont:
    """The installed font that plays ``role_code`` in PDFs, or :class:`FontMissing`."""
    role = ROLES[role_code]
    return _resolve(role, _candidates(role))


@lru_cache(maxsize=64)
def _resolve(role: FontRole, candidates: tuple[Candidate, ...]) -> ResolvedFont:
    faces = installed_faces()
    for candidate in candidates:
        matching = [f for f in faces if f.family == candidate.family]
        if not matching:
            continue
        # The face whose weight is nearest the one asked for.
        face = min(matching, key=lambda f: (abs(f.weight - candidate.weight), f.index))
        return ResolvedFont(role.code, role.official, candidate.family, candidate.weight, face.file, face.index)
    raise FontMissing(
        _(
            "生成PDF所需的%(role)s字体未安装：需要 %(fonts)s 之一。"
            "请安装 Debian 软件包 %(package)s（apt-get install %(package)s，或运行 scripts/sysdeps.sh）。"
        )
        % {
            "role": role.label,
            "fonts": "、".join(c.family for c in candidates),
            "package": role.package,
        }
    )


def resolve_all() -> dict[str, ResolvedFont]:
    """Every role's font (the document check and each rendering call this)."""
    return {code: resolve(code) for code in ROLES}


@lru_cache(maxsize=16)
def _cmap(file: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(file, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def covers(font: ResolvedFont, text: str) -> bool:
    cmap = _cmap(font.file, font.index)
    return all(ord(ch) in cmap for ch in text)


def check_coverage(texts: Iterable[tuple[str, str]], fonts: dict[str, ResolvedFont]) -> None:
    """Every character must have a glyph in its role's font or, failing that, in another of
    the chosen fonts (fontconfig falls back to those). Otherwise :class:`FontMissing` names
    the character, so a name written with a rare character is caught before a box is
    printed in its place."""
    for role_code, text in texts:
        primary = fonts[role_code]
        missing = {ch for ch in set(text) if not ch.isspace() and not covers(primary, ch)}
        for ch in sorted(missing):
            if any(covers(other, ch) for other in fonts.values()):
                continue
            raise FontMissing(
                _("字体 %(font)s 中没有字符“%(char)s”（U+%(code)04X）的字形，")
                % {"font": primary.family, "char": ch, "code": ord(ch)}
                + _("已安装的字体也都没有。请安装含该字的字体。")
            )


def fonts_cache_clear() -> None:
    installed_faces.cache_clear()
    _resolve.cache_clear()
