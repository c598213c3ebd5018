"""时限督办 (issue 5 item 5; 五(四) 严格责任追究): due soon, overdue, 催办 and 督办升级.

Overdue is derived from the deadlines — an open task (待签收/办理中) whose ``Task.due_on``, or
an open case whose ``Case.due_on``, lies before today — so the lists are right without any
job. The periodic job ``deadline_jobs_run`` only *sends*:

- a reminder (催办) on the working day after the deadline, to the department's handlers, the
  task's assignee and the department head (for a case deadline: the first receiver and the
  receiving department's head);
- an escalation (督办升级) once the deadline is ``core.TimeLimit`` ``escalation`` (5 working
  days) past and still open, to the department head, the group office and the group leader.

The same job runs the reminders the apps above handling register (:func:`job_register`, from
their ``AppConfig.ready()``): followup's 救济跟踪 and 回访提醒 to the people who follow a case up
(四(五), ``followup.reminders``), opinion's 催办 and 督办 of overdue responses to online items
(``opinion.followthrough``). A notice of a kind such an app sends is "still open" while the
condition it registers holds (:func:`pending_register`).

Each notice is one ``FollowUpNotice`` per (case, task, kind, deadline): the unique constraints
make the job safe to run twice and on several workers at once — a second insert of the same
notice fails inside its own transaction and is counted as already sent. An extension moves
the deadline, so a new deadline gets its own reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.permissions import COUNTY_WIDE_ROLES
from fengqiao.cases.states import OPEN_STATES
from fengqiao.core import calendar, timelimits
from fengqiao.core.models import TimeLimitUnit
from fengqiao.handling.models import OPEN_TASK_STATUSES, FollowUpKind, FollowUpNotice, Task
from fengqiao.org.models import Jurisdiction, Role, Staff

logger = logging.getLogger(__name__)

#: "Due soon" (即将到期): the deadline is today or within this many working days.
DUE_SOON_WORKING_DAYS = 2
#: The supervision page lists at most this many rows per table (the counts are complete).
SUPERVISION_ROWS = 200

_OPEN_TASK = [s.value for s in OPEN_TASK_STATUSES]
_OPEN_CASE = [s.value for s in OPEN_STATES]


# --- reads ---------------------------------------------------------------------------------


def may_supervise(user: Staff) -> bool:
    """督办: the group office, the leader and the deputies watch the whole county (三(一))."""
    return user.is_active and user.department_id is not None and user.has_role(*COUNTY_WIDE_ROLES)


def overdue_tasks(*, county: Jurisdiction, today: date) -> QuerySet[Task]:
    """Open tasks of ``county`` whose deadline has passed (超期), by department and deadline."""
    return (
        Task.objects.filter(case__jurisdiction=county, status__in=_OPEN_TASK, due_on__lt=today)
        .select_related("case", "department", "assignee")
        .order_by("department__sort_order", "department_id", "due_on", "id")
    )


def due_soon_tasks(*, county: Jurisdiction, today: date, days: int = DUE_SOON_WORKING_DAYS) -> QuerySet[Task]:
    """Open tasks of ``county`` due today or within ``days`` working days (即将到期)."""
    horizon = calendar.add_working_days(today, days).day
    return (
        Task.objects.filter(case__jurisdiction=county, status__in=_OPEN_TASK, due_on__gte=today, due_on__lte=horizon)
        .select_related("case", "department", "assignee")
        .order_by("due_on", "department__sort_order", "id")
    )


def overdue_cases(*, county: Jurisdiction, today: date) -> QuerySet[Case]:
    """Open cases of ``county`` whose current step is past its deadline."""
    return (
        Case.objects.filter(jurisdiction=county, state__in=_OPEN_CASE, due_on__lt=today)
        .select_related("receiving_department", "owner", "payer")
        .order_by("receiving_department__sort_order", "receiving_department_id", "due_on", "id")
    )


def due_soon_cases(*, county: Jurisdiction, today: date, days: int = DUE_SOON_WORKING_DAYS) -> QuerySet[Case]:
    horizon = calendar.add_working_days(today, days).day
    return (
        Case.objects.filter(jurisdiction=county, state__in=_OPEN_CASE, due_on__gte=today, due_on__lte=horizon)
        .select_related("receiving_department", "owner", "payer")
        .order_by("due_on", "id")
    )


@dataclass
class OverdueRow:
    """One line of the 督办 page: a task or a case, its department and how late it is."""

    case: Case
    task: Task | None
    department_name: str
    due_on: date
    working_days_overdue: int


@dataclass
class Supervision:
    today: date
    tasks: list[OverdueRow]
    cases: list[OverdueRow]
    by_department: list[dict[str, Any]]
    notices: list[FollowUpNotice]
    task_total: int
    case_total: int


def supervision_board(*, user: Staff, today: date | None = None) -> Supervision:
    """The 督办 page: overdue tasks and cases of the user's county, by department, with the
    working days overdue, and the latest reminders and escalations sent. Bounded: at most
    ``SUPERVISION_ROWS`` rows per table; the per-department counts are one aggregate query."""
    county = user.jurisdiction
    if county is None or not may_supervise(user):
        raise PermissionError("not a supervisor")
    today = today or timezone.localdate(timezone=calendar.WORKING_DAY_TZ)
    tasks_qs = overdue_tasks(county=county, today=today)
    cases_qs = overdue_cases(county=county, today=today)
    tasks = [
        OverdueRow(t.case, t, t.department.name, t.due_on, calendar.working_days_between(t.due_on, today))
        for t in tasks_qs[:SUPERVISION_ROWS]
    ]
    cases = [
        OverdueRow(
            c,
            None,
            c.receiving_department.name,
            c.due_on,  # type: ignore[arg-type]
            calendar.working_days_between(c.due_on, today),  # type: ignore[arg-type]
        )
        for c in cases_qs[:SUPERVISION_ROWS]
    ]
    counts: dict[str, dict[str, Any]] = {}
    for row in tasks_qs.order_by().values("department__name", "department__sort_order").annotate(n=Count("id")):
        counts.setdefault(row["department__name"], {"order": row["department__sort_order"], "tasks": 0, "cases": 0})
        counts[row["department__name"]]["tasks"] = row["n"]
    case_counts = (
        cases_qs.order_by()
        .values("receiving_department__name", "receiving_department__sort_order")
        .annotate(n=Count("id"))
    )
    for row in case_counts:
        name = row["receiving_department__name"]
        counts.setdefault(name, {"order": row["receiving_department__sort_order"], "tasks": 0, "cases": 0})
        counts[name]["cases"] = row["n"]
    by_department = [{"department": name, **v} for name, v in sorted(counts.items(), key=lambda kv: kv[1]["order"])]
    notices = list(
        FollowUpNotice.objects.filter(case__jurisdiction=county)
        .select_related("case", "task__department")
        .order_by("-created_at", "-id")[:50]
    )
    return Supervision(
        today=today,
        tasks=tasks,
        cases=cases,
        by_department=by_department,
        notices=notices,
        task_total=sum(v["tasks"] for v in counts.values()),
        case_total=sum(v["cases"] for v in counts.values()),
    )


#: When a notice of a kind an app above handling sends is still open, registered by that app
#: (:func:`pending_register`; followup: a remedy still pending with the check date, a visit still
#: not done on its date): a filter on the notices.
_pending: dict[str, Callable[[], Q]] = {}


def pending_register(kind: str, still_open: Callable[[], Q]) -> None:
    _pending[kind] = still_open


def _still_pending() -> Q:
    """A notice whose subject is still open at the deadline it was sent about: the task or case
    still open at that deadline (催办/督办), or what the app that sent it says (``_pending``)."""
    deadline_kinds = [FollowUpKind.REMINDER, FollowUpKind.ESCALATION]
    pending = Q(kind__in=deadline_kinds, task__isnull=False, task__status__in=_OPEN_TASK, task__due_on=F("due_on")) | Q(
        kind__in=deadline_kinds, task__isnull=True, case__state__in=_OPEN_CASE, case__due_on=F("due_on")
    )
    for still_open in _pending.values():
        pending |= still_open()
    return pending


def my_notices(*, user: Staff) -> QuerySet[FollowUpNotice]:
    """我的提醒: the reminders and escalations sent to ``user``, newest first."""
    return (
        FollowUpNotice.objects.filter(recipients=user)
        .select_related("case", "task__department")
        .annotate(pending=Exists(FollowUpNotice.objects.filter(pk=OuterRef("pk")).filter(_still_pending())))
        .order_by("-created_at", "-id")
    )


def my_notice_count(*, user: Staff) -> int:
    """How many of my notices are about deadlines still open (the number on the staff home)."""
    if not user.pk:
        return 0
    return FollowUpNotice.objects.filter(recipients=user).filter(_still_pending()).count()


# --- recipients ----------------------------------------------------------------------------


def _staff_of(department_id: int, roles: Iterable[str]) -> list[Staff]:
    return list(
        Staff.objects.filter(department_id=department_id, is_active=True, roles__role__in=list(roles)).distinct()
    )


def _county_staff(county_id: int, roles: Iterable[str]) -> list[Staff]:
    return list(
        Staff.objects.filter(
            department__jurisdiction_id=county_id, is_active=True, roles__role__in=list(roles)
        ).distinct()
    )


def reminder_recipients(*, case: Case, task: Task | None) -> list[Staff]:
    """催办: the task's department handlers, its assignee and the department head; for a case
    deadline, the first receiver (首问责任人) and the receiving department's head."""
    people: dict[int, Staff] = {}
    if task is not None:
        for s in _staff_of(task.department_id, (Role.HANDLER, Role.DEPARTMENT_HEAD)):
            people[s.pk] = s
        if task.assignee_id is not None and task.assignee is not None:
            people[task.assignee.pk] = task.assignee
    else:
        people[case.owner_id] = case.owner
        for s in _staff_of(case.receiving_department_id, (Role.DEPARTMENT_HEAD,)):
            people[s.pk] = s
    return [s for s in people.values() if s.is_active]


def follow_up_recipients(*, case: Case) -> list[Staff]:
    """救济跟踪 / 回访提醒: the people who follow the case up (四(五), ``may_follow_up``) — the
    first receiver (首问责任人) and the receiving department's intake clerks and head. The group
    office may follow up any case of the county but watches through the 督办 page instead."""
    people: dict[int, Staff] = {case.owner_id: case.owner}
    for s in _staff_of(case.receiving_department_id, (Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD)):
        people[s.pk] = s
    return [s for s in people.values() if s.is_active]


def escalation_recipients(*, case: Case, task: Task | None) -> list[Staff]:
    """督办升级: the department head (DOMAIN.md), the group office and the group leader."""
    department_id = task.department_id if task is not None else case.receiving_department_id
    people = {s.pk: s for s in _staff_of(department_id, (Role.DEPARTMENT_HEAD,))}
    for s in _county_staff(case.jurisdiction_id, (Role.GROUP_OFFICE, Role.GROUP_LEADER)):
        people[s.pk] = s
    return list(people.values())


# --- writes --------------------------------------------------------------------------------


def reminder_day(due_on: date) -> date:
    """The working day after the deadline: the day the 催办 goes out."""
    return calendar.add_working_days(due_on, 1).day


def escalation_day(due_on: date) -> date:
    """The day a deadline still open is escalated (TimeLimit ``escalation`` after it)."""
    return timelimits.due(timelimits.ESCALATION, due_on).day


def _text(kind: str, case: Case, task: Task | None, due_on: date) -> str:
    subject = (
        f"{task.department.short_name or task.department.name}的{task.get_kind_display()}" if task else "案件当前环节"
    )
    verb = "催办" if kind == FollowUpKind.REMINDER else "督办升级"
    return f"【{verb}】案件{case.number}：{subject}已于{due_on:%Y年%m月%d日}到期，仍未办结。"[:255]


@transaction.atomic
def notice_send(*, case: Case, task: Task | None, kind: str, due_on: date, today: date) -> FollowUpNotice | None:
    """Send one reminder or escalation about one deadline, once: the notice, its recipients
    and the timeline event in one transaction. Returns None when it was already sent (by an
    earlier run or another worker) or the subject is no longer open at that deadline."""
    # Lock the subject so an extension or a completion cannot slip in between the check and
    # the notice; then check again what the job read outside the lock.
    if task is not None:
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("department", "assignee")
            .filter(pk=task.pk)
            .first()
        )
        if task is None or task.status not in _OPEN_TASK or task.due_on != due_on:
            return None
        case = Case.objects.select_related("owner").get(pk=task.case_id)
    else:
        locked = Case.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=case.pk).first()
        if locked is None or locked.state not in _OPEN_CASE or locked.due_on != due_on:
            return None
        case = locked
    lookup = {"case": case, "task": task, "kind": kind, "due_on": due_on}
    if FollowUpNotice.objects.filter(**lookup).exists():
        return None
    recipients = (reminder_recipients if kind == FollowUpKind.REMINDER else escalation_recipients)(case=case, task=task)
    now = timezone.now()
    text = _text(kind, case, task, due_on)
    try:
        # A savepoint: on PostgreSQL a failed insert would otherwise poison the transaction.
        with transaction.atomic():
            notice = FollowUpNotice.objects.create(**lookup, created_at=now, text=text)
    except IntegrityError:
        return None  # another worker sent it a moment ago
    notice.recipients.set(recipients)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=None,
        kind=EventKind.REMINDER if kind == FollowUpKind.REMINDER else EventKind.ESCALATION,
        summary=text,
        data={
            "notice": notice.pk,
            "task": task.pk if task else None,
            "due_on": due_on.isoformat(),
            "working_days_overdue": calendar.working_days_between(due_on, today),
            "recipients": [s.pk for s in recipients],
        },
    )
    return notice


def _follow_up_notice_create(
    *, case: Case, kind: str, due_on: date, text: str, data: dict[str, Any]
) -> FollowUpNotice | None:
    """One 救济跟踪 or 回访提醒 about ``case`` and ``due_on``, once (the caller holds the case's
    lock): the notice, its recipients and the timeline event. None when already sent."""
    lookup = {"case": case, "task": None, "kind": kind, "due_on": due_on}
    if FollowUpNotice.objects.filter(**lookup).exists():
        return None
    recipients = follow_up_recipients(case=case)
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint, as in notice_send
            notice = FollowUpNotice.objects.create(**lookup, created_at=now, text=text[:255])
    except IntegrityError:
        return None  # another worker sent it a moment ago
    notice.recipients.set(recipients)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=None,
        kind=EventKind.REMINDER,
        summary=notice.text,
        data={
            "notice": notice.pk,
            "kind": kind,
            "due_on": due_on.isoformat(),
            "recipients": [s.pk for s in recipients],
            **data,
        },
    )
    return notice


def _lock_case(case_id: int) -> Case | None:
    return Case.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=case_id).first()


@dataclass
class JobReport:
    """What one run of the deadline job did."""

    today: date
    reminders: int = 0
    escalations: int = 0
    remedies: int = 0  # 救济跟踪
    visits: int = 0  # 回访提醒
    already_sent: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.today}: 催办 {self.reminders}，督办升级 {self.escalations}，"
            f"救济跟踪 {self.remedies}，回访提醒 {self.visits}，"
            f"已发过 {self.already_sent}，出错 {len(self.errors)}"
        )


def _min_gap(code: str) -> int:
    """Calendar days a limit spans at least (N working days or N days are ≥ N days)."""
    row = timelimits.limit(code)
    return row.amount if row.unit in (TimeLimitUnit.WORKING_DAYS, TimeLimitUnit.CALENDAR_DAYS) else 0


def _candidates(kind: str, today: date, gap: int) -> tuple[QuerySet[Task], QuerySet[Case]]:
    """Open subjects at least ``gap`` days past their deadline with no notice of ``kind`` yet
    for that deadline (so a daily run only reads what it may still have to send)."""
    latest = today - timedelta(days=max(gap, 1))
    sent_task = FollowUpNotice.objects.filter(task=OuterRef("pk"), kind=kind, due_on=OuterRef("due_on"))
    sent_case = FollowUpNotice.objects.filter(
        case=OuterRef("pk"), task__isnull=True, kind=kind, due_on=OuterRef("due_on")
    )
    tasks = (
        Task.objects.filter(status__in=_OPEN_TASK, due_on__lte=latest)
        .exclude(Exists(sent_task))
        .select_related("case", "department")
        .order_by("due_on", "id")
    )
    cases = (
        Case.objects.filter(state__in=_OPEN_CASE, due_on__lte=latest)
        .exclude(Exists(sent_case))
        .order_by("due_on", "id")
    )
    return tasks, cases


#: The parts of the daily job the apps above handling add, from their ``AppConfig.ready()``
#: (:func:`job_register`): ``job(report)`` sends its notices for ``report.today`` and counts them.
_jobs: list[Callable[[JobReport], None]] = []


def job_register(job: Callable[[JobReport], None]) -> None:
    """Run ``job`` after the tasks' and cases' 催办/督办, in the order the apps are installed."""
    if job not in _jobs:
        _jobs.append(job)


def deadline_jobs_run(*, today: date | None = None) -> JobReport:
    """The daily 催办/督办 job (django-q2 schedule ``handling.deadline_jobs``, or
    ``manage.py run_deadline_jobs``), then the apps' parts (``_jobs``: the reminders of 跟踪回访,
    the online items'). Safe to run twice and on several workers at once."""
    today = today or timezone.localdate(timezone=calendar.WORKING_DAY_TZ)
    report = JobReport(today=today)
    plan = (
        (FollowUpKind.REMINDER, 1, reminder_day),
        (FollowUpKind.ESCALATION, _min_gap(timelimits.ESCALATION), escalation_day),
    )
    for kind, gap, day_of in plan:
        tasks, cases = _candidates(kind, today, gap)
        subjects: list[tuple[Case, Task | None, date]] = [(t.case, t, t.due_on) for t in tasks.iterator(chunk_size=500)]
        subjects += [(c, None, c.due_on) for c in cases.iterator(chunk_size=500) if c.due_on]
        for case, task, due_on in subjects:
            if day_of(due_on) > today:
                continue
            try:
                notice = notice_send(case=case, task=task, kind=kind, due_on=due_on, today=today)
            except Exception as exc:  # one bad row must not stop the others; logged and reported
                logger.exception("deadline job: %s on case %s failed", kind, case.pk)
                report.errors.append(f"{case.number}: {exc}")
                continue
            if notice is None:
                report.already_sent += 1
            elif kind == FollowUpKind.REMINDER:
                report.reminders += 1
            else:
                report.escalations += 1
    for job in _jobs:
        job(report)
    logger.info("deadline job %s", report)
    return report
