"""Who requests and who decides an information release (五(三)).

- **Request**: whoever holds the information and works with it — a case's dossier package or
  documents: who may reveal the case's personal data (``cases.permissions.may_reveal``: the
  package and the forms hold it in plain text); a month's analysis: who may read the analysis
  (the rule analytics registers, :func:`requester_register`); other information: the group
  office.
- **Decide**: a member of staff of the request's county holding one of the county's approver
  roles (``ReleaseApprover``; by default 领导小组办公室 and 组长/副组长) — never the requester.
- **See** a request: its requester and the county's approvers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fengqiao.org.models import Role
from fengqiao.releases.models import APPROVER_ROLE_CHOICES, DEFAULT_APPROVER_ROLES, ReleaseApprover, ReleaseKind

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff
    from fengqiao.releases.models import ReleaseRequest

#: Every role that may be configured as an approver (a role test without a query).
APPROVER_CANDIDATES = frozenset(value for value, _label in APPROVER_ROLE_CHOICES)

#: Who may ask to release a kind of information an app above releases holds, registered by that
#: app in its ``AppConfig.ready()`` (analytics: a month's analysis, by who may read it).
_requesters: dict[str, Callable[[Staff], bool]] = {}


def requester_register(kind: str, may: Callable[[Staff], bool]) -> None:
    """``may(staff)``: a role test without a query, as the other kinds'."""
    _requesters[kind] = may


def approver_roles(county_id: int) -> frozenset[str]:
    """The roles that approve releases in the county: its configured rows, else the default."""
    configured = frozenset(ReleaseApprover.objects.filter(jurisdiction_id=county_id).values_list("role", flat=True))
    return configured or DEFAULT_APPROVER_ROLES


def may_approve_in(staff: Staff, county_id: int | None) -> bool:
    """Holds an approver role of ``county_id`` and works there."""
    if county_id is None or not staff.is_active or not staff.holds_any(APPROVER_CANDIDATES):
        return False
    county = staff.jurisdiction
    if county is None or county.pk != county_id:
        return False
    return staff.holds_any(approver_roles(county_id))


def may_decide(staff: Staff, release: ReleaseRequest) -> bool:
    """An approver of the request's county who did not ask for it (no self-approval)."""
    return release.requested_by_id != staff.pk and may_approve_in(staff, release.jurisdiction_id)


def may_request(staff: Staff, kind: str, case: Case | None) -> bool:
    """See the module's docstring. ``case`` is already fetched through ``case_get_for``."""
    from fengqiao.cases.permissions import may_reveal

    if not staff.is_active or staff.jurisdiction is None:
        return False
    if kind in (ReleaseKind.DOSSIER, ReleaseKind.DOCUMENTS):
        return case is not None and may_reveal(staff, case)
    if kind in _requesters:
        return _requesters[kind](staff)
    return staff.has_role(Role.GROUP_OFFICE)


def may_request_any(staff: Staff) -> bool:
    """Shows the 信息发布 link: someone who may ask for at least one kind."""
    return staff.is_active and (
        staff.has_role(Role.INTAKE_CLERK, Role.HANDLER, Role.DEPARTMENT_HEAD, Role.GROUP_OFFICE, Role.HOTLINE_OFFICE)
        or any(may(staff) for may in _requesters.values())
    )


def may_see(staff: Staff, release: ReleaseRequest) -> bool:
    return release.requested_by_id == staff.pk or may_approve_in(staff, release.jurisdiction_id)
