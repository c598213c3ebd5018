"""What the payer pages add to the case's forms: the 受理告知书 tells the payer the query code
and where to use it (可凭案件编号查询办理进度). Imported by ``fengqiao.documents`` at start-up
(its registry)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from fengqiao.cases.models import Case
from fengqiao.documents.registry import RECEIPT_NOTICE, Issue, context_add
from fengqiao.portal.services import query_code_of


def _lookup(case: Case, issue: Issue) -> dict[str, Any]:
    return {"query_code": query_code_of(case), "portal_url": settings.FENGQIAO_PORTAL_URL}


context_add(RECEIPT_NOTICE, _lookup)
