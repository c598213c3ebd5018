"""Every written form of the mechanism, as one table a reader can hold against the document.

A row names the form's code and Chinese title, what it is about (its subject: a case now; a
meeting, a referral or a month in later issues), the function that gathers what the form
says (its context), the template file that lays it out, how it is numbered, when it may be
issued, and whether it carries personal data in plain text. Later issues add their rows here.

Templates live in ``templates/documents/forms/<code>.html``: a maintainer edits the wording
there without touching Python (see ``fengqiao/documents/markup.py`` for the vocabulary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.documents import builders


class SubjectKind(models.TextChoices):
    """What a document is about."""

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
    section: str = ""  # the seed document's section

    @property
    def template(self) -> str:
        return f"documents/forms/{self.code}.html"


INTAKE_FORM = "intake_form"
RECEIPT_NOTICE = "receipt_notice"
INFORM_NOTICE = "inform_notice"
DOSSIER_COVER = "dossier_cover"
DOSSIER_CONTENTS = "dossier_contents"


MINUTES = "minutes"


def _minutes_context(consultation: Any, issue: Issue) -> dict[str, Any]:
    # Imported here: fengqiao.meetings imports the documents app, not the other way round.
    from fengqiao.meetings.builders import minutes

    return minutes(consultation, issue)


DECISION_NOTICE = "decision_notice"


def _decision_to_notify(case: Case) -> bool:
    """The 处理意见书 is issued once, by ``fengqiao.handling.services.decision_issue``, for the
    decision just issued; afterwards only corrections of it."""
    from fengqiao.handling.models import Decision, DecisionStatus

    return Decision.objects.filter(case=case, status=DecisionStatus.ISSUED, document__isnull=True).exists()


REFERRAL_FORM = "referral_form"
DISCIPLINE_TRANSFER_LETTER = "discipline_transfer_letter"


def _referral_form_context(case: Case, issue: Issue) -> dict[str, Any]:
    # Imported here: fengqiao.referrals imports the documents app, not the other way round.
    from fengqiao.referrals.builders import referral_form

    return referral_form(case, issue)


def _transfer_letter_context(case: Case, issue: Issue) -> dict[str, Any]:
    from fengqiao.referrals.builders import transfer_letter

    return transfer_letter(case, issue)


def _referral_to_send(case: Case) -> bool:
    """The 报送单 is issued once, by ``fengqiao.referrals.services.referral_create``."""
    from fengqiao.referrals.models import Referral

    return Referral.objects.filter(case=case, form_document__isnull=True).exists()


def _transfer_to_letter(case: Case) -> bool:
    """The 移交函 is issued once, by ``fengqiao.referrals.services.discipline_transfer``."""
    from fengqiao.referrals.models import DisciplineTransfer

    return DisciplineTransfer.objects.filter(case=case, letter__isnull=True).exists()


DELIVERY_RECEIPT = "delivery_receipt"


def _delivery_receipt_context(case: Case, issue: Issue) -> dict[str, Any]:
    # Imported here: fengqiao.followup imports the documents app, not the other way round.
    from fengqiao.followup.builders import delivery_receipt

    return delivery_receipt(case, issue)


def _delivery_to_receipt(case: Case) -> bool:
    """The 送达回证 is issued once per delivery of the 处理意见书, by
    ``fengqiao.followup.services.feedback_record`` when it records the delivery (四(四))."""
    from fengqiao.followup.models import Delivery

    return Delivery.objects.filter(case=case, receipt_document__isnull=True).exists()


def _sealing(case: Case) -> bool:
    """The 案卷封面 and 卷内目录 are issued by ``fengqiao.archive.services.dossier_seal`` while it
    seals the dossier (四(七)), never from the case page: a second original outside the dossier
    would be a cover of nothing."""
    from fengqiao.archive.selectors import sealing

    return sealing.get() is not None


def _not_informed(case: Case) -> bool:
    return case.intake_outcome != IntakeOutcome.INFORM and case.state != CaseState.MERGED


def _informed(case: Case) -> bool:
    return case.intake_outcome == IntakeOutcome.INFORM and case.informed_department_id is not None


REGISTRY: dict[str, DocumentType] = {
    t.code: t
    for t in [
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
        DocumentType(
            DECISION_NOTICE,
            _("社会保险费征缴争议处理意见书"),
            SubjectKind.CASE,
            builders.decision_notice,
            "{county}争处〔{year}〕{seq}号",
            applies=_decision_to_notify,
            once_per_case_version=False,
            section="四(三)1 3)、四(三)2 3)",
        ),
        DocumentType(
            REFERRAL_FORM,
            _("社会保险费征缴争议事项报送单"),
            SubjectKind.CASE,
            _referral_form_context,
            "{county}争报〔{year}〕{seq}号",
            applies=_referral_to_send,
            once_per_case_version=False,
            section="四(八)",
        ),
        DocumentType(
            DISCIPLINE_TRANSFER_LETTER,
            _("社会保险费征缴争议案件线索移交函"),
            SubjectKind.CASE,
            _transfer_letter_context,
            "{county}争移〔{year}〕{seq}号",
            applies=_transfer_to_letter,
            once_per_case_version=False,
            section="四(八)",
        ),
        DocumentType(
            DELIVERY_RECEIPT,
            _("送达回证"),
            SubjectKind.CASE,
            _delivery_receipt_context,
            "{county}争送〔{year}〕{seq}号",
            applies=_delivery_to_receipt,
            once_per_case_version=False,
            # The recipient's address (or mobile number / mailbox) in plain text (五(三)).
            personal_data=True,
            section="四(四)",
        ),
        DocumentType(
            DOSSIER_COVER,
            _("案卷封面"),
            SubjectKind.CASE,
            builders.dossier_cover,
            "{county}争卷〔{year}〕{seq}号",
            applies=_sealing,
            in_dossier=False,
            section="四(七)",
        ),
        DocumentType(
            DOSSIER_CONTENTS,
            _("卷内目录"),
            SubjectKind.CASE,
            builders.dossier_contents,
            "{county}争卷目〔{year}〕{seq}号",
            applies=_sealing,
            in_dossier=False,
            section="四(七)",
        ),
        DocumentType(
            MINUTES,
            _("社会保险费征缴争议会商会议纪要"),
            SubjectKind.CONSULTATION,
            _minutes_context,
            "{county}争会纪〔{year}〕{seq}号",
            section="四(三)3",
        ),
    ]
}


class UnknownDocumentType(KeyError):
    pass


def get(code: str) -> DocumentType:
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownDocumentType(code) from None


def for_subject(kind: SubjectKind) -> list[DocumentType]:
    return [t for t in REGISTRY.values() if t.subject == kind]
