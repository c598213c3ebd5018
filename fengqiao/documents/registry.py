"""Every written form of the mechanism, as one table a reader can hold against the document.

A row (``DocumentType``) names the form's code and Chinese title, what it is about (its
subject: a case, or a consultation for the minutes), the function that gathers what the form
says (its context), the template file that lays it out, how it is numbered, when it may be
issued, and whether it carries personal data in plain text.

The documents app knows only the forms of a case's intake (登记表, 受理告知书, 告知书), which
need nothing but the case. Every other form belongs to the app whose records it is about, and
that app registers it in its own ``documents.py`` module, which ``DocumentsConfig.ready``
imports from every installed app (``autodiscover``, as the admin finds ``admin.py``):

- ``handling``: 处理意见书; ``meetings``: 会议纪要; ``referrals``: 报送单, 移交函 (and lets the
  department answering a referral issue the 处理意见书 of its feedback); ``followup``: 送达回证;
  ``archive``: 案卷封面, 卷内目录; ``portal``: the query code on the 受理告知书.

So this module imports no app above it, and a new app adds a form without touching it. Rows
are listed in the order they are registered: the intake forms here, then each app's in the
order of ``INSTALLED_APPS`` (the order of the mechanism's stages), which is the order the
case page and the API offer them in.

Templates live in ``templates/documents/forms/<code>.html`` of the app that registers the
form: a maintainer edits the wording there without touching Python (see
``fengqiao/documents/markup.py`` for the vocabulary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.documents import builders

if TYPE_CHECKING:
    from fengqiao.org.models import Staff


class SubjectKind(models.TextChoices):
    """What a document is about. A kind other than the case is the name of the
    ``IssuedDocument`` column that links the document to its subject, so a new kind comes with
    a new column (a migration of this app), not with a registration."""

    CASE = "case", _("案件")
    CONSULTATION = "consultation", _("会商")  # 会议纪要 (fengqiao.meetings)


@dataclass(frozen=True)
class Issue:
    """The issuing facts printed on a document: its number (文号), version and date. A draft
    (rendered without issuing) has no number."""

    number: str = ""
    version: int = 1
    issued_at: datetime | None = None
    replaces_number: str = ""
    replaces_version: int | None = None


@dataclass(frozen=True)
class DocumentType:
    code: str
    title: Any  # a lazy Chinese title
    subject: SubjectKind
    context: Callable[[Any, Issue], dict[str, Any]]
    number_pattern: str  # str.format with {county} (first character of its name), {code}, {year}, {seq}
    applies: Callable[[Any], bool] = lambda subject: True
    personal_data: bool = False  # prints ID number / phone / address in plain text
    in_dossier: bool = True  # listed in the 卷内目录
    # Issued once per version of its case: asking again (a double click, sixteen requests at
    # once) returns the document already issued. False for forms issued once per record (a
    # delivery's 送达回证), which their own service issues exactly once.
    once_per_case_version: bool = True
    # Issued by the payer's own act with no staff actor (``document_issue(actor=None)``): the
    # 送达回证 of the electronic delivery the payer took by opening the decision online.
    payer_issued: bool = False
    section: str = ""  # the seed document's section

    @property
    def template(self) -> str:
        return f"documents/forms/{self.code}.html"


# The codes of the forms, as stored in ``IssuedDocument.doc_type`` and ``DocumentNumbering``.
# Named here so callers and tests write ``registry.DELIVERY_RECEIPT``; the form behind each
# code is registered by the app named beside it. A new app names its own codes.
INTAKE_FORM = "intake_form"
RECEIPT_NOTICE = "receipt_notice"
INFORM_NOTICE = "inform_notice"
DECISION_NOTICE = "decision_notice"  # fengqiao.handling
MINUTES = "minutes"  # fengqiao.meetings
REFERRAL_FORM = "referral_form"  # fengqiao.referrals
DISCIPLINE_TRANSFER_LETTER = "discipline_transfer_letter"  # fengqiao.referrals
DELIVERY_RECEIPT = "delivery_receipt"  # fengqiao.followup
DOSSIER_COVER = "dossier_cover"  # fengqiao.archive
DOSSIER_CONTENTS = "dossier_contents"  # fengqiao.archive


REGISTRY: dict[str, DocumentType] = {}

ContextAddition = Callable[[Any, Issue], dict[str, Any]]
Issuer = Callable[["Staff", Case], bool]

_context_additions: dict[str, list[ContextAddition]] = {}
_issuers: dict[str, list[Issuer]] = {}


def register(*types: DocumentType) -> None:
    """Add forms to the registry (an app's ``documents.py`` calls this when it is imported).
    A code is registered once: a second, different form under the same code is a mistake."""
    for doc_type in types:
        known = REGISTRY.get(doc_type.code)
        if known is not None and known != doc_type:
            raise ImproperlyConfigured(f"document type {doc_type.code!r} is registered twice")
        REGISTRY[doc_type.code] = doc_type


def unregister(code: str) -> None:
    """Remove a form and what other apps added to it (for tests that register their own)."""
    REGISTRY.pop(code, None)
    _context_additions.pop(code, None)
    _issuers.pop(code, None)


def context_add(code: str, addition: ContextAddition) -> None:
    """An app adds what it knows to another app's form: ``addition(subject, issue)`` returns
    more entries of the form's context (the portal's query code on the 受理告知书)."""
    _context_additions.setdefault(code, []).append(addition)


def issuer_add(code: str, issuer: Issuer) -> None:
    """An app lets staff other than the case's receiving department issue a form:
    ``issuer(staff, case)`` says whether ``staff`` may (the department answering a referral
    issues the 处理意见书 of its feedback, 四(八))."""
    _issuers.setdefault(code, []).append(issuer)


def context(kind: DocumentType, subject: Any, issue: Issue) -> dict[str, Any]:
    """What the form says: its own builder's context and what other apps added to it."""
    found = kind.context(subject, issue)
    for addition in _context_additions.get(kind.code, ()):
        found = {**found, **addition(subject, issue)}
    return found


def issued_also_by(kind: DocumentType, staff: Staff, case: Case) -> bool:
    """Whether an app let ``staff`` issue ``kind`` for ``case`` (``issuer_add``)."""
    return any(issuer(staff, case) for issuer in _issuers.get(kind.code, ()))


def autodiscover() -> None:
    """Import the ``documents`` module of every installed app that has one, so each registers
    its forms (``DocumentsConfig.ready``)."""
    autodiscover_modules("documents")


def _not_informed(case: Case) -> bool:
    return case.intake_outcome != IntakeOutcome.INFORM and case.state != CaseState.MERGED


def _informed(case: Case) -> bool:
    return case.intake_outcome == IntakeOutcome.INFORM and case.informed_department_id is not None


register(
    DocumentType(
        INTAKE_FORM,
        _("社会保险费征缴争议受理登记表"),
        SubjectKind.CASE,
        builders.intake_form,
        "{county}争登〔{year}〕{seq}号",
        personal_data=True,
        section="四(一)",
    ),
    DocumentType(
        RECEIPT_NOTICE,
        _("社会保险费征缴争议受理告知书"),
        SubjectKind.CASE,
        builders.receipt_notice,
        "{county}争受告〔{year}〕{seq}号",
        applies=_not_informed,
        section="四(一)(二)",
    ),
    DocumentType(
        INFORM_NOTICE,
        _("社会保险费征缴争议事项告知书"),
        SubjectKind.CASE,
        builders.inform_notice,
        "{county}争告〔{year}〕{seq}号",
        applies=_informed,
        section="四(一)",
    ),
)


class UnknownDocumentType(KeyError):
    pass


def get(code: str) -> DocumentType:
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownDocumentType(code) from None


def for_subject(kind: SubjectKind) -> list[DocumentType]:
    return [t for t in REGISTRY.values() if t.subject == kind]
