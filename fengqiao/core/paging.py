"""Paging of long lists whose exact size is not worth counting.

A county with a million cases: counting every case a department may see costs more than
showing the page (``bench/README.md``, workbench list). The count stops at ``COUNT_CAP`` —
``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` — and the page says "10000+"; a user who wants to
go further filters the list, which the list offers anyway."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

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


class CappedPageNumberPagination(PageNumberPagination):
    """The API's paging (``DEFAULT_PAGINATION_CLASS``): DRF's page numbers over a
    ``CappedPaginator``. ``count`` is exact up to ``COUNT_CAP``; beyond, it is ``COUNT_CAP + 1``
    with ``count_capped: true`` and the pages stop there — narrow the query with its filters."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped  # type: ignore[union-attr]
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["description"] = f"结果总数，超过{COUNT_CAP}时为{COUNT_CAP + 1}"
        paged["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"结果超过{COUNT_CAP}条：count 不再精确，请用筛选条件缩小范围",
        }
        paged["required"] = [*paged["required"], "count_capped"]
        return paged
