"""The handling's form: the 处理意见书 of the case's decision (四(三)1 3), 四(三)2 3)), issued
by ``services.decision_issue``. Imported by ``fengqiao.documents`` at start-up (its registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.documents.registry import DECISION_NOTICE, DocumentType, SubjectKind, register
from fengqiao.handling import builders
from fengqiao.handling.models import Decision, DecisionStatus


def _decision_to_notify(case: Case) -> bool:
    """The 处理意见书 is issued once, by ``fengqiao.handling.services.decision_issue``, for the
    decision just issued; afterwards only corrections of it."""
    return Decision.objects.filter(case=case, status=DecisionStatus.ISSUED, document__isnull=True).exists()


register(
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
)
