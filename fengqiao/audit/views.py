"""审计日志 — the auditor's pages (三员分立): the records filtered by date, account, action,
result and case number, newest first; one record in full; the filtered records exported as
XLSX or CSV, the export itself recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.audit import exports, selectors, trail
from fengqiao.audit.models import Action, Result
from fengqiao.core.auth import request_staff
from fengqiao.core.paging import CappedPaginator

PAGE_SIZE = 50
# Counted to 999 and paged within it ("999+"), as the case list: beyond, the auditor narrows
# the filters (a day, an account); the API pages further by cursor.
LIST_COUNT_CAP = 999


def _reader(request: HttpRequest) -> Any:
    user = request_staff(request)
    if not selectors.may_read_audit(user):
        raise PermissionDenied(_("只有审计管理员可以查阅审计记录。"))
    return user


def _query(filters: selectors.AuditFilter) -> str:
    query = QueryDict(mutable=True)
    query.update(filters.as_query())
    return query.urlencode()


@login_required
@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    """审计日志: the records the auditor reads, filtered, 50 a page, newest first."""
    user = _reader(request)
    errors = selectors.filter_errors(request.GET)
    filters = selectors.AuditFilter.parse(request.GET)
    qs = (
        selectors.records_for(user=user, filters=filters)
        .select_related("case")
        .only("id", "at", "actor_name", "action", "result", "ip", "object_type", "object_id", "summary", "case__number")
    )
    page = CappedPaginator(qs, PAGE_SIZE, cap=LIST_COUNT_CAP).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/record_list.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "query": _query(filters),
            "count_cap": LIST_COUNT_CAP,
            "actions": Action.choices,
            "results": Result.choices,
            "export_limit": exports.EXPORT_LIMIT,
        },
    )


@login_required
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One record in full, with its place in the chain."""
    user = _reader(request)
    found = selectors.record_get_for(user=user, pk=pk)
    return render(request, "audit/record_detail.html", {"entry": found, "detail_items": sorted(found.detail.items())})


@login_required
@require_GET
def record_export(request: HttpRequest) -> HttpResponse:
    """导出: the filtered records as XLSX (``format=xlsx``) or CSV (``format=csv``), at most
    ``EXPORT_LIMIT``; the export is recorded with its filters and its number of rows."""
    user = _reader(request)
    fmt = request.GET.get("format", "xlsx")
    filters = selectors.AuditFilter.parse(request.GET)
    back = f"{reverse('audit-records')}?{_query(filters)}"
    if fmt not in exports.CONTENT_TYPES:
        messages.error(request, _("导出格式只能是 xlsx 或 csv。"))
        return redirect(back)
    errors = selectors.filter_errors(request.GET)
    if errors:
        for texts in errors.values():
            for text in texts:
                messages.error(request, text)
        return redirect(back)
    qs = selectors.records_for(user=user, filters=filters)
    count = qs.order_by()[: exports.EXPORT_LIMIT + 1].count()
    if count > exports.EXPORT_LIMIT:
        messages.error(
            request,
            _("符合条件的审计记录超过 %(n)d 条，请缩小日期范围或增加筛选条件后再导出。") % {"n": exports.EXPORT_LIMIT},
        )
        return redirect(back)
    # Recorded before the file is made, so the export is in the trail it exports from.
    trail.exported(
        actor=user,
        what=f"audit_{fmt}",
        summary=_("导出审计记录（%(fmt)s，%(n)d条）") % {"fmt": fmt.upper(), "n": count},
        detail={"format": fmt, "rows": count, "filters": filters.as_detail()},
    )
    rows = exports.export_rows(qs)
    body = exports.as_xlsx(rows) if fmt == "xlsx" else exports.as_csv(rows)
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
