"""Choice labels (``get_<field>_display``) read from a table kept per process and language.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on every
call, and hashing a lazy label translates it: a field of 28 choices translates 28 labels each
time one row shows its label. The case page's timeline of 50 events did that ~1,400 times per
request (issue 12 §2, whole pages at a million cases). A field's choices are fixed in the code,
so their labels in one language are read once per process."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.translation import get_language


@cache
def labels_of(field: models.Field[Any, Any], language: str | None) -> dict[Any, str]:
    """``{value: label}`` of ``field``'s choices in ``language`` (the active one when built)."""
    return {value: str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """Model mixin (before ``models.Model`` in the bases): every ``get_<field>_display()`` of
    the model reads its label from ``labels_of``; a value outside the choices shows itself,
    as Django's does."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        try:
            return labels_of(field, get_language())[value]
        except (KeyError, TypeError):  # not a choice, or unhashable: Django's own answer
            return super()._get_FIELD_display(field)  # type: ignore[misc]
