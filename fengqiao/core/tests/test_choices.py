"""``get_<field>_display`` from the per-process table (``core.choices``) says what Django's own
would: every choice's label in the active language, and a value outside the choices as itself."""

from __future__ import annotations

from django.db.models import Model
from django.utils import translation

from fengqiao.cases.models import Attachment, Case, CaseDepartment, CaseEvent, CaseParty
from fengqiao.core.choices import ChoiceLabels


def test_every_label_is_django_s_own() -> None:
    for model in (Case, CaseEvent, CaseParty, CaseDepartment, Attachment):
        assert issubclass(model, ChoiceLabels)
        for field in model._meta.fields:
            if not field.choices:
                continue
            for value, label in field.flatchoices:
                row = model(**{field.attname: value})
                mine = getattr(row, f"get_{field.name}_display")()
                django_s = Model._get_FIELD_display(row, field)  # type: ignore[attr-defined]
                assert mine == django_s == str(label), (model.__name__, field.name, value)
            stray = model(**{field.attname: "not-a-choice"})
            assert getattr(stray, f"get_{field.name}_display")() == "not-a-choice"


def test_labels_follow_the_active_language() -> None:
    event = CaseEvent(kind="note")
    with translation.override("zh-hans"):
        assert event.get_kind_display() == "备注"
    with translation.override("en"):
        assert event.get_kind_display() == Model._get_FIELD_display(  # type: ignore[attr-defined]
            event, CaseEvent._meta.get_field("kind")
        )
