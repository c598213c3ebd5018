"""Read-only questions about feedback, follow-up and remedies."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.followup.models import Delivery, Remedy, RemedyOutcome, RemedyStatus, Visit


def archive_blocker(case: Case) -> str | None:
    """Why ``case`` cannot be archived yet, or None when it is ready (四(七)).

    Ready: an informed case; a case in follow-up whose latest done visit records no objection;
    a case in remedy tracking whose remedies have all ended and none changed the decision."""
    if case.state == CaseState.INFORMED:
        return None
    if case.state == CaseState.FOLLOWING_UP:
        visit = Visit.objects.filter(case_id=case.pk, done_at__isnull=False).order_by("-done_at", "-id").first()
        if visit is None:
            return _("尚未完成跟踪回访")
        if visit.objects_to_decision:
            return _("缴费人对处理意见有异议，须记录其救济途径")
        return None
    if case.state == CaseState.REMEDY_TRACKING:
        remedies = list(Remedy.objects.filter(case_id=case.pk))
        if not remedies:
            return _("缴费人有异议，尚未记录其救济途径")
        if any(r.status != RemedyStatus.ENDED for r in remedies):
            return _("救济途径尚未终结")
        if any(r.outcome == RemedyOutcome.CHANGED for r in remedies):
            return _("救济结果变更了处理意见，须重新办理")
        return None
    if case.state == CaseState.ARCHIVED:
        return _("案件已归档")
    return _("案件当前状态“%(state)s”不能归档") % {"state": CaseState(case.state).label}


def remedies_to_follow_up(today: date) -> QuerySet[Remedy]:
    """Pending remedies whose next check is due on or before ``today`` (for a reminder job)."""
    return (
        Remedy.objects.filter(status=RemedyStatus.PENDING, next_check_on__lte=today)
        .select_related("case")
        .order_by("next_check_on", "id")
    )


def deliveries_of(case: Case) -> QuerySet[Delivery]:
    return Delivery.objects.filter(case_id=case.pk).select_related("recorded_by").order_by("delivered_at", "id")


def visits_of(case: Case) -> QuerySet[Visit]:
    return Visit.objects.filter(case_id=case.pk).select_related("by").order_by("scheduled_on", "id")


def remedies_of(case: Case) -> QuerySet[Remedy]:
    return Remedy.objects.filter(case_id=case.pk).select_related("previous").order_by("filed_on", "id")
