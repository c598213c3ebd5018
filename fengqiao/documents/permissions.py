"""Who may issue and download a case's documents. Seeing the case at all is decided by
``fengqiao.cases.selectors.case_get_for`` (404 otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases import permissions as case_permissions
from fengqiao.documents import registry

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.documents.models import IssuedDocument
    from fengqiao.org.models import Staff


def may_issue(staff: Staff, case: Case, doc_type: registry.DocumentType) -> bool:
    """The receiving department issues the case's documents (the first receiver, its clerks
    and head, and the group office — ``may_edit_intake``). A form that prints personal data
    in plain text also needs the right to reveal it (五(三))."""
    if not case_permissions.may_edit_intake(staff, case):
        # Someone an app lets issue the form: the department answering a referral issues the
        # decision notice of its feedback (四(八), ``fengqiao.referrals.documents``).
        return registry.issued_also_by(doc_type, staff, case)
    return not doc_type.personal_data or case_permissions.may_reveal(staff, case)


def may_download(staff: Staff, case: Case, document: IssuedDocument) -> bool:
    """Anyone who may see the case may download its documents, except those that print
    personal data in plain text: those only for people who may reveal it (the leader and
    deputies read cases masked, so they do not get the registration form)."""
    return not document.personal_data or case_permissions.may_reveal(staff, case)
