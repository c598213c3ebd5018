"""Export for auditors (网络安全法 art. 21; 等保 2.0 安全审计): the filtered records as XLSX
(openpyxl, write-only) or CSV (UTF-8 with BOM, as Excel and WPS open it), each row a record as
kept — with its chain and sequence number, so an exported row can be found and verified."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from fengqiao.audit.models import AuditRecord

#: The most records one export holds: beyond, the auditor narrows the filters (a day, an
#: account, an action). A file of 100,000 rows is 6–8 MB as XLSX and written in seconds.
EXPORT_LIMIT = 100_000

HEADERS = [
    "时间",
    "账号",
    "事项",
    "结果",
    "来源地址",
    "案件编号",
    "对象类型",
    "对象",
    "摘要",
    "详情",
    "审计链",
    "序号",
]

#: The record's columns as exported (and as the API names them), in the order of ``HEADERS``.
COLUMNS = (
    "at",
    "actor_name",
    "action",
    "result",
    "ip",
    "case_number",
    "object_type",
    "object_id",
    "summary",
    "detail",
    "stream",
    "seq",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula is kept as text (a name tried at
    sign-in is typed by anyone)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_rows(qs: QuerySet[AuditRecord]) -> Iterator[list[Any]]:
    """The rows of ``qs`` (already filtered and ordered), read in chunks."""
    action_labels = dict(AuditRecord._meta.get_field("action").flatchoices)
    result_labels = dict(AuditRecord._meta.get_field("result").flatchoices)
    rows = qs.annotate(case_number=F("case__number")).values_list(*COLUMNS)
    for at, name, action, result, ip, number, otype, oid, summary, detail, stream, seq in rows.iterator(
        chunk_size=2000
    ):
        yield [
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            _cell(name),
            str(action_labels.get(action, action)),
            str(result_labels.get(result, result)),
            ip or "",
            number or "",
            otype,
            _cell(oid),
            _cell(summary),
            _cell(json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""),
            stream,
            seq,
        ]


def as_xlsx(rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计记录")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
