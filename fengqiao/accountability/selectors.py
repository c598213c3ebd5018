"""Every read of accountability records that depends on who is asking (CONVENTIONS 3).

A record someone may not see and one that does not exist give the same 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from fengqiao.accountability import permissions
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.org.models import Staff


def records_visible_to(user: Staff) -> QuerySet[AccountabilityRecord]:
    """The records ``user`` may read: every record of the county for the group office, the
    leader, the deputies and the 纪委监委 liaison; those naming the department for its head;
    none for anyone else."""
    county = user.jurisdiction if user.is_active else None
    if county is None:
        return AccountabilityRecord.objects.none()
    qs = AccountabilityRecord.objects.filter(jurisdiction_id=county.pk)
    if user.has_role(*permissions.COUNTY_WIDE_ROLES):
        return qs
    if user.department_id is not None and user.has_role(*permissions.DEPARTMENT_ROLES):
        return qs.filter(department_id=user.department_id)
    return AccountabilityRecord.objects.none()


@dataclass(frozen=True)
class RecordFilter:
    """The list's filters; blank means any."""

    status: str = ""
    failure: str = ""
    department: str = ""  # a department code
    month: str = ""  # YYYY-MM of the proposal

    @classmethod
    def of(cls, params: dict[str, str]) -> RecordFilter:
        status = params.get("status", "")
        failure = params.get("failure", "")
        month = params.get("month", "").strip()
        return cls(
            status=status if status in RecordStatus.values else "",
            failure=failure if failure in Failure.values else "",
            department=params.get("department", "").strip()[:32],
            month=month if _month(month) else "",
        )


def _month(text: str) -> tuple[int, int] | None:
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        return None
    return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def record_list_for(*, user: Staff, filters: RecordFilter | None = None) -> QuerySet[AccountabilityRecord]:
    """The list page and the API list: the records ``user`` may read, filtered, newest first,
    with what a row shows fetched up front (the query count does not grow with the rows)."""
    from fengqiao.core.calendar import month_bounds

    qs = records_visible_to(user)
    f = filters or RecordFilter()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.failure:
        qs = qs.filter(failure=f.failure)
    if f.department:
        qs = qs.filter(department__code=f.department)
    ym = _month(f.month) if f.month else None
    if ym is not None:
        start, end = month_bounds(*ym)
        qs = qs.filter(proposed_at__gte=start, proposed_at__lt=end)
    return qs.select_related("department", "person", "case", "item", "decided_by").order_by("-proposed_at", "-id")


def record_get_for(*, user: Staff, pk: int, for_update: bool = False) -> AccountabilityRecord:
    """One record ``user`` may read, or 404 as if it did not exist."""
    qs = records_visible_to(user).select_related(
        "jurisdiction", "department", "person", "case", "item", "proposed_by", "decided_by"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except AccountabilityRecord.DoesNotExist:
        raise Http404("no such record") from None


def proposals_awaiting(user: Staff) -> QuerySet[AccountabilityRecord]:
    """The proposals of the county waiting for the group office's decision (the to-do list)."""
    county = user.jurisdiction
    if county is None or not permissions.may_decide(user, county.pk):
        return AccountabilityRecord.objects.none()
    return (
        AccountabilityRecord.objects.filter(jurisdiction_id=county.pk, status=RecordStatus.PROPOSED)
        .select_related("department", "case")
        .order_by("proposed_at", "id")
    )
