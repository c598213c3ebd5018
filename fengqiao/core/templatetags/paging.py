"""``{% load paging %}`` — ``{{ n|capped }}`` shows a count capped by ``core.paging`` as
"10000+"."""

from __future__ import annotations

from django import template

from fengqiao.core import paging

register = template.Library()


@register.filter
def capped(value: int) -> str:
    return f"{paging.COUNT_CAP}+" if value > paging.COUNT_CAP else str(value)
