"""The API's JSON parser: bad input gets a 400 naming where it is, never a server error
(CONVENTIONS 7, issue 13 §5).

DRF's own ``JSONParser`` hands the body to ``json.load``, which

- recurses once per level: a body nested 50,000 levels deep (``[[[[…``) raised
  ``RecursionError`` — a 500 page;
- accepts ``"\\ud800"``, a lone UTF-16 surrogate escape, as a ``str`` that no encoder can write:
  SQLite's and PostgreSQL's drivers alike raised ``UnicodeEncodeError`` — a 500 — from
  whichever field first reached the database.

This parser refuses both before any view sees the data: the nesting is counted on the raw
text (no recursion) against ``MAX_DEPTH``, and every string and key of the parsed body is
searched for a surrogate, the error keyed by its path (``payer_name``, ``categories.0``,
``parties.1.name``) as every other field error is. Being the one parser of every endpoint
(``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``), it covers every string field of every
serializer and form at once — there is no per-field check to forget. Form posts cannot carry
a surrogate at all: Django decodes their bytes with replacement, so a page form sees "�" and
``core.inputs`` refuses that under the field.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

#: Deeper than any body the API documents (the deepest, a registration with its parties, is 3).
MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")

NON_FIELD_ERRORS = "non_field_errors"


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without recursion (brackets
    inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def surrogate_paths(value: Any, path: str = "") -> Iterator[str]:
    """The paths (``a.0.b``) of every string or key in ``value`` holding a lone surrogate;
    a key's own path names the key."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            yield path or NON_FIELD_ERRORS
    elif isinstance(value, dict):
        for key, item in value.items():
            # a key with a surrogate is named escaped (``\\udc00``): the answer must encode
            shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
            where = f"{path}.{shown}" if path else shown
            if _SURROGATE.search(key):
                yield where
            else:
                yield from surrogate_paths(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from surrogate_paths(item, f"{path}.{index}" if path else str(index))


def surrogate_message() -> str:
    return _("含有无效字符（单独的 UTF-16 代理码位，如 \\ud800），不是有效的文本，请检查编码后重新提交。")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit and no lone surrogates (module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's check: a text codec only (a bz2 "charset" would inflate the body past the limit)
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:  # bytes that are not the declared encoding
            raise ParseError(
                _("请求体不是有效的 %(encoding)s 文本：%(error)s") % {"encoding": encoding, "error": exc}
            ) from None
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(_("JSON 嵌套层数超过 %(max)d 层。") % {"max": MAX_DEPTH})
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
        if _SURROGATE_ESCAPE.search(text):
            paths = list(dict.fromkeys(surrogate_paths(data)))
            if paths:
                raise ValidationError({path: [surrogate_message()] for path in paths})
        return data
