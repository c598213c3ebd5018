"""Read-only questions about feedback, follow-up and remedies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.kept import as_flag, keep
from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core import calendar
from fengqiao.followup.models import Delivery, Recipient, Remedy, RemedyOutcome, RemedyStatus, Visit
from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.org.models import Staff


def archive_guard(case: Case, data: dict[str, Any]) -> str | None:
    """The archive step's guard (``cases.workflow``, added in ``FollowupConfig.ready``):
    :func:`archive_blocker` of today."""
    return archive_blocker(case)


def archive_blocker(case: Case, today: date | None = None) -> str | None:
    """Why ``case`` cannot be archived yet, or None when it is ready (四(七)).

    Ready: an informed case; a case in follow-up whose latest done visit to the payer records
    no objection; a case in remedy tracking whose remedies have all ended, none changed the
    decision and no window for a further remedy is still open (``Remedy.window_ends_on``:
    行政诉讼法第四十五条, 15 days to sue after receiving the 复议决定) — in both, once the decision
    has been fed back to both parties of the dispute (四(四) 向争议双方进行反馈) and both were
    visited (四(五) 对被反馈的争议双方进行跟踪回访) when there is another party.

    An open window keeps the case open rather than letting a lawsuit be added to a sealed
    dossier later: a sealed case stays as it was sealed (docs/followup.md).

    Only the current round counts (``current_round``): after a remedy changed the decision and a
    new one was issued, the earlier round's visits, remedies and windows are history — within a
    round a 变更 outcome still blocks, as its decision must be made anew."""
    if case.state == CaseState.INFORMED:
        return None
    if case.state in (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING):
        if other_party_untold(case):
            return _("尚未向争议另一方反馈处理结果")
        if (
            case.other_party_id is not None
            and not Visit.objects.filter(case_id=case.pk, party=Recipient.OTHER_PARTY, done_at__isnull=False)
            .filter(current_round())
            .exists()
        ):
            return _("尚未完成对争议另一方的跟踪回访")
    if case.state == CaseState.FOLLOWING_UP:
        visit = (
            Visit.objects.filter(case_id=case.pk, party=Recipient.PAYER, done_at__isnull=False)
            .filter(current_round())
            .order_by("-done_at", "-id")
            .first()
        )
        if visit is None:
            return _("尚未完成跟踪回访")
        if visit.objects_to_decision:
            return _("缴费人对处理意见有异议，须记录其救济途径")
        return None
    if case.state == CaseState.REMEDY_TRACKING:
        remedies = list(Remedy.objects.filter(case_id=case.pk).filter(current_round()).order_by("filed_on", "id"))
        if not remedies:
            return _("缴费人有异议，尚未记录其救济途径")
        if any(r.status != RemedyStatus.ENDED for r in remedies):
            return _("救济途径尚未终结")
        if any(r.outcome == RemedyOutcome.CHANGED for r in remedies):
            return _("救济结果变更了处理意见，须重新办理")
        window = open_remedy_window(remedies, today or calendar.local_day(timezone.now()))
        if window is not None:
            return _("%(k)s已终结，缴费人可在%(d)s前提起后续救济，期限届满后方可归档") % {
                "k": window.get_kind_display(),
                "d": window.window_ends_on.isoformat() if window.window_ends_on else "",
            }
        return None
    if case.state == CaseState.ARCHIVED:
        return _("案件已归档")
    return _("案件当前状态“%(state)s”不能归档") % {"state": CaseState(case.state).label}


def open_remedy_window(remedies: list[Remedy], today: date) -> Remedy | None:
    """The ended remedy of ``remedies`` (all of one case and round) whose window for a further remedy is
    still open on ``today`` and not yet used (no remedy recorded after it), or None."""
    followed = {r.previous_id for r in remedies if r.previous_id is not None}
    open_ = [r for r in remedies if r.window_ends_on is not None and r.window_ends_on >= today and r.pk not in followed]
    return max(open_, key=lambda r: (r.window_ends_on, r.pk)) if open_ else None


def _latest_decision() -> Any:
    """The latest issued decision of the delivery's case (a subquery inside a Delivery filter)."""
    from fengqiao.handling.models import Decision, DecisionStatus

    return (
        Decision.objects.filter(case=OuterRef("case_id"), status=DecisionStatus.ISSUED).order_by("-pk").values("pk")[:1]
    )


def current_round() -> Q:
    """The round rule, as a filter on deliveries, visits or remedies (of one case or, inside a
    subquery, of the outer case): the row is tied to its case's latest issued decision.

    Each 处理意见书 issued opens a round — 结果反馈 (四(四)), 跟踪回访 (四(五)) and the payer's
    remedies against it. When a remedy changed the decision (变更/撤销) handling reopens and a new
    decision is issued: its feedback, visits and remedies are a new round, and the earlier
    round's rows stay on record (the dossier holds them all) but neither block nor satisfy
    archiving (四(七)). ``archive_blocker`` and ``ready_to_archive``, the worklist, the to-do
    sources and the reminders all read rounds through this one test."""
    return Q(decision_id=_latest_decision())


def _other_party_told() -> Exists:
    """The case's latest issued decision was delivered to the other party (as an SQL test)."""
    return Exists(
        Delivery.objects.filter(case=OuterRef("pk"), recipient=Recipient.OTHER_PARTY, decision_id=_latest_decision())
    )


def other_party_untold(case: Case) -> bool:
    """The case has another party and the latest decision has not been delivered to it."""
    if case.other_party_id is None:
        return False
    return not Case.objects.filter(pk=case.pk).filter(_other_party_told()).exists()


def visit_parties(case: Case) -> list[str]:
    """Whom a visit of ``case`` may be to (四(五) 争议双方): the payer, and the other party of
    the dispute when the case has one."""
    parties: list[str] = [Recipient.PAYER]
    if case.other_party_id is not None:
        parties.append(Recipient.OTHER_PARTY)
    return parties


def remedies_to_follow_up(today: date) -> QuerySet[Remedy]:
    """Pending remedies of the current round (``current_round``) whose next check is due on or
    before ``today`` (for a reminder job)."""
    return (
        Remedy.objects.filter(current_round(), status=RemedyStatus.PENDING, next_check_on__lte=today)
        .select_related("case")
        .order_by("next_check_on", "id")
    )


def deliveries_of(case: Case) -> QuerySet[Delivery]:
    return Delivery.objects.filter(case_id=case.pk).select_related("recorded_by").order_by("delivered_at", "id")


def visits_of(case: Case) -> QuerySet[Visit]:
    return Visit.objects.filter(case_id=case.pk).select_related("by").order_by("scheduled_on", "id")


def remedies_of(case: Case) -> QuerySet[Remedy]:
    return Remedy.objects.filter(case_id=case.pk).select_related("previous").order_by("filed_on", "id")


def current_visits_of(case: Case) -> QuerySet[Visit]:
    """The visits of ``case``'s current round (``current_round``)."""
    return visits_of(case).filter(current_round())


# Who records feedback, visits and remedies at all (with ``follow_up_scope`` narrowing it).
FOLLOW_UP_ROLES = (Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD, Role.GROUP_OFFICE, Role.HANDLER)


def follow_up_scope(user: Staff, prefix: str = "") -> Q:
    """The cases whose feedback, visits and remedies ``user`` records — ``may_follow_up`` as a
    filter. 结果反馈 and 回访 are the receiving department's work as 审核转办 is (首问责任制), so
    the scope is the review's one rule (``cases.selectors.review_scope``): the group office,
    every case of its county; the receiving department's clerks and head, its received cases;
    anyone else of that department, the cases they own as first receiver. ``prefix`` is the
    path to the case (``"case__"`` from a visit or a remedy)."""
    from fengqiao.cases.selectors import review_scope

    return review_scope(user, prefix)


def _open_windows(today: date | None = None) -> QuerySet[Remedy]:
    """The ended remedies of the outer case's current round (``current_round``) whose window
    for a further remedy is not yet used (no remedy recorded after it) — open on ``today``
    when given (``open_remedy_window``'s rule, as a subquery)."""
    remedies = Remedy.objects.filter(current_round(), case=OuterRef("pk"), window_ends_on__isnull=False).exclude(
        Exists(Remedy.objects.filter(previous=OuterRef("pk")))
    )
    return remedies if today is None else remedies.filter(window_ends_on__gte=today)


def archive_ready_q() -> Q:
    """``archive_blocker``'s rule for 跟踪回访 and 救济途径跟踪 as a filter on ``Case``, but for the
    window for a further remedy (``archive_window_until``): the latest decision fed back to the
    other party and that party visited, when there is one (四(四), 四(五) 争议双方); then in
    follow-up the latest done visit to the payer records no objection, in remedy tracking every
    remedy ended and none changed the decision — visits and remedies of the current round only
    (``current_round``). Informed cases, ready at once, are not follow-up work and are not
    matched. The one definition of ``Case.archive_ready``, kept per case by ``cases.kept``."""
    done_visit = Visit.objects.filter(current_round(), case=OuterRef("pk"), done_at__isnull=False)
    latest_payer_visit_objects = Subquery(
        done_visit.filter(party=Recipient.PAYER).order_by("-done_at", "-id").values("objects_to_decision")[:1]
    )
    remedy = Remedy.objects.filter(current_round(), case=OuterRef("pk"))
    both_told = Q(other_party__isnull=True) | Q(
        _other_party_told(), Exists(done_visit.filter(party=Recipient.OTHER_PARTY))
    )
    return both_told & (
        Q(Exact(latest_payer_visit_objects, False), state=CaseState.FOLLOWING_UP)
        | Q(
            Exists(remedy),
            ~Exists(remedy.exclude(status=RemedyStatus.ENDED)),
            ~Exists(remedy.filter(outcome=RemedyOutcome.CHANGED)),
            state=CaseState.REMEDY_TRACKING,
        )
    )


def archive_window_until() -> Any:
    """The last day of the latest unused window for a further remedy of a case in remedy
    tracking (行政诉讼法第四十五条; ``open_remedy_window``), or NULL: the case may be archived
    from the day after. The one definition of ``Case.archive_window_until`` (``cases.kept``)."""
    latest = Subquery(_open_windows().order_by("-window_ends_on").values("window_ends_on")[:1])
    return models.Case(
        models.When(state=CaseState.REMEDY_TRACKING, then=latest),
        default=models.Value(None),
        output_field=models.DateField(),
    )


def _ready_to_archive_q(today: date) -> Q:
    """``archive_blocker``'s rule as a filter on ``Case`` (None there is a match here):
    ``archive_ready_q`` and no window for a further remedy open on ``today``
    (行政诉讼法第四十五条)."""
    return archive_ready_q() & ~Q(Exists(_open_windows(today)), state=CaseState.REMEDY_TRACKING)


def _kept_ready_to_archive_q(today: date) -> Q:
    """``_ready_to_archive_q(today)`` read from the case's kept values (``cases.kept``):
    ``archive_ready`` and no window open on ``today``."""
    return Q(archive_ready=True) & (Q(archive_window_until__isnull=True) | Q(archive_window_until__lt=today))


keep("archive_ready", lambda: as_flag(archive_ready_q()))
keep("archive_window_until", archive_window_until)


def ready_to_archive(*, user: Staff, today: date | None = None) -> QuerySet[Case]:
    """案卷归档 (四(七)): the cases ``user`` follows up that may be sealed now, oldest state change
    first, with the payer — the one read behind the 回访 page's 可以归档, the API's
    ``followup/work/`` ``ready`` and the to-do list's 待归档, so the three cannot disagree with
    each other or with ``archive_blocker`` (the archive step's guard). A case blocked by an
    open remedy window or an other party not yet told or visited is not in it, and comes in
    the day the block ends. One query, read from the cases' kept values
    (``_ready_to_archive_q`` as ``Case.archive_ready`` / ``archive_window_until``) through the
    partial indexes ``cases_case_dept_archive`` / ``cases_case_county_archive``."""
    today = today or calendar.local_day(timezone.now())
    return (
        Case.objects.filter(follow_up_scope(user))
        .filter(_kept_ready_to_archive_q(today))
        .select_related("payer")
        .order_by("state_changed_at", "pk")
    )


def other_party_to_notify(*, user: Staff) -> QuerySet[Case]:
    """向争议双方进行反馈 (四(四)): cases ``user`` follows up whose payer was told and whose other
    party has not been told the latest decision, oldest state change first."""
    return (
        Case.objects.filter(
            follow_up_scope(user),
            ~Q(_other_party_told()),
            other_party__isnull=False,
            state__in=(CaseState.NOTIFIED, CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related("payer", "other_party")
        .order_by("state_changed_at", "pk")
    )


def other_party_to_visit(*, user: Staff) -> QuerySet[Case]:
    """待安排回访争议另一方 (四(五) 对被反馈的争议双方进行跟踪回访): cases ``user`` follows up whose
    other party was told the latest decision but has no visit of its round (``current_round``),
    done or scheduled — telling it
    schedules one, so these are rows from before visits named a party, or a visit never
    scheduled; until one is done the case is not ready to archive."""
    return (
        Case.objects.filter(
            follow_up_scope(user),
            _other_party_told(),
            ~Exists(Visit.objects.filter(current_round(), case=OuterRef("pk"), party=Recipient.OTHER_PARTY)),
            other_party__isnull=False,
            state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related("payer", "other_party")
        .order_by("state_changed_at", "pk")
    )


@dataclass(frozen=True)
class FollowUpWork:
    """The 结果反馈与回访 worklist of one member of staff on ``today``."""

    today: date
    to_notify: list[Case]  # decided; the payer not yet told
    to_notify_other: list[Case]  # the payer told, the other party of the dispute not yet
    to_visit_other: list[Case]  # the other party told, but no visit to it done or scheduled
    visits: list[Visit]  # scheduled visits not yet done, earliest first
    remedies: list[Remedy]  # pending remedies whose check date has come
    ready: list[Case]  # ready to archive


WORKLIST_ROWS = 100


def follow_up_work(*, user: Staff, today: date, horizon_days: int = 7) -> FollowUpWork:
    """What ``user`` has to do in 结果反馈 (四(四)), 跟踪回访 (四(五)) and 案卷归档 (四(七)):
    decisions to deliver to the payer and to the other party, other parties told but never
    visited, visits to either party due within ``horizon_days`` (or overdue), remedies to check
    on (both of the current round, ``current_round``), and cases ready to archive
    (``ready_to_archive``, as the to-do list). Each list holds at most ``WORKLIST_ROWS`` rows,
    oldest first."""
    cases = Case.objects.filter(follow_up_scope(user))
    to_notify = list(
        cases.filter(state=CaseState.DECIDED)
        .select_related("payer", "receiving_department")
        .order_by("state_changed_at", "pk")[:WORKLIST_ROWS]
    )
    visits = list(
        Visit.objects.filter(
            follow_up_scope(user, "case__"),
            current_round(),
            done_at__isnull=True,
            scheduled_on__lte=today + timedelta(days=horizon_days),
            case__state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        )
        .select_related("case", "case__payer", "case__other_party")
        .order_by("scheduled_on", "pk")[:WORKLIST_ROWS]
    )
    remedies = list(
        Remedy.objects.filter(
            follow_up_scope(user, "case__"), current_round(), status=RemedyStatus.PENDING, next_check_on__lte=today
        )
        .select_related("case", "case__payer")
        .order_by("next_check_on", "pk")[:WORKLIST_ROWS]
    )
    to_notify_other = list(other_party_to_notify(user=user)[:WORKLIST_ROWS])
    to_visit_other = list(other_party_to_visit(user=user)[:WORKLIST_ROWS])
    ready = list(ready_to_archive(user=user, today=today)[:WORKLIST_ROWS])
    return FollowUpWork(
        today=today,
        to_notify=to_notify,
        to_notify_other=to_notify_other,
        to_visit_other=to_visit_other,
        visits=visits,
        remedies=remedies,
        ready=ready,
    )


def follow_up_views(*, user: Staff, today: date) -> dict[str, QuerySet[Any]]:
    """What the staff home's 结果反馈与回访 tiles count: decisions to deliver, visits due today or
    overdue, and remedies to check on (none for staff who do not follow up). Counted exact, in
    the one statement that counts the case tiles too (``core.views.home``)."""
    if not user.has_role(*FOLLOW_UP_ROLES):
        return {}
    return {
        "to_notify": Case.objects.filter(follow_up_scope(user), state=CaseState.DECIDED),
        "visits": Visit.objects.filter(
            follow_up_scope(user, "case__"),
            current_round(),
            done_at__isnull=True,
            scheduled_on__lte=today,
            case__state__in=(CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING),
        ),
        "remedies": Remedy.objects.filter(
            follow_up_scope(user, "case__"), current_round(), status=RemedyStatus.PENDING, next_check_on__lte=today
        ),
    }


def visit_for(*, user: Staff, pk: int) -> Visit:
    """A visit, reached through its case: 404 when ``user`` may not see the case, exactly as
    when the visit does not exist (pages and API alike)."""
    from django.http import Http404

    from fengqiao.cases.selectors import case_get_for

    visit = Visit.objects.filter(pk=pk).select_related("case").first()
    if visit is None:
        raise Http404("no such visit")
    visit.case = case_get_for(user=user, number=visit.case.number)
    return visit


def remedy_for(*, user: Staff, pk: int) -> Remedy:
    """A remedy, reached through its case (404 as for ``visit_for``)."""
    from django.http import Http404

    from fengqiao.cases.selectors import case_get_for

    remedy = Remedy.objects.filter(pk=pk).select_related("case", "previous").first()
    if remedy is None:
        raise Http404("no such remedy")
    remedy.case = case_get_for(user=user, number=remedy.case.number)
    return remedy
