"""Checks every input field keeps, whichever form or serializer declares it (issue 13 §5).

A bound written on each field is a bound some field forgets. These are installed once, when
the ``core`` app is ready, as *default validators of the field types themselves* — Django's
form ``DateField``/``DateTimeField``/``CharField`` and DRF's ``DateField``/``DateTimeField``
— so every page form, every API serializer, every form the API reuses and the admin's forms
run them, a field added tomorrow included (``core/tests/test_bad_input.py`` sweeps them):

- **a date in range** (``core.dates.in_input_range``): 0001-01-01 with an offset raised
  ``OverflowError`` when the case registration turned it into China time;
- **text that is text** (``text_decodes``): a form post's bytes that are not UTF-8 — how a
  lone surrogate such as ``\\ud800`` arrives from a browser or a script — are decoded by
  Django with the replacement character "�", and a lone surrogate in a ``str`` cannot be
  written to either database. Both are refused under the field, never saved as garbage. (The
  API's JSON, where ``"\\ud800"`` is a valid escape, is refused before this by
  ``core.parsers.JSONParser`` with the field's path.)
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import fields as drf_fields

from fengqiao.core.dates import in_input_range

_UNDECODABLE = re.compile("[\ufffd\ud800-\udfff]")


def text_decodes(value: Any) -> None:
    """Text with no replacement character (bytes that were not UTF-8) and no lone surrogate."""
    if isinstance(value, str) and _UNDECODABLE.search(value):
        raise ValidationError(
            _("含有无法识别的字符（“�”或单独的代理码位），多为编码错误所致，请删去后重新填写。"),
            code="undecodable",
        )


def _add_default(field_class: Any, validator: Any) -> None:
    if validator not in field_class.default_validators:
        field_class.default_validators = [*field_class.default_validators, validator]


def install() -> None:
    """Make the checks defaults of the field types (``CoreConfig.ready``; idempotent)."""
    for date_field in (forms.DateField, forms.DateTimeField, drf_fields.DateField, drf_fields.DateTimeField):
        _add_default(date_field, in_input_range)
    _add_default(forms.CharField, text_decodes)
