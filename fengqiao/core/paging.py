"""Paging of long lists whose exact size is not worth counting.

A county with a million cases: counting every case a department may see costs more than
showing the page (``bench/README.md``, workbench list). The count stops at ``COUNT_CAP`` —
``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` — and the page says "10000+"; a user who wants to
go further filters the list, which the list offers anyway."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` is exact up to ``COUNT_CAP`` and ``COUNT_CAP + 1``
    beyond (``capped`` tells which); pages beyond the cap are not offered."""

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            if not object_list.query.is_sliced:
                object_list = object_list.order_by()  # no sort to count
            return int(object_list[: COUNT_CAP + 1].count())
        return min(len(object_list), COUNT_CAP + 1)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
