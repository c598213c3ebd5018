"""绩效考评 (五(四)): 建立健全社会保险费征缴争议处理责任追究和绩效考评机制 — one scorecard per
member unit and month, computed from the records (tasks, 12345 referrals, notices, extensions,
decisions, deliveries, visits, discipline transfers, confirmed accountability records); points
per measure are ``ScoringRule`` rows. Work reaches a department by tasks (joint handling, special handling, meeting
resolutions) and by 12345 referrals (四(八)); every measure counts every path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from fengqiao.analytics.analysis import of_county
from fengqiao.analytics.models import ScoringRule
from fengqiao.cases.models import Case as CaseModel
from fengqiao.core import calendar, timelimits
from fengqiao.core.calendar import month_bounds
from fengqiao.core.models import TimeLimit, TimeLimitUnit
from fengqiao.followup.models import Delivery, Satisfaction, Visit
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    Decision,
    DecisionStatus,
    Extension,
    FollowUpKind,
    FollowUpNotice,
    Task,
    TaskStatus,
)
from fengqiao.org.models import Department, Jurisdiction
from fengqiao.referrals.models import DisciplineTransfer


@dataclass(frozen=True)
class Measure:
    """One scored measure: how often it happened and the points deducted (capped)."""

    code: str
    label: str
    occurrences: int
    deduction: Decimal


@dataclass(frozen=True)
class Scorecard:
    department_code: str
    department_name: str
    tasks_received: int  # tasks created for the department in the month, and referrals dispatched to it
    tasks_done: int  # tasks completed and referrals answered in the month
    tasks_done_on_time: int
    tasks_overdue_open: int  # open at the month's end and past due (tasks and referrals)
    tasks_returned: int  # tasks and referrals returned
    signed_late: int  # signed (or returned) after the limit to sign (tasks and referrals)
    reminders: int  # 催办 received
    escalations: int  # 督办 received
    extensions: int  # extensions requested
    decisions: int  # decisions issued: the receiving department's, or a referral's answer
    feedback_late: int  # deliveries (to either party) after the feedback limit
    visits_done: int
    satisfied: int  # 满意 + 基本满意
    dissatisfied: int
    refusals: int  # discipline transfers naming the department
    accountability: int  # accountability records (责任追究) naming the department, confirmed in the month
    measures: list[Measure]
    score: Decimal  # 100 minus the deductions, not below 0

    @property
    def on_time_rate(self) -> float | None:
        return self.tasks_done_on_time / self.tasks_done if self.tasks_done else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = str(self.score)
        data["measures"] = [{**m, "deduction": str(m["deduction"])} for m in data["measures"]]
        data["on_time_rate"] = self.on_time_rate
        return data


LOCAL_TZ: Final = calendar.WORKING_DAY_TZ
HUNDRED: Final = Decimal("100")
CENT: Final = Decimal("0.01")

# 考评规则的默认值 (五(四) 严格责任追究: 建立健全…责任追究和绩效考评机制). The points are the
# county's to set (admin); no law fixes them, so every default says so. The limit each rule
# follows up is cited with its own basis (DOMAIN.md, ``core.timelimits.DEFAULTS``).
# (code, label, points per occurrence, cap, basis)
DEFAULT_RULES: Final[list[tuple[str, str, str, str, str]]] = [
    (
        "overdue_task",
        "超期未办结",
        "2",
        "30",
        "五（四）严格责任追究；办理时限：本部门办理、联办书面意见5个工作日（默认值，待核实），"
        "专案书面审批意见10个工作日（默认值）；扣分标准：默认值，待核实",
    ),
    (
        "late_task",
        "逾期办结",
        "1",
        "20",
        "五（四）严格责任追究；办理时限同“超期未办结”（默认值，待核实）；扣分标准：默认值，待核实",
    ),
    (
        "late_sign",
        "逾期签收或退回",
        "0.5",
        "10",
        "五（四）严格责任追究；非本部门职责1个工作日内退回（12345热线做法，天津草案）；扣分标准：默认值，待核实",
    ),
    (
        "escalation",
        "被督办",
        "2",
        "20",
        "五（四）严格责任追究；超期5个工作日仍未办结督办升级（12345热线做法，通报）；扣分标准：默认值，待核实",
    ),
    (
        "late_feedback",
        "逾期反馈结果",
        "1",
        "10",
        "五（四）严格责任追究；四（四）结果反馈，形成处理意见后2个工作日内（默认值）；扣分标准：默认值，待核实",
    ),
    (
        "dissatisfied",
        "回访不满意",
        "1",
        "10",
        "五（四）严格责任追究；四（五）跟踪回访；扣分标准：默认值，待核实",
    ),
    (
        "refusal",
        "无正当理由拒不办理（移交纪委监委）",
        "10",
        "30",
        "五（四）严格责任追究；四（八）无正当理由拒不处理的，案件线索移交纪委监委；扣分标准：默认值，待核实",
    ),
    (
        "accountability",
        "责任追究（已确认）",
        "5",
        "30",
        "五（四）对责任履行不到位，出现工作失误、引发舆情、造成严重后果的，依法依规追责；"
        "领导小组办公室确认的责任追究记录；扣分标准：默认值，待核实",
    ),
]


def scoring_defaults_load() -> int:
    """Create the default ``ScoringRule`` rows that are missing and return how many were added.
    Idempotent: an existing row (matched by code) keeps the county's points, cap and state."""
    added = 0
    for order, (code, label, points, cap, basis) in enumerate(DEFAULT_RULES, start=1):
        _row, created = ScoringRule.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "points": Decimal(points),
                "cap": Decimal(cap),
                "basis": basis,
                "active": True,
                "sort_order": order * 10,
            },
        )
        added += created
    return added


# How many times each known rule happened, from the counts of one department's month.
_OCCURRENCES: Final[dict[str, Callable[[dict[str, int]], int]]] = {
    "overdue_task": lambda c: c["tasks_overdue_open"],
    "late_task": lambda c: c["tasks_done"] - c["tasks_done_on_time"],
    "late_sign": lambda c: c["signed_late"],
    "escalation": lambda c: c["escalations"],
    "late_feedback": lambda c: c["feedback_late"],
    "dissatisfied": lambda c: c["dissatisfied"],
    "refusal": lambda c: c["refusals"],
    "accountability": lambda c: c["accountability"],
}

_COUNT_FIELDS: Final = (
    "tasks_received",
    "tasks_done",
    "tasks_done_on_time",
    "tasks_overdue_open",
    "tasks_returned",
    "signed_late",
    "reminders",
    "escalations",
    "extensions",
    "decisions",
    "feedback_late",
    "visits_done",
    "satisfied",
    "dissatisfied",
    "refusals",
    "accountability",
)


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _local_day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=LOCAL_TZ)


def _due_on(row: TimeLimit, start: date) -> date:
    """``timelimits.due`` for a row already read (one read for the whole loop)."""
    if row.unit == TimeLimitUnit.WORKING_DAYS:
        return calendar.add_working_days(start, row.amount).day
    return calendar.add_calendar_days(start, row.amount).day


def department_scorecards(*, county: Jurisdiction, year: int, month: int) -> list[Scorecard]:
    """绩效考评 (五(四) 严格责任追究): one ``Scorecard`` per active member unit (三(一)) of ``county``
    (``Department.sort_order``) for the month, computed from the records.

    The month runs from midnight Asia/Shanghai on its first day to midnight on the first day
    of the next month; "local day" is the date in Asia/Shanghai. "Today" is the local date now.

    Counts — work reaches a department by two paths and each count adds both: tasks (joint
    handling, special handling, and meeting resolutions, which become tasks of kind
    ``resolution``) and 12345 referrals dispatched to it by the hotline office (四(八)):

    - ``tasks_received``: tasks created in the month for the department, not cancelled; plus
      referrals dispatched to it in the month (``dispatched`` / ``redispatched`` /
      ``designated`` referral events naming it; a return rejected and sent back is the same
      dispatch and not counted again).
    - ``tasks_done``: tasks done (办结, the head signed the opinion) and referrals answered
      (``answered_at``) by the department in the month; ``tasks_done_on_time``: of those, the
      local day of completion is on or before ``due_on`` (as extended) / ``handle_due_on``.
    - ``tasks_overdue_open``: tasks open now (待签收 / 办理中), created before the month's end,
      with ``due_on`` before min(today, the first day of the next month) — i.e. past due at
      the month's end, or today for the running month, *as at generation* (a task finished
      after the month no longer counts; an old overdue task counts in every month it is open);
      plus referrals open now with the department, dispatched before the month's end, past the
      same day: signed and past ``handle_due_on``, or waiting to be signed past ``sign_due_on``.
    - ``tasks_returned``: tasks returned (退回) in the month, plus referral returns in the month
      (one per ``returned`` referral event naming the department: three departments that each
      returned a referral count one each).
    - ``signed_late``: tasks signed for or returned in the month on a local day after their
      ``return_due_on`` (the 1-working-day limit to return); plus referrals signed for in the
      month after their ``sign_due_on`` (a referral can only be returned within it).
    - ``reminders`` / ``escalations``: ``FollowUpNotice`` of kind 催办 (``reminder``) /
      督办升级 (``escalation``) created in the month about the department's tasks; a case-level
      notice (no task: the case's own deadline) counts for the case's receiving department.
      救济跟踪 and 回访提醒 are not counted.
    - ``extensions``: extensions requested in the month (any outcome) for the department's
      tasks, or case-level ones for the receiving department.
    - ``decisions``: decisions issued in the month by the department: of cases it received,
      except a referral's answer, which is the decision of the department that answered it
      (``Referral.decision``).
    - ``feedback_late``: deliveries (结果反馈) in the month to either party (四(四) 向争议双方
      进行反馈, in the same limit), of cases the department received, made on a local day after
      the ``feedback`` limit (2 working days by default, ``timelimits.due``) counted from the
      local issue day of their decision.
    - ``visits_done`` / ``satisfied`` (满意 + 基本满意) / ``dissatisfied``: visits done in the
      month, to either party (四(五)), of cases the department received.
    - ``refusals``: discipline transfers (移交纪委监委) made in the month naming the department
      as the one that refused (``refusing_department``).
    - ``accountability``: accountability records (责任追究, ``fengqiao.accountability``) naming
      the department that the group office confirmed in the month (``decided_at``); proposed
      and dismissed ones do not count.

    Measures: one per active ``ScoringRule`` whose code is known (``overdue_task`` →
    tasks_overdue_open, ``late_task`` → tasks_done − tasks_done_on_time, ``late_sign`` →
    signed_late, ``escalation`` → escalations, ``late_feedback`` → feedback_late,
    ``dissatisfied`` → dissatisfied, ``refusal`` → refusals, ``accountability`` → accountability).
    A rule with another code is ignored (no measure, no deduction) — the code is how a rule names what it counts; an
    inactive rule is left out. deduction = min(points × occurrences, cap), not below 0;
    score = max(100 − Σ deductions, 0), both to 0.01.

    A fixed number of aggregate queries grouped by department (about fifteen, plus one per
    calendar year the feedback limits cross that is not cached), whatever the number of cases
    or departments; only the month's deliveries are looped over in Python.
    """
    return scorecards_from_counts(department_counts(county=county, year=year, month=month))


def department_counts(*, county: Jurisdiction, year: int, month: int) -> list[dict[str, Any]]:
    """The counts of ``department_scorecards``, one dict per active member unit of ``county`` in
    ``sort_order``: ``department_code``, ``department_name`` and the ``_COUNT_FIELDS`` — what a
    closed month keeps (``MonthSnapshot.department_counts``); the points are applied on reading,
    by the rules in force then."""
    start, end = month_bounds(year, month)
    departments = list(
        Department.objects.filter(jurisdiction=county, active=True, is_member_unit=True)
        .order_by("sort_order", "id")
        .only("code", "name")
    )
    counts: dict[int, dict[str, int]] = {d.pk: dict.fromkeys(_COUNT_FIELDS, 0) for d in departments}
    if departments:
        _count_all(counts, departments=departments, county=county, start=start, end=end)
    return [{"department_code": d.code, "department_name": d.name, **counts[d.pk]} for d in departments]


def _count_all(
    counts: dict[int, dict[str, int]],
    *,
    departments: list[Department],
    county: Jurisdiction,
    start: datetime,
    end: datetime,
) -> None:
    _count_tasks(counts, start=start, end=end)
    _count_referrals(counts, departments=departments, county=county, start=start, end=end)
    _count_notices(counts, county=county, start=start, end=end)
    _count_extensions(counts, county=county, start=start, end=end)
    _count_decisions(counts, county=county, start=start, end=end)
    _count_feedback_late(counts, county=county, start=start, end=end)
    _count_visits(counts, county=county, start=start, end=end)
    _count_refusals(counts, county=county, start=start, end=end)
    _count_accountability(counts, county=county, start=start, end=end)


def scorecards_from_counts(rows: list[dict[str, Any]]) -> list[Scorecard]:
    """Score the counts of ``department_counts`` by the active ``ScoringRule`` rows (one query)."""
    rules = [
        r for r in ScoringRule.objects.filter(active=True).order_by("sort_order", "code") if r.code in _OCCURRENCES
    ]
    cards = []
    for row in rows:
        figures = {name: int(row.get(name, 0)) for name in _COUNT_FIELDS}
        measures = [_measure(rule, _OCCURRENCES[rule.code](figures)) for rule in rules]
        total = sum((m.deduction for m in measures), Decimal(0))
        cards.append(
            Scorecard(
                department_code=row["department_code"],
                department_name=row["department_name"],
                **figures,
                measures=measures,
                score=max(HUNDRED - total, Decimal(0)).quantize(CENT),
            )
        )
    return cards


def _measure(rule: ScoringRule, occurrences: int) -> Measure:
    deduction = max(min(rule.points * occurrences, rule.cap), Decimal(0)).quantize(CENT)
    return Measure(code=rule.code, label=rule.label, occurrences=occurrences, deduction=deduction)


def _add(counts: dict[int, dict[str, int]], rows: Any, key: str) -> None:
    """Add grouped rows (dicts with ``key`` = department id and count fields) into ``counts``;
    a department not on a card (inactive, another county) is skipped."""
    for row in rows:
        target = counts.get(row.pop(key))
        if target is not None:
            for name, value in row.items():
                target[name] += value


def _count_tasks(counts: dict[int, dict[str, int]], *, start: datetime, end: datetime) -> None:

    today = timezone.localdate(timezone=LOCAL_TZ)
    as_at = min(today, end.date())
    done = _within("completed_at", start, end) & Q(status=TaskStatus.DONE)
    overdue = Q(status__in=OPEN_TASK_STATUSES, due_on__lt=as_at, created_at__lt=end)
    signed_late = (_within("signed_at", start, end) & Q(signed_day__gt=F("return_due_on"))) | (
        _within("returned_at", start, end) & Q(returned_day__gt=F("return_due_on"))
    )
    received = _within("created_at", start, end) & ~Q(status=TaskStatus.CANCELLED)
    rows = (
        Task.objects.filter(department_id__in=list(counts))
        .filter(
            _within("created_at", start, end)
            | _within("completed_at", start, end)
            | _within("signed_at", start, end)
            | _within("returned_at", start, end)
            | overdue
        )
        .alias(
            done_day=_local_day("completed_at"),
            signed_day=_local_day("signed_at"),
            returned_day=_local_day("returned_at"),
        )
        .order_by()
        .values("department_id")
        .annotate(
            tasks_received=Count("pk", filter=received),
            tasks_done=Count("pk", filter=done),
            tasks_done_on_time=Count("pk", filter=done & Q(done_day__lte=F("due_on"))),
            tasks_overdue_open=Count("pk", filter=overdue),
            tasks_returned=Count("pk", filter=_within("returned_at", start, end)),
            signed_late=Count("pk", filter=signed_late),
        )
    )
    _add(counts, rows, "department_id")


REFERRAL_DISPATCH_STEPS: Final = ("dispatched", "redispatched", "designated")


def _count_referrals(
    counts: dict[int, dict[str, int]],
    *,
    departments: list[Department],
    county: Jurisdiction,
    start: datetime,
    end: datetime,
) -> None:
    """The 12345 path (四(八)) of the task measures: referrals dispatched to, returned by,
    signed late by, answered by and overdue with each department."""
    from django.db.models.fields.json import KT

    from fengqiao.cases.models import CaseEvent, EventKind
    from fengqiao.referrals.models import Referral, ReferralStatus

    by_code = {d.code: d.pk for d in departments}
    events = (
        of_county(CaseEvent.objects.all(), county)
        .filter(
            _within("at", start, end),
            kind=EventKind.REFERRAL,
            data__step__in=(*REFERRAL_DISPATCH_STEPS, "returned"),
        )
        .order_by()
        .values_list(KT("data__department"), KT("data__step"))
        .annotate(n=Count("pk"))
    )
    for code, step, n in events:
        target = counts.get(by_code.get(code, -1))
        if target is not None:
            target["tasks_returned" if step == "returned" else "tasks_received"] += n
    today = timezone.localdate(timezone=LOCAL_TZ)
    as_at = min(today, end.date())
    answered = _within("answered_at", start, end)
    overdue = Q(dispatched_at__lt=end) & (
        Q(status=ReferralStatus.SIGNED, handle_due_on__lt=as_at)
        | Q(status=ReferralStatus.DISPATCHED, sign_due_on__lt=as_at)
    )
    signed_late = _within("signed_at", start, end) & Q(signed_day__gt=F("sign_due_on"))
    rows = (
        Referral.objects.filter(jurisdiction=county, department_id__in=list(counts))
        .filter(answered | _within("signed_at", start, end) | overdue)
        .alias(answered_day=_local_day("answered_at"), signed_day=_local_day("signed_at"))
        .order_by()
        .values("department_id")
        .annotate(
            tasks_done=Count("pk", filter=answered),
            tasks_done_on_time=Count("pk", filter=answered & Q(answered_day__lte=F("handle_due_on"))),
            tasks_overdue_open=Count("pk", filter=overdue),
            signed_late=Count("pk", filter=signed_late),
        )
    )
    _add(counts, rows, "department_id")


def _count_notices(counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime) -> None:

    rows = (
        of_county(FollowUpNotice.objects.all(), county)
        .filter(
            _within("created_at", start, end),
            kind__in=(FollowUpKind.REMINDER, FollowUpKind.ESCALATION),
        )
        .order_by()
        .values(dept=Coalesce("task__department_id", "case__receiving_department_id"))
        .annotate(
            reminders=Count("pk", filter=Q(kind=FollowUpKind.REMINDER)),
            escalations=Count("pk", filter=Q(kind=FollowUpKind.ESCALATION)),
        )
    )
    _add(counts, rows, "dept")


def _count_extensions(
    counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime
) -> None:

    rows = (
        of_county(Extension.objects.all(), county)
        .filter(_within("requested_at", start, end))
        .order_by()
        .values(dept=Coalesce("task__department_id", "case__receiving_department_id"))
        .annotate(extensions=Count("pk"))
    )
    _add(counts, rows, "dept")


def _count_decisions(
    counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime
) -> None:

    from django.db.models import Case, When

    # A referral's answer is issued as the decision of the department that answered it (四(八)).
    issuer = Case(
        When(case__referral__decision_id=F("pk"), then=F("case__referral__department_id")),
        default=F("case__receiving_department_id"),
    )
    rows = (
        of_county(Decision.objects.all(), county)
        .filter(_within("issued_at", start, end), status=DecisionStatus.ISSUED)
        .order_by()
        .values(dept=issuer)
        .annotate(decisions=Count("pk"))
    )
    _add(counts, rows, "dept")


def _count_feedback_late(
    counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime
) -> None:

    rows = (
        of_county(Delivery.objects.all(), county)
        .filter(_within("delivered_at", start, end))
        .order_by()
        .values_list(_receiving_department(), "delivered_at", "decision__issued_at")
    )
    limit: TimeLimit | None = None
    due_by_issue_day: dict[date, date] = {}
    for department_id, delivered_at, issued_at in rows:
        if department_id not in counts or issued_at is None:
            continue
        if limit is None:
            limit = timelimits.limit(timelimits.FEEDBACK)
        issue_day = calendar.local_day(issued_at)
        if issue_day not in due_by_issue_day:
            due_by_issue_day[issue_day] = _due_on(limit, issue_day)
        if calendar.local_day(delivered_at) > due_by_issue_day[issue_day]:
            counts[department_id]["feedback_late"] += 1


def _receiving_department() -> Subquery:
    """The receiving department of the row's case, read by its key (a correlated subquery, not
    a join: see ``analysis.of_county`` — grouping by a joined case's column led SQLite to walk
    the cases in that column's index order)."""
    return Subquery(CaseModel.objects.filter(pk=OuterRef("case_id")).values("receiving_department_id")[:1])


def _count_visits(counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime) -> None:

    rows = (
        of_county(Visit.objects.all(), county)
        .filter(_within("done_at", start, end))
        .order_by()
        .values(dept=_receiving_department())
        .annotate(
            visits_done=Count("pk"),
            satisfied=Count("pk", filter=Q(satisfaction__in=(Satisfaction.SATISFIED, Satisfaction.BASICALLY))),
            dissatisfied=Count("pk", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
        )
    )
    _add(counts, rows, "dept")


def _count_refusals(counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime) -> None:

    rows = (
        DisciplineTransfer.objects.filter(_within("transferred_at", start, end), jurisdiction=county)
        .order_by()
        .values("refusing_department_id")
        .annotate(refusals=Count("pk"))
    )
    _add(counts, rows, "refusing_department_id")


def _count_accountability(
    counts: dict[int, dict[str, int]], *, county: Jurisdiction, start: datetime, end: datetime
) -> None:
    """责任追究 (五(四)): the records naming each department confirmed in the month."""
    from fengqiao.accountability.models import AccountabilityRecord, RecordStatus

    rows = (
        AccountabilityRecord.objects.filter(
            _within("decided_at", start, end), jurisdiction=county, status=RecordStatus.CONFIRMED
        )
        .order_by()
        .values("department_id")
        .annotate(accountability=Count("pk"))
    )
    _add(counts, rows, "department_id")
