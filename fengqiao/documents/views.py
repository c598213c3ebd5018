"""Staff pages of a case's documents: issue one, download its DOCX or PDF.

The case comes through ``case_get_for`` (404 if the user may not see it); views parse input
with the form, call a service and redirect; they never save a model."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core.auth import request_staff
from fengqiao.documents import permissions, registry, selectors, services
from fengqiao.documents.fonts import FontMissing
from fengqiao.documents.forms import IssueForm
from fengqiao.org.models import Staff


def case_documents_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """What the case page's 文书 section shows: every version issued, whether each may be
    downloaded, and the forms ``user`` may issue now."""
    documents = list(selectors.documents_of(case=case))
    for document in documents:
        document.may_download = permissions.may_download(user, case, document)  # type: ignore[attr-defined]
    correctable = [
        d
        for d in documents
        if case.state != CaseState.ARCHIVED  # 四(七): a sealed dossier's documents stay as they were
        and not d.superseded  # type: ignore[attr-defined]
        and permissions.may_issue(user, case, registry.get(d.doc_type))
    ]
    return {
        "documents": documents,
        "issuable_types": selectors.issuable_types(user=user, case=case),
        "correctable_documents": correctable,
    }


@login_required
@require_POST
def document_issue(request: HttpRequest, number: str) -> HttpResponse:
    """出具文书 from the case page (a correction when ``replaces`` is given)."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    form = IssueForm(request.POST, case=case)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("case-detail", number=case.number)
    kind = registry.get(form.cleaned_data["doc_type"])
    if not permissions.may_issue(user, case, kind):
        raise PermissionDenied
    try:
        document = services.document_issue(
            doc_type=kind.code, case=case, actor=user, replaces=form.cleaned_data["replaces"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except FontMissing as exc:
        messages.error(request, str(exc))
    else:
        if document.existing:
            messages.info(request, _("本案件当前版本已出具%(doc)s，未重复出具。") % {"doc": document})
        else:
            messages.success(request, _("已为案件 %(n)s 出具%(doc)s。") % {"n": case.number, "doc": document})
    return redirect("case-detail", number=case.number)


@login_required
@require_GET
def document_download(request: HttpRequest, number: str, document_id: int, fmt: str) -> FileResponse:
    """Download (DOCX) or open for printing (PDF) one issued document."""
    user = request_staff(request)
    case, document = selectors.document_get_for(user=user, number=number, document_id=document_id)
    try:
        with trail.denials(Action.DOWNLOAD, actor=user, case=case, detail={"document": document.pk}):
            found = services.document_download(document=document, case=case, actor=user, fmt=fmt)
    except ValidationError:
        raise Http404("no such format") from None
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    response = FileResponse(
        handle, as_attachment=fmt == "docx", filename=found.filename, content_type=found.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
