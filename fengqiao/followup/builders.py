"""What the 送达回证 of 结果反馈 (四(四)) says. The wording is in
``templates/documents/forms/delivery_receipt.html``; ``documents.py`` registers the form.

四(四): 受理部门负责综合各联办单位的意见，将处理意见以书面形式告知缴费人. Each delivery of the
处理意见书 — to the payer, and to the other party of the dispute — is proved by a 送达回证 the
party signs (or, for 电子送达, by the record of where it was sent)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case
from fengqiao.documents.builders import case_common
from fengqiao.followup.models import Delivery, DeliveryMethod, Recipient

if TYPE_CHECKING:
    from fengqiao.documents.registry import Issue

# 电子送达: the notice went to a mailbox, a mobile number or the online service hall.
ELECTRONIC_METHODS = frozenset({DeliveryMethod.EMAIL, DeliveryMethod.SMS, DeliveryMethod.ONLINE})

DECISION_NOTICE_TITLE = "社会保险费征缴争议处理意见书"


def delivery_for_receipt(case: Case, issue: Issue | None = None) -> Delivery | None:
    """The delivery a 送达回证 of ``case`` is about: for a correction, the delivery whose receipt
    carries the corrected number; otherwise the newest delivery without a receipt yet (the one
    ``feedback_record`` has just recorded). None for a blank form (a preview)."""
    deliveries = Delivery.objects.filter(case_id=case.pk).select_related(
        "decision__document", "recorded_by", "receipt_document"
    )
    if issue is not None and issue.replaces_number:
        found = deliveries.filter(receipt_document__number=issue.replaces_number).order_by("-pk").first()
        if found is not None:
            return found
    return deliveries.filter(receipt_document__isnull=True).order_by("-pk").first()


def _recipient_name(case: Case, delivery: Delivery) -> str:
    if delivery.recipient_name:
        return delivery.recipient_name
    party = case.other_party if delivery.recipient == Recipient.OTHER_PARTY else case.payer
    return party.name if party is not None else ""


def delivery_receipt(case: Case, issue: Issue) -> dict[str, Any]:
    """送达回证: 送达文书名称及文号 (the 处理意见书 and its number), 受送达人, 送达地点, 送达方式,
    送达时间, 送达人, the blanks for the recipient's signature or seal and for a 代收人, and 备注
    (电子送达: where it was sent; a postal tracking number). The address is printed in full: it is
    what the receipt proves (五(三): the form is marked as carrying personal data)."""
    delivery = delivery_for_receipt(case, issue)
    context: dict[str, Any] = {**case_common(case, issue), "delivery": delivery}
    if delivery is None:
        return {
            **context,
            "document_title": DECISION_NOTICE_TITLE,
            "document_number": "",
            "recipient_name": "",
            "electronic": False,
        }
    document = delivery.decision.document
    recorder = delivery.recorded_by
    delivered_at: datetime = timezone.localtime(delivery.delivered_at)
    return {
        **context,
        "document_title": document.title if document is not None else DECISION_NOTICE_TITLE,
        "document_number": document.number if document is not None else "",
        "recipient_name": _recipient_name(case, delivery),
        "recipient_role": delivery.get_recipient_display(),
        "method": delivery.get_method_display(),
        "address": delivery.address,
        "delivered_at": delivered_at,
        # 送达人: the staff who delivered it; the payer's own electronic delivery names the
        # department that put the decision online (services.feedback_record_by_payer).
        "server": (recorder.name or recorder.username)
        if recorder is not None
        else _("%(d)s（网上送达）") % {"d": case.receiving_department.name},
        "electronic": delivery.method in ELECTRONIC_METHODS,
        "reference": delivery.receipt_reference,
        "is_post": delivery.method == DeliveryMethod.POST,
        "notes": [line.strip() for line in delivery.notes.splitlines() if line.strip()],
    }
