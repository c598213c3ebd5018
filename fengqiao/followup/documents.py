"""The follow-up's form (四(四)): the 送达回证 of each delivery of the 处理意见书, issued by
``services.feedback_record`` (and by the payer's own electronic delivery). Imported by
``fengqiao.documents`` at start-up (its registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.documents.registry import DELIVERY_RECEIPT, DocumentType, SubjectKind, register
from fengqiao.followup import builders
from fengqiao.followup.models import Delivery


def _delivery_to_receipt(case: Case) -> bool:
    """The 送达回证 is issued once per delivery of the 处理意见书, by
    ``fengqiao.followup.services.feedback_record`` when it records the delivery (四(四))."""
    return Delivery.objects.filter(case=case, receipt_document__isnull=True).exists()


register(
    DocumentType(
        DELIVERY_RECEIPT,
        _("送达回证"),
        SubjectKind.CASE,
        builders.delivery_receipt,
        "{county}争送〔{year}〕{seq}号",
        applies=_delivery_to_receipt,
        once_per_case_version=False,
        # The recipient's address (or mobile number / mailbox) in plain text (五(三)).
        personal_data=True,
        # The payer's own electronic delivery (opening the decision online) issues it too.
        payer_issued=True,
        section="四(四)",
    ),
)
