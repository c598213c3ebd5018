"""Who may seal and export a case's dossier. Seeing the case (and so its dossier, its archive
number and its verification) is decided by ``fengqiao.cases.selectors.case_get_for``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.cases import permissions as case_permissions

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff


def may_seal(staff: Staff, case: Case) -> bool:
    """案卷归档 is done by the receiving department (the first receiver, its clerks and head)
    or the group office — ``may_review``, as for the ``archive`` step of the workflow."""
    return case_permissions.may_review(staff, case)


def may_export(staff: Staff, case: Case) -> bool:
    """The export package holds the registration form with personal data in plain text: only
    those who may reveal it, and each export is recorded (五(三))."""
    return case_permissions.may_reveal(staff, case)
