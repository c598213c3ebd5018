"""Reading the audit trail (三员分立): only the 审计管理员 reads it, and only the records of their
own county's chain and the system's (sign-ins of names that are no account, records outside
any county) — :func:`records_for` is the one way in.

Every filter is served by an index of ``audit_auditrecord`` (``at``; ``action, at``;
``actor_name, at``; ``case, at``), the newest first, so a page of the list reads its 50 rows
and a capped count whatever the number of records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from fengqiao.audit.models import Action, AuditRecord, Result, cases
from fengqiao.audit.services import SYSTEM_STREAM
from fengqiao.core.forms import parse_day

if TYPE_CHECKING:
    from fengqiao.org.models import Staff


@dataclass(frozen=True)
class AuditFilter:
    """The list's filters: a date range (days, both included), the account, what, the result,
    the case number."""

    date_from: date | None = None
    date_to: date | None = None
    account: str = ""
    action: str = ""
    result: str = ""
    case_number: str = ""

    @classmethod
    def parse(cls, params: Any) -> AuditFilter:
        """From query parameters (``from``, ``to``, ``account``, ``action``, ``result``,
        ``case``); a value that is not one of the choices is ignored, a date that does not
        parse is refused by :func:`filter_errors`."""
        action = str(params.get("action", ""))
        result = str(params.get("result", ""))
        return cls(
            date_from=parse_day(str(params.get("from", ""))),
            date_to=parse_day(str(params.get("to", ""))),
            account=str(params.get("account", "")).strip()[:150],
            action=action if action in Action.values else "",
            result=result if result in Result.values else "",
            case_number=str(params.get("case", "")).strip()[:64],
        )

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (the export link and the pager keep them)."""
        out = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "account": self.account,
            "action": self.action,
            "result": self.result,
            "case": self.case_number,
        }
        return {k: v for k, v in out.items() if v}

    def as_detail(self) -> dict[str, str]:
        """What an export of these filters is recorded with."""
        return self.as_query()


def filter_errors(params: Any) -> dict[str, list[str]]:
    """A date that does not parse, or a range that ends before it starts, named by its field."""
    errors: dict[str, list[str]] = {}
    for name in ("from", "to"):
        raw = str(params.get(name, "")).strip()
        if raw and parse_day(raw) is None:
            errors[name] = ["日期格式应为 YYYY-MM-DD。"]
    start, end = parse_day(str(params.get("from", ""))), parse_day(str(params.get("to", "")))
    if start and end and end < start:
        errors["to"] = ["结束日期不能早于开始日期。"]
    return errors


def may_read_audit(staff: Staff) -> bool:
    from fengqiao.org.permissions import may_read_audit as allowed

    return allowed(staff)


def streams_of(staff: Staff) -> list[int]:
    """The chains the auditor reads: their county's and the system's."""
    county = staff.department.jurisdiction_id if staff.department_id and staff.department else None
    return [SYSTEM_STREAM, int(county)] if county else [SYSTEM_STREAM]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def records_for(*, user: Staff, filters: AuditFilter | None = None) -> QuerySet[AuditRecord]:
    """The records ``user`` may read, filtered, newest first; anyone but the auditor is refused."""
    if not may_read_audit(user):
        raise PermissionDenied("只有审计管理员可以查阅审计记录。")
    f = filters or AuditFilter()
    qs = AuditRecord.objects.filter(stream__in=streams_of(user))
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.account:
        qs = qs.filter(actor_name=f.account)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.result:
        qs = qs.filter(result=f.result)
    if f.case_number:
        # The number's case (any county: the stream filter keeps the reader to their own), read
        # by the case's unique number, then the (case, at) index; a refused view of a number
        # that is no case is kept under the number itself.
        case_id = cases().filter(number=f.case_number).values_list("pk", flat=True).first()
        if case_id is not None:
            qs = qs.filter(case_id=case_id)
        else:
            qs = qs.filter(object_type="case", object_id=f.case_number)
    return qs.order_by("-at", "-id")


def record_get_for(*, user: Staff, pk: int) -> AuditRecord:
    from django.http import Http404

    found = records_for(user=user).select_related("case").filter(pk=pk).first()
    if found is None:
        raise Http404("no such record")
    return found


@dataclass(frozen=True)
class AuditorSummary:
    """What waits on the auditor (the workbench): failed sign-ins and lock-outs of the last
    24 hours, and the newest verification of the chain."""

    failed_sign_ins: int
    locked_out: int
    last_check: AuditRecord | None


def auditor_summary(*, user: Staff) -> AuditorSummary:
    """Two statements: the day's counts in one, the newest chain check in the other."""
    from django.db.models import Count, Q

    since = timezone.now() - timedelta(hours=24)
    day = AuditRecord.objects.filter(stream__in=streams_of(user), at__gte=since)
    counts = day.filter(action__in=[Action.SIGN_IN_FAILED, Action.LOCKED_OUT]).aggregate(
        failed=Count("pk", filter=Q(action=Action.SIGN_IN_FAILED)),
        locked=Count("pk", filter=Q(action=Action.LOCKED_OUT)),
    )
    last_check = AuditRecord.objects.filter(action=Action.CHAIN_CHECK).order_by("-at", "-id").first()
    return AuditorSummary(
        failed_sign_ins=int(counts["failed"] or 0), locked_out=int(counts["locked"] or 0), last_check=last_check
    )
