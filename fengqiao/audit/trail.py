"""What the audit trail records, and from where (五(三)(四), 等保 2.0 安全审计): sign-ins, failed
sign-ins and sign-outs, case views, reveals of personal data, downloads, exports and the
administrator's changes in the configuration admin — each through :func:`record`, never with
personal data in plain text (a case is named by its id and number, a field by its name).

The request a record comes from is the one being served (:class:`AuditRequestMiddleware`
keeps it for the duration of the request), so a service that records (a reveal, a download)
needs no request argument to know the client's address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from fengqiao.audit.models import Action, AuditRecord, CaseRef, Result, cases
from fengqiao.audit.services import record

_request: ContextVar[HttpRequest | None] = ContextVar("fengqiao_audit_request", default=None)


class AuditRequestMiddleware:
    """Keeps the request being served where :func:`note` finds it (the client's address of a
    record written deep in a service)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_request() -> HttpRequest | None:
    """The request being served, if any (None in a command or a background job)."""
    return _request.get()


def note(action: str, *, request: HttpRequest | None = None, **fields: Any) -> AuditRecord:
    """:func:`record` with the request being served when none is given."""
    return record(action, request=request or current_request(), **fields)


def _case_fields(case: CaseRef) -> dict[str, Any]:
    return {"case": case, "object_type": "case", "object_id": case.number}


def case_viewed(*, case: CaseRef, actor: Any, request: HttpRequest | None = None, via: str = "page") -> AuditRecord:
    """查看案件: one record per view of a case's page or its API detail (its htmx panels are
    parts of the page and record nothing of their own)."""
    return note(Action.CASE_VIEW, request=request, actor=actor, detail={"via": via}, **_case_fields(case))


@contextmanager
def case_view_guard(
    *, number: str, actor: Any, request: HttpRequest | None = None, via: str = "page"
) -> Iterator[None]:
    """A case the actor may not see answers 404 as if it did not exist; the trail records the
    attempt — denied when the case exists (tied to it, in its county's chain), failed when no
    case has the number. One statement more, on the refused path only."""
    try:
        yield
    except Http404:
        found = cases().filter(number=number[:64]).only("pk", "number", "jurisdiction_id").first()
        note(
            Action.CASE_VIEW,
            request=request,
            actor=actor,
            result=Result.DENIED if found is not None else Result.FAILED,
            case=found,
            object_type="case",
            object_id=number[:64],
            detail={"via": via},
        )
        raise


@contextmanager
def denials(action: str, *, actor: Any, case: CaseRef | None = None, **fields: Any) -> Iterator[None]:
    """Records a refused attempt (Django's or DRF's ``PermissionDenied``) with result denied, then lets the
    refusal go on. Used around a service whose own transaction rolls back with the refusal, so
    the record is written outside it."""
    from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

    try:
        yield
    except (PermissionDenied, ApiPermissionDenied) as exc:
        extra = dict(fields)
        if case is not None:
            extra = {**_case_fields(case), **extra}
        note(action, actor=actor, result=Result.DENIED, summary=str(exc)[:255] if str(exc) else "", **extra)
        raise


def revealed(*, case: CaseRef, actor: Any, fields: list[str], via: str, document: object = "") -> AuditRecord:
    """查看明文: personal data shown in plain text (the items by name, never their value); in
    the transaction of the reveal record and its timeline event."""
    detail: dict[str, Any] = {"fields": fields, "via": via}
    if document:
        detail["document"] = str(document)
    return note(Action.REVEAL, actor=actor, detail=detail, **_case_fields(case))


def downloaded(
    *,
    actor: Any,
    object_type: str,
    object_id: object,
    summary: str = "",
    case: CaseRef | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """下载: a document, an attachment or a report leaves the system as a file."""
    return note(
        Action.DOWNLOAD,
        actor=actor,
        case=case,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        detail=detail,
    )


def attachment_downloaded(*, case: CaseRef, actor: Any, attachment: Any) -> AuditRecord:
    """下载附件 of a case (the file's name is not kept: a name can hold a person's)."""
    return downloaded(
        actor=actor,
        case=case,
        object_type="attachment",
        object_id=attachment.pk,
        summary=f"下载案件{case.number}的附件",
        detail={"kind": str(getattr(attachment, "kind", ""))},
    )


def minutes_downloaded(*, actor: Any, document: Any, fmt: str) -> AuditRecord:
    """下载会议纪要 (a consultation's minutes, DOCX or PDF)."""
    return downloaded(
        actor=actor,
        object_type="minutes",
        object_id=document.pk,
        summary=f"下载{document.title}（{document.number}）",
        detail={"format": fmt},
    )


def exported(*, actor: Any, what: str, summary: str, detail: dict[str, Any] | None = None) -> AuditRecord:
    """导出: figures or records exported as a spreadsheet or a file (``what`` names the export)."""
    return note(Action.EXPORT, actor=actor, object_type="export", object_id=what, summary=summary, detail=detail)
