"""Reads of information releases, scoped to the reader (a request one may not see is a 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from fengqiao.org.models import Department
from fengqiao.releases import permissions
from fengqiao.releases.models import DEFAULT_APPROVER_ROLES, ReleaseApprover, ReleaseRequest, ReleaseState

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff

_ROWS = ("case", "requested_by", "decided_by")


def mine(*, user: Staff) -> QuerySet[ReleaseRequest]:
    """The requester's own requests, newest first."""
    return (
        ReleaseRequest.objects.filter(requested_by_id=user.pk).select_related(*_ROWS).order_by("-requested_at", "-id")
    )


def queue(*, user: Staff) -> QuerySet[ReleaseRequest]:
    """The approvers' queue: pending requests of the user's county that the user may decide —
    one statement, the county's approver roles read inside it (configured rows, or the
    default when the county has none); the user's own requests are not in it."""
    roles = user.role_set & permissions.APPROVER_CANDIDATES
    if not user.department_id or not user.is_active or not roles:
        return ReleaseRequest.objects.none()
    # The user's county inside the statement (no read of the department and its county first).
    county = Subquery(Department.objects.filter(pk=user.department_id).values("jurisdiction_id")[:1])
    configured = ReleaseApprover.objects.filter(jurisdiction_id=OuterRef("jurisdiction_id"))
    allowed = Q(Exists(configured.filter(role__in=roles)))
    if roles & DEFAULT_APPROVER_ROLES:
        allowed |= ~Q(Exists(configured))
    return (
        ReleaseRequest.objects.filter(jurisdiction_id=county, state=ReleaseState.PENDING)
        .exclude(requested_by_id=user.pk)
        .filter(allowed)
        .select_related(*_ROWS)
        .order_by("requested_at", "id")
    )


def release_get_for(*, user: Staff, pk: int) -> ReleaseRequest:
    """One request the user may see (its requester, the county's approvers); else 404."""
    release = ReleaseRequest.objects.select_related("jurisdiction", *_ROWS).filter(pk=pk).first()
    if release is None or not permissions.may_see(user, release):
        raise Http404("no such release request")
    return release


def usable_for(*, user: Staff, kind: str, case: Case | None) -> ReleaseRequest | None:
    """The user's approved, unexpired request of ``kind`` for ``case`` with a use left (the one
    expiring first), or None."""
    found = (
        ReleaseRequest.objects.filter(
            requested_by_id=user.pk,
            kind=kind,
            case=case,
            state=ReleaseState.APPROVED,
            expires_at__gt=timezone.now(),
            used__lt=F("uses"),
        )
        .order_by("expires_at", "id")
        .first()
    )
    return found if found is not None and found.usable else None
