"""The meetings' form (四(三)3): the 会议纪要 of a consultation, issued by
``services.minutes_issue``. Imported by ``fengqiao.documents`` at start-up (its registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.documents.registry import MINUTES, DocumentType, SubjectKind, register
from fengqiao.meetings import builders

register(
    DocumentType(
        MINUTES,
        _("社会保险费征缴争议会商会议纪要"),
        SubjectKind.CONSULTATION,
        builders.minutes,
        "{county}争会纪〔{year}〕{seq}号",
        section="四(三)3",
    ),
)
