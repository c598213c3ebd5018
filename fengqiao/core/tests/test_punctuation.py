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
                    if _bad(text):
                        offenders.append(f"{key}: {text}")
    assert offenders == []


@pytest.mark.django_db
def test_seeded_chinese_text_uses_full_width_punctuation(naiman) -> None:
    """The seeds are user-facing text too: categories (三（三）, "退（抵）费"), the routing rules'
    basis (三（二）), the scoring rules' basis (五（四）), the departments' and divisions' duties."""
    from fengqiao.analytics.models import ScoringRule
    from fengqiao.cases.models import DisputeCategory, RoutingRule
    from fengqiao.org.models import Department, Division

    offenders = []
    for model, fields in (
        (DisputeCategory, ("name", "description")),
        (RoutingRule, ("basis",)),
        (ScoringRule, ("label", "basis")),
        (Department, ("name", "duties")),
        (Division, ("name", "duties")),
    ):
        for row in model.objects.all():
            for field in fields:
                if _bad(getattr(row, field)):
                    offenders.append(f"{model._meta.label}.{field}: {getattr(row, field)}")
    assert RoutingRule.objects.exists() and ScoringRule.objects.exists()
    assert offenders == []


@pytest.mark.parametrize(
    "migration",
    ["org.0004_full_width_parentheses", "cases.0014_full_width_parentheses", "analytics.0003_full_width_parentheses"],
)
def test_the_data_migrations_correct_rows_written_with_ascii_parentheses(migration) -> None:
    """Rows seeded before (or edited by an administrator) are corrected by the migrations;
    program text such as "(2024)" between Latin letters is left alone."""
    import importlib

    app, name = migration.split(".")
    full_width = importlib.import_module(f"fengqiao.{app}.migrations.{name}").full_width
    assert full_width("三(二)3、4：人社局；三(二)2：税务局") == "三（二）3、4：人社局；三（二）2：税务局"
    assert full_width("社会保险费退(抵)费模式") == "社会保险费退（抵）费模式"
    assert full_width("五(四)严格责任追究；四(八)移交") == "五（四）严格责任追究；四（八）移交"
    assert full_width("案件线索（四(八)）。") == "案件线索（四（八））。"
    assert full_width("GB/T 9704(2012) f(x)") == "GB/T 9704(2012) f(x)"


@pytest.mark.django_db
def test_the_data_migrations_fix_existing_rows() -> None:
    """Applied to rows as they were seeded before: each row reads full-width afterwards."""
    import importlib

    from django.apps import apps as registry

    from fengqiao.analytics.models import ScoringRule
    from fengqiao.cases.models import DisputeCategory

    DisputeCategory.objects.filter(code="07").update(
        description="用人单位或个人对社会保险费退(抵)费模式、流程、金额有争议的"
    )
    ScoringRule.objects.filter(code="overdue_task").update(basis="五(四)严格责任追究")
    importlib.import_module("fengqiao.cases.migrations.0014_full_width_parentheses").fix_rows(registry, None)
    importlib.import_module("fengqiao.analytics.migrations.0003_full_width_parentheses").fix_rows(registry, None)
    assert (
        DisputeCategory.objects.get(code="07").description
        == "用人单位或个人对社会保险费退（抵）费模式、流程、金额有争议的"
    )
    assert ScoringRule.objects.get(code="overdue_task").basis == "五（四）严格责任追究"
