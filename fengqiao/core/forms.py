"""What every page form shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` back on the page's form: under the field it names
    when the form has that field, else as an error of the form as a whole."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# The browser's own date pickers (<input type="date">, "datetime-local") show and take dates in
# the browser's locale: mm/dd/yyyy in an English Chromium, whatever lang the page declares.
# Dates here are typed as the county writes them, YYYY-MM-DD or 2026年2月13日 (and 2026/2/13),
# so date fields are text inputs with a pattern, a placeholder and a numeric keypad on phones.
DATE_PATTERN = r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日"
DATETIME_PATTERN = r"(\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)[ T]\d{1,2}:\d{2}"


class DateInput(forms.DateInput):
    """A date typed as YYYY-MM-DD (年月日 accepted), shown as YYYY-MM-DD."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": "YYYY-MM-DD",
            "pattern": DATE_PATTERN,
            "title": _("请按“年-月-日”填写，如 2026-02-13"),
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": "11",
            "class": "date",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A date and time typed as YYYY-MM-DD HH:MM (24 hours), shown the same way."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": "YYYY-MM-DD HH:MM",
            "pattern": DATETIME_PATTERN,
            "title": _("请按“年-月-日 时:分”填写，如 2026-02-13 09:30"),
            "autocomplete": "off",
            "maxlength": "17",
            "class": "datetime",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%d %H:%M")


def parse_day(text: str) -> date | None:
    """A day typed in a filter (YYYY-MM-DD, YYYY/M/D or 年月日); ``None`` when blank or not a
    date, so a list filter with a typo shows everything rather than an error page."""
    try:
        return forms.DateField(required=False).clean(text.strip())
    except ValidationError:
        return None
