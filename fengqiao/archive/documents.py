"""The archive's forms (四(七)): the 案卷封面 and 卷内目录, issued by ``services.dossier_seal``
while it seals the dossier. Imported by ``fengqiao.documents`` at start-up (its registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.archive import builders
from fengqiao.archive.selectors import sealing
from fengqiao.cases.models import Case
from fengqiao.documents.registry import DOSSIER_CONTENTS, DOSSIER_COVER, DocumentType, SubjectKind, register


def _sealing(case: Case) -> bool:
    """The 案卷封面 and 卷内目录 are issued by ``fengqiao.archive.services.dossier_seal`` while it
    seals the dossier (四(七)), never from the case page: a second original outside the dossier
    would be a cover of nothing."""
    return sealing.get() is not None


register(
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
)
