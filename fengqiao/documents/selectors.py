"""Reads of issued documents. A document is reached only through its case, and the case only
through ``fengqiao.cases.selectors.case_get_for``: a document of a case someone may not see
is a 404, exactly like one that does not exist."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from fengqiao.cases.models import Case
from fengqiao.cases.selectors import case_get_for
from fengqiao.cases.states import CaseState
from fengqiao.documents import permissions, registry
from fengqiao.documents.models import IssuedDocument
from fengqiao.org.models import Staff


def documents_of(*, case: Case) -> QuerySet[IssuedDocument]:
    """Every version of every document of ``case``, oldest first, each annotated with
    ``superseded`` (a newer version names it) — derived, never stored."""
    newer = IssuedDocument.objects.filter(replaces=OuterRef("pk"))
    return (
        IssuedDocument.objects.filter(case=case)
        .annotate(superseded=Exists(newer))
        .select_related("issued_by", "department", "replaces")
        .order_by("issued_at", "id")
    )


def documents_current(*, case: Case) -> QuerySet[IssuedDocument]:
    """The versions in force: those no correction has replaced."""
    return documents_of(case=case).filter(~Exists(IssuedDocument.objects.filter(replaces=OuterRef("pk"))))


def document_get_for(*, user: Staff, number: str, document_id: int) -> tuple[Case, IssuedDocument]:
    """One document of a case ``user`` may see, or 404."""
    case = case_get_for(user=user, number=number)
    try:
        return case, documents_of(case=case).get(pk=document_id)
    except IssuedDocument.DoesNotExist:
        raise Http404("no such document") from None


def issuable_types(*, user: Staff, case: Case) -> list[registry.DocumentType]:
    """The forms ``user`` may issue for ``case`` in its present state (for the case page);
    none once the case is archived (四(七): the dossier is sealed)."""
    if case.state == CaseState.ARCHIVED:
        return []
    return [
        t
        for t in registry.for_subject(registry.SubjectKind.CASE)
        # who may issue first: it reads no table for most forms, and a form the user may not
        # issue needs no look at whether it is due (each ``applies`` is a query)
        if permissions.may_issue(user, case, t) and t.applies(case)
    ]
