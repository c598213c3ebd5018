"""Dates are shown and entered as YYYY-MM-DD or 年月日, never the browser's mm/dd/yyyy
(issue 11 §5): an <input type="date"> follows the browser's locale, so every date field of
every page form is a text input with a pattern, and 年月日 typed by hand parses."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.utils import translation

import fengqiao
from fengqiao.core.forms import DateInput, DateTimeInput, parse_day

ROOT = Path(fengqiao.__file__).parent


def _form_classes() -> list[Any]:
    """Every page form class of every app (the classes, with their declared fields)."""
    found: dict[str, Any] = {}
    for module in pkgutil.walk_packages([str(ROOT)], prefix="fengqiao."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".tests" in module.name or not (leaf == "forms" or leaf.endswith("_forms")):
            continue
        mod = importlib.import_module(module.name)
        for _name, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == mod.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_the_sweep_finds_the_forms() -> None:
    names = {f.__name__ for f in _form_classes()}
    assert "IntakeForm" in names  # the sweep below is not vacuous


@pytest.mark.parametrize("form_class", _form_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_date_field_is_typed_as_year_month_day(form_class: Any) -> None:
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DateTimeField):
            assert isinstance(field.widget, DateTimeInput), f"{form_class.__name__}.{name}"
        elif isinstance(field, forms.DateField):
            assert isinstance(field.widget, DateInput), f"{form_class.__name__}.{name}"
        assert getattr(field.widget, "input_type", "") not in {"date", "datetime-local"}, name


def test_no_template_uses_the_browsers_date_picker() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.html")
        if re.search(r"type=[\"']?(date|datetime-local)\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_date_input_renders_year_month_day() -> None:
    html = DateInput().render("d", date(2026, 2, 3))
    assert 'type="text"' in html and 'value="2026-02-03"' in html and 'placeholder="YYYY-MM-DD"' in html
    assert "pattern=" in html


@pytest.mark.parametrize("typed", ["2026-02-13", "2026-2-13", "2026/2/13", "2026年2月13日", " 2026年02月13日 "])
def test_dates_typed_as_the_county_writes_them_parse(typed: str) -> None:
    with translation.override("zh-hans"):
        assert parse_day(typed) == date(2026, 2, 13)
        assert forms.DateField().clean(typed.strip()) == date(2026, 2, 13)


@pytest.mark.parametrize("typed", ["02/13/2026", "13.02.2026", "明天", ""])
def test_other_spellings_are_not_dates(typed: str) -> None:
    with translation.override("zh-hans"):
        assert parse_day(typed) is None


def test_date_and_time_typed_with_年月日_parse() -> None:
    with translation.override("zh-hans"):
        value = forms.DateTimeField().clean("2026年2月13日 9:30")
    assert (value.year, value.month, value.day, value.hour, value.minute) == (2026, 2, 13, 9, 30)
    html = DateTimeInput().render("t", value)
    assert 'value="2026-02-13 09:30"' in html
