"""``{% load paging %}`` — ``{{ n|capped }}`` shows a count capped by ``core.paging`` as
"10000+"."""

from __future__ import annotations

from django import template

from fengqiao.core import paging

register = template.Library()


@register.filter
def capped(value: int, cap: int | None = None) -> str:
    """``value`` as shown: "10000+" beyond ``core.paging.COUNT_CAP``, or beyond ``cap``
    (``{{ n|capped:999 }}``)."""
    limit = paging.COUNT_CAP if cap is None else cap
    return f"{limit}+" if value > limit else str(value)
