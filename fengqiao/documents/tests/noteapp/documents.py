"""A form of an app other than ``documents``, written the way every app writes its own: a
builder (facts only), a template under ``templates/documents/forms/<code>.html`` and this module,
which registers the form. An installed app's ``documents.py`` is imported at start-up
(``DocumentsConfig.ready``); the registry tests import this one and unregister it afterwards."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.documents.builders import case_common
from fengqiao.documents.registry import DocumentType, Issue, SubjectKind, register

HEARING_NOTE = "hearing_note"
HEARING_PLACE = "奈曼旗政务服务中心三楼调解室"


def hearing_note(case: Case, issue: Issue) -> dict[str, Any]:
    """听证通知书: where the payer is heard."""
    return {**case_common(case, issue), "place": HEARING_PLACE}


register(
    DocumentType(
        HEARING_NOTE,
        _("社会保险费征缴争议听证通知书"),
        SubjectKind.CASE,
        hearing_note,
        "{county}争听〔{year}〕{seq}号",
    ),
)
