"""The referrals' forms (四(八)): the 报送单 of a referral and the 移交函 to the 纪委监委, each
issued once by its service; and the department answering a referral issues the 处理意见书 of
its feedback. Imported by ``fengqiao.documents`` at start-up (its registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.documents.registry import (
    DECISION_NOTICE,
    DISCIPLINE_TRANSFER_LETTER,
    REFERRAL_FORM,
    DocumentType,
    SubjectKind,
    issuer_add,
    register,
)
from fengqiao.referrals import builders
from fengqiao.referrals.models import DisciplineTransfer, Referral
from fengqiao.referrals.permissions import may_answer_case


def _referral_to_send(case: Case) -> bool:
    """The 报送单 is issued once, by ``fengqiao.referrals.services.referral_create``."""
    return Referral.objects.filter(case=case, form_document__isnull=True).exists()


def _transfer_to_letter(case: Case) -> bool:
    """The 移交函 is issued once, by ``fengqiao.referrals.services.discipline_transfer``."""
    return DisciplineTransfer.objects.filter(case=case, letter__isnull=True).exists()


register(
    DocumentType(
        REFERRAL_FORM,
        _("社会保险费征缴争议事项报送单"),
        SubjectKind.CASE,
        builders.referral_form,
        "{county}争报〔{year}〕{seq}号",
        applies=_referral_to_send,
        once_per_case_version=False,
        section="四(八)",
    ),
    DocumentType(
        DISCIPLINE_TRANSFER_LETTER,
        _("社会保险费征缴争议案件线索移交函"),
        SubjectKind.CASE,
        builders.transfer_letter,
        "{county}争移〔{year}〕{seq}号",
        applies=_transfer_to_letter,
        once_per_case_version=False,
        section="四(八)",
    ),
)

# 四(八): the department that signed for the case's referral answers it, and its feedback's
# decision notice is its own to issue.
issuer_add(DECISION_NOTICE, may_answer_case)
