"""Test helpers of 信息发布审批: a request, and one approved, for the dossier of a case."""

from __future__ import annotations

from typing import Any

from fengqiao.cases.models import Case
from fengqiao.org.models import Staff
from fengqiao.releases.models import ReleaseKind, ReleaseRequest
from fengqiao.releases.services import release_decide, release_request

REQUEST = {
    "description": "案卷归档包",
    "recipient_organisation": "奈曼旗人民法院",
    "recipient_person": "王法官",
    "purpose": "行政诉讼案件调卷",
    "legal_basis": "《中华人民共和国行政诉讼法》第三十九条",
}


def requested(actor: Staff, case: Case | None, *, kind: str = ReleaseKind.DOSSIER, **extra: Any) -> ReleaseRequest:
    return release_request(actor=actor, kind=kind, case=case, **{**REQUEST, **extra})


def approved(actor: Staff, approver: Staff, case: Case | None, **extra: Any) -> ReleaseRequest:
    release = requested(actor, case, **extra)
    return release_decide(release=release, actor=approver, approve=True, reason="同意提供。")
