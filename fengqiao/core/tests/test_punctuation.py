"""Chinese labels use full-width punctuation (issue 11 §5): "：（）", not ASCII ":" "()", in
the user-facing Chinese text of templates, form labels and help texts, and model field names.
Program text (code, URLs, times such as 09:30, English API descriptions) is left alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

import fengqiao
from fengqiao.core.tests.test_dates import _form_classes

ROOT = Path(fengqiao.__file__).parent
# An ASCII colon or parenthesis touching Chinese text, or a parenthesis holding Chinese.
ASCII_IN_CHINESE = re.compile(r"[\u4e00-\u9fff）]\s?[:(]|\([^)]*[\u4e00-\u9fff]|[\u4e00-\u9fff]\)")
# Placeholders, template tags and times are not text a reader sees as written.
NOT_TEXT = re.compile(r"%\(\w+\)[sdf]|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>|\d{1,2}:\d{2}|时:分", re.S)
# Model help texts whose correction needs a migration of an app this part does not own.
KNOWN = {"org.Department.duties.help_text"}


def _bad(text: str) -> bool:
    return bool(ASCII_IN_CHINESE.search(NOT_TEXT.sub(" ", text)))


def test_templates_write_chinese_with_full_width_punctuation() -> None:
    offenders = []
    for path in ROOT.rglob("*.html"):
        if "/forms/" in str(path):  # document templates follow GB/T 9704 and are checked there
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _bad(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert offenders == []


@pytest.mark.django_db
def test_form_labels_and_help_texts_use_full_width_punctuation() -> None:
    offenders = []
    with translation.override("zh-hans"):
        for form_class in _form_classes():
            for name, field in form_class.base_fields.items():
                for text in (field.label, field.help_text):
                    if text and _bad(str(text)):
                        offenders.append(f"{form_class.__name__}.{name}: {text}")
    assert offenders == []


def test_model_field_names_use_full_width_punctuation() -> None:
    offenders = []
    with translation.override("zh-hans"):
        for model in apps.get_models():
            if not model.__module__.startswith("fengqiao"):
                continue
            for field in model._meta.get_fields():
                for attr in ("verbose_name", "help_text"):
                    text = str(getattr(field, attr, "") or "")
                    key = f"{model._meta.label}.{field.name}.{attr}"
                    if _bad(text) and key not in KNOWN:
                        offenders.append(f"{key}: {text}")
    assert offenders == []
