"""Every read of consultations that depends on who is asking (CONVENTIONS 3).

A consultation someone may not see and one that does not exist give the same 404."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case as Case_
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState
from fengqiao.meetings import permissions
from fengqiao.meetings.models import Attendee, Consultation, ConsultationStatus, Resolution
from fengqiao.org.models import Staff


def minutes_issued_of(case: Case | OuterRef) -> QuerySet[Consultation]:
    """The consultations covering ``case`` (a case, or ``OuterRef`` to one inside a filter on
    cases) whose minutes (会议纪要) are issued: the one definition behind the decide step's guard
    (``minutes_issued_for``) and the to-do list's 出具处理意见书 (``handling.todo``)."""
    return Consultation.objects.filter(status=ConsultationStatus.MINUTES_ISSUED).filter(Q(cases=case))


def minutes_issued_for(case: Case) -> bool:
    """True when a consultation covering ``case`` has issued its minutes (会议纪要) — the
    major-matter decision follows the minutes (四(三)2 3))."""
    return minutes_issued_of(case).exists()


def minutes_before_decision(case: Case, data: dict[str, Any]) -> str | None:
    """The decide step's guard (``cases.workflow``, added in ``MeetingsConfig.ready``): 四(三)2 3)
    经小组会商后形成会议纪要 — a major matter's decision follows the minutes."""
    if case.state != CaseState.SPECIAL_HANDLING or data.get("from_mediation"):
        return None
    if not minutes_issued_for(case):
        return _("重大疑难事项须经领导小组会商并印发会议纪要后，方可形成处理意见")
    return None


# Cases that may go before a consultation: a major matter in special handling (its decision
# follows the minutes, 四(三)2 3)) and a general matter in joint handling (会商 as needed, 四(三)3).
CONSULTABLE_STATES = (CaseState.SPECIAL_HANDLING, CaseState.JOINT_HANDLING)
# A consultation that no longer covers its cases (its cases wait for another one).
_DROPPED = (ConsultationStatus.DECLINED, ConsultationStatus.CANCELLED)


def cases_awaiting_consultation(*, user: Staff, include: Iterable[int] = ()) -> QuerySet[Case]:
    """The case picker of the consultation form: the cases ``user`` may see that wait for a
    consultation — in a consultable state and on no consultation yet (one declined or
    cancelled does not count) — the cases in ``include`` (those the consultation already
    covers, so editing keeps them) first, then major matters, then by deadline. The form shows
    a bounded slice of it (``meetings.forms.CASE_PICKER_LIMIT``) and checks a choice against
    the whole."""
    covered = Consultation.objects.filter(cases=OuterRef("pk")).exclude(status__in=_DROPPED)
    waiting = Q(state__in=CONSULTABLE_STATES) & ~Exists(covered)
    ids = [int(pk) for pk in include]
    return (
        cases_visible_to(user)
        .filter(waiting | Q(pk__in=ids))
        .annotate(
            _first=Case_(When(pk__in=ids, then=0), When(state=CaseState.SPECIAL_HANDLING, then=1), default=2),
        )
        .only("id", "number", "state", "summary", "due_on")
        .order_by("_first", F("due_on").asc(nulls_last=True), "id")
    )


def consultations_visible_to(user: Staff) -> QuerySet[Consultation]:
    """The consultations ``user`` may see: the group office, the leader and deputies see
    every one of their county; department staff see those their department attends; anyone
    else, none."""
    if not user.is_active or user.department_id is None or user.department is None:
        return Consultation.objects.none()
    qs = Consultation.objects.filter(jurisdiction_id=user.department.jurisdiction_id)
    if user.has_role(*permissions.COUNTY_WIDE_ROLES):
        return qs
    if user.has_role(*permissions.DEPARTMENT_ROLES):
        seat = Attendee.objects.filter(consultation=OuterRef("pk"), department_id=user.department_id)
        return qs.filter(Exists(seat))
    return Consultation.objects.none()


def consultation_list_for(*, user: Staff, view: str = "upcoming") -> QuerySet[Consultation]:
    """The list page: ``upcoming`` (not yet held, soonest first) or ``held`` (held or closed,
    newest first), with what a row shows fetched up front — the number of queries does not
    grow with the rows."""
    qs = consultations_visible_to(user)
    if view == "held":
        qs = qs.exclude(status__in=UPCOMING_STATUSES).order_by("-starts_at", "-id")
    else:
        qs = qs.filter(status__in=UPCOMING_STATUSES).order_by("starts_at", "id")
    return qs.select_related("organiser").prefetch_related(
        Prefetch("cases", queryset=Case.objects.only("id", "number").order_by("number"))
    )


UPCOMING_STATUSES = (
    ConsultationStatus.PLANNED,
    ConsultationStatus.AWAITING_APPROVAL,
    ConsultationStatus.APPROVED,
)


def consultation_get_for(*, user: Staff, pk: int, for_update: bool = False) -> Consultation:
    """One consultation ``user`` may see, or 404 as if it did not exist."""
    qs = consultations_visible_to(user).select_related("jurisdiction", "organiser", "decided_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Consultation.DoesNotExist:
        raise Http404("no such consultation") from None


def attendees_of(consultation: Consultation) -> QuerySet[Attendee]:
    return consultation.attendees.select_related("department", "staff").order_by("sort_order", "id")


def resolutions_of(consultation: Consultation) -> QuerySet[Resolution]:
    return consultation.resolutions.select_related("department", "case", "task").order_by("sort_order", "id")


def consultations_of_case(*, case: Case, user: Staff) -> QuerySet[Consultation]:
    """The consultations covering ``case`` that ``user`` may see (the case page's 会商 list;
    the case itself was fetched through ``case_get_for``)."""
    return consultations_visible_to(user).filter(cases=case).order_by("-starts_at", "-id")
