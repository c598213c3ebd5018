"""Paging of long lists whose exact size is not worth counting.

A county with a million cases: counting every case a department may see costs more than
showing the page (``bench/README.md``, workbench list). The count stops at ``COUNT_CAP`` —
``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` — and the page says "10000+"; a user who wants to
go further filters the list, which the list offers anyway."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` is exact up to ``cap`` (``COUNT_CAP`` unless given) and
    ``cap + 1`` beyond (``capped`` tells which); pages beyond the cap are not offered, so the
    deepest page's OFFSET is bounded by the cap too."""

    def __init__(self, *args: Any, cap: int | None = None, count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        if count is not None:  # counted already, e.g. beside other counts by ``capped_counts``
            self.__dict__["count"] = min(count, self.cap + 1)

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            if not object_list.query.is_sliced:
                object_list = object_list.order_by()  # no sort to count
            return int(object_list[: self.cap + 1].count())
        return min(len(object_list), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def capped_counts(
    querysets: Mapping[str, QuerySet[Any]],
    cap: int = COUNT_CAP,
    *,
    exact: Mapping[str, QuerySet[Any]] | None = None,
) -> dict[str, int]:
    """Several capped counts in one statement, ``SELECT (SELECT COUNT(*) FROM (… LIMIT cap + 1)),
    (…)``: each reads at most ``cap + 1`` rows through its own index, as ``CappedPaginator``
    does, and the page pays one round trip instead of one per count (the case list's four tabs
    and its own count: five statements, 1–4 ms each on PostgreSQL here, before the reading).
    ``exact`` are counted whole in the same statement (numbers a page shows as they are, as
    the staff home's 结果反馈与回访 tiles). A queryset that can match nothing (``none()``) is 0
    without being sent."""
    exact = exact or {}
    counts = dict.fromkeys([*querysets, *exact], 0)
    parts: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    using = ""
    for name, qs in [*querysets.items(), *exact.items()]:
        if qs.query.is_sliced:
            limited = qs.values("pk")
        else:
            limited = (qs.order_by() if name in exact else qs.order_by()[: cap + 1]).values("pk")
        try:
            sql, more = limited.query.get_compiler(using=limited.db).as_sql()
        except EmptyResultSet:
            continue
        using = limited.db
        # the compiler's own SQL with its parameters kept apart; nothing typed by a user is joined in
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted{len(names)})")  # noqa: S608
        params.extend(more)
        names.append(name)
    if names:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        counts.update({name: int(n) for name, n in zip(names, row, strict=True)})
    return counts


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


def keyset_after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """The rows after ``values`` in ``ordering`` (``["-received_at", "-id"]``), written so an
    index on the first field bounds the scan: ``received_at <= r AND (received_at < r OR id < i)``
    — the OR alone would be read row by row from the start."""
    desc = ordering[0].startswith("-")
    name = ordering[0].lstrip("-")
    strictly = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[0]})
    if len(ordering) == 1:
        return strictly
    bound = Q(**{f"{name}__{'lte' if desc else 'gte'}": values[0]})
    return bound & (strictly | keyset_after(ordering[1:], values[1:]))


class KeysetPagination(BasePagination):
    """Keyset ("cursor") paging for a list whose queryset is ordered by plain fields ending in
    the primary key: ``next`` carries the last row's values, and the next page is the rows after
    them — ``WHERE received_at <= … AND (… OR id < …) ORDER BY … LIMIT n``, as cheap on page 200
    as on page 1, where ``OFFSET 9950`` read and dropped 9,950 rows (77–660 ms at 100,000 cases).
    Forward only: there is no page number and no ``previous`` (a client that goes back keeps the
    cursors it came through). ``count`` is capped as in ``CappedPaginator``. A cursor made for
    another order or altered is refused with 400 naming ``cursor`` (views sharing an order —
    due_soon and overdue — share cursors: a cursor only says "after this row", always within the
    reader's own scope and filter)."""

    page_size = int(api_settings.PAGE_SIZE or 50)
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        ordering = [str(o) for o in queryset.query.order_by]
        if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
            raise ImproperlyConfigured("KeysetPagination needs a queryset ordered by fields ending in the primary key")
        self.request = request
        self.ordering = ordering
        self.count = int(queryset.order_by()[: COUNT_CAP + 1].count())
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            queryset = queryset.filter(keyset_after(ordering, self._decode(raw, queryset.model)))
        rows = list(queryset[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.rows = rows[: self.page_size]
        return self.rows

    def _decode(self, raw: str, model: Any) -> list[Any]:
        invalid = ValidationError({self.cursor_query_param: [_("翻页游标无效，请从第一页重新开始。")]})
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            if payload["o"] != self.ordering or len(payload["v"]) != len(self.ordering):
                raise invalid
            values = []
            for name, value in zip(self.ordering, payload["v"], strict=True):
                field = model._meta.pk if name.lstrip("-") == "pk" else model._meta.get_field(name.lstrip("-"))
                parsed = field.to_python(value)
                if parsed is None:
                    raise invalid
                values.append(parsed)
        except (ValueError, TypeError, KeyError, DjangoValidationError, UnicodeEncodeError) as exc:
            raise invalid from exc
        return values

    def _encode(self, row: Any) -> str:
        values = []
        for name in self.ordering:
            value = getattr(row, "pk" if name.lstrip("-") == "pk" else name.lstrip("-"))
            values.append(value.isoformat() if isinstance(value, date) else value)
        raw = json.dumps({"o": self.ordering, "v": values}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.rows:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(self.rows[-1]))

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_capped": self.count > COUNT_CAP,
                "next": self.get_next_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_capped", "results"],
            "properties": {
                "count": {"type": "integer", "description": f"结果总数，超过{COUNT_CAP}时为{COUNT_CAP + 1}"},
                "count_capped": {
                    "type": "boolean",
                    "description": f"结果超过{COUNT_CAP}条：count 不再精确，请用筛选条件缩小范围",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "下一页（按游标翻页，末页为 null）",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "翻页游标：取自上一页的 next，不要自行构造",
                "schema": {"type": "string"},
            }
        ]
