"""What the forms of 报送办理 say: the 报送单 and the 移交函 (四(八)). The wording is in
``templates/documents/forms/referral_form.html`` and ``discipline_transfer_letter.html``;
``documents.py`` registers the forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from fengqiao.cases.models import Case, EventKind
from fengqiao.core.identifiers import mask_mobile, mask_resident_id
from fengqiao.documents.builders import case_common
from fengqiao.org.models import Department, Role

if TYPE_CHECKING:
    from fengqiao.documents.registry import Issue

HOTLINE_DEPARTMENT = "gov_office"


def _hotline_office(case: Case) -> Department | None:
    """The 旗政府办 (its 12345 hotline office): the department of the county's hotline staff,
    or the government office by its Naiman code."""
    found = (
        Department.objects.filter(jurisdiction=case.jurisdiction, staff__roles__role=Role.HOTLINE_OFFICE)
        .distinct()
        .first()
    )
    return found or Department.objects.filter(jurisdiction=case.jurisdiction, code=HOTLINE_DEPARTMENT).first()


def _payer_masked(case: Case) -> dict[str, str]:
    payer = case.payer
    return {
        "name": payer.name,
        "id_number": mask_resident_id(payer.id_number) if payer.id_number else "",
        "credit_code": payer.credit_code,
        "phone": mask_mobile(payer.phone) if payer.phone else "",
    }


def referral_form(case: Case, issue: Issue) -> dict[str, Any]:
    """报送单: the matter, the payer (masked: 五(三) personal data stays with the receiving
    department), why responsibility is unclear, the receiving office, the date."""
    from fengqiao.referrals.models import Referral

    referral = Referral.objects.filter(case=case).first()
    return {
        **case_common(case, issue),
        "masked": _payer_masked(case),
        "reason": referral.reason if referral else case.classification_reason,
        "addressee": _hotline_office(case),
        "received_on": timezone.localdate(case.received_at),
    }


def transfer_letter(case: Case, issue: Issue) -> dict[str, Any]:
    """移交函: the case's facts, the timeline of the refusal (the referral events) and the list of
    the case's documents, to the 纪委监委."""
    from fengqiao.documents.models import IssuedDocument
    from fengqiao.referrals.models import DisciplineTransfer

    transfer = (
        DisciplineTransfer.objects.filter(case=case)
        .select_related("referral", "refusing_department")
        .order_by("-pk")
        .first()
    )
    events = [
        {"at": timezone.localtime(e.at), "summary": e.summary}
        for e in case.events.filter(kind=EventKind.REFERRAL).order_by("at", "id")
    ]
    documents = list(
        IssuedDocument.objects.filter(case=case).order_by("issued_at", "id").values("title", "number", "issued_at")
    )
    discipline = Department.objects.filter(jurisdiction=case.jurisdiction, code="discipline").first()
    return {
        **case_common(case, issue),
        "masked": _payer_masked(case),
        "transfer": transfer,
        "referral": transfer.referral if transfer else None,
        "events": events,
        "documents": [{**d, "issued_on": timezone.localdate(d["issued_at"])} for d in documents],
        "addressee": discipline,
    }
