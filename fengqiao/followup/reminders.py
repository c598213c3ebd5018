"""The 跟踪回访 part of the daily deadline job (四(五); ``handling.followthrough.deadlines``, which
runs it as registered in ``FollowupConfig.ready``): the people who follow a case up — the first
receiver and the receiving department's intake clerks and head — are reminded

- 救济跟踪: on a pending remedy's check date (``Remedy.next_check_on``), to follow its progress
  (the payer who objects applied for reconsideration, arbitration, …; :func:`remedy_notice_send`);
- 回访提醒: the working day after a scheduled visit that was not done, where the case's own
  deadline does not already cover it (:func:`visit_notice_send`).

Each is one ``handling.FollowUpNotice`` per (case, kind, date), sent once, as the tasks' 催办;
it stays open while :func:`remedy_still_open` / :func:`visit_still_open` hold.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.followup.models import Remedy, RemedyStatus, Visit
from fengqiao.followup.selectors import remedies_to_follow_up
from fengqiao.handling.followthrough.deadlines import (
    _OPEN_CASE,
    JobReport,
    _follow_up_notice_create,
    _lock_case,
    logger,
    reminder_day,
)
from fengqiao.handling.models import FollowUpKind, FollowUpNotice

# 跟踪回访 (四(五)): the states in which visits are made.
_VISIT_STATES = [CaseState.FOLLOWING_UP.value, CaseState.REMEDY_TRACKING.value]


def remedy_still_open() -> Q:
    """A 救济跟踪 notice is open while a remedy of its case is still pending with that check date."""
    remedy_due = Remedy.objects.filter(
        case=OuterRef("case"), status=RemedyStatus.PENDING, next_check_on=OuterRef("due_on")
    )
    return Q(Exists(remedy_due), kind=FollowUpKind.REMEDY, case__state__in=_OPEN_CASE)


def visit_still_open() -> Q:
    """A 回访提醒 is open while a visit of its case is still not done on that date."""
    visit_due = Visit.objects.filter(case=OuterRef("case"), done_at__isnull=True, scheduled_on=OuterRef("due_on"))
    return Q(Exists(visit_due), kind=FollowUpKind.VISIT, case__state__in=_VISIT_STATES)


def _remedy_text(case: Case, remedies: list[Any]) -> str:
    parts = "、".join(
        f"{r.get_kind_display()}（受理机关{r.body}，法定期限至{r.statutory_deadline:%Y年%m月%d日}"
        f"{'，暂定' if r.deadline_provisional else ''}）"
        for r in remedies
    )
    return f"【救济跟踪】案件{case.number}：缴费人申请的{parts}请跟踪进展。"


@transaction.atomic
def remedy_notice_send(*, case: Case, due_on: date, today: date) -> FollowUpNotice | None:
    """救济跟踪 (四(五) 跟踪回访): remind the people who follow ``case`` up that its pending
    remedies checked on ``due_on`` (``Remedy.next_check_on``) are to be followed, once per
    (case, check date). None when already sent, or when no remedy of the case is still pending
    with that check date (it ended, or its progress was noted and the next check set)."""
    locked = _lock_case(case.pk)
    if locked is None or locked.state not in _OPEN_CASE:
        return None
    remedies = list(
        Remedy.objects.filter(case=locked, status=RemedyStatus.PENDING, next_check_on=due_on).order_by("filed_on", "id")
    )
    if not remedies:
        return None
    return _follow_up_notice_create(
        case=locked,
        kind=FollowUpKind.REMEDY,
        due_on=due_on,
        text=_remedy_text(locked, remedies),
        data={"remedies": [r.pk for r in remedies]},
    )


def _visit_covered(case: Case, scheduled_on: date) -> bool:
    """A visit on the case's own deadline in 跟踪回访 is covered by the case's 催办: the payer's
    delivery starts the follow-up limit (``follow_up_start`` sets ``Case.due_on``) and the first
    visit is scheduled on that day, so ``notice_send`` already reminds the first receiver and
    the department head the working day after it (and escalates later). No second notice."""
    return case.state == CaseState.FOLLOWING_UP and case.due_on == scheduled_on


@transaction.atomic
def visit_notice_send(*, case: Case, due_on: date, today: date) -> FollowUpNotice | None:
    """回访提醒 (四(五) 跟踪回访): a visit of ``case`` scheduled on ``due_on`` was not done; remind
    the people who follow the case up, once per (case, date). None when already sent, when the
    visit has been done since, or when the case's own 催办 covers it (``_visit_covered``)."""
    locked = _lock_case(case.pk)
    if locked is None or locked.state not in _VISIT_STATES or _visit_covered(locked, due_on):
        return None
    visits = list(Visit.objects.filter(case=locked, done_at__isnull=True, scheduled_on=due_on).order_by("id"))
    if not visits:
        return None
    text = f"【回访提醒】案件{locked.number}：计划于{due_on:%Y年%m月%d日}进行的跟踪回访尚未完成，请及时回访并记录。"
    return _follow_up_notice_create(
        case=locked,
        kind=FollowUpKind.VISIT,
        due_on=due_on,
        text=text,
        data={"visits": [v.pk for v in visits]},
    )


def _remedies_due(today: date) -> list[tuple[Case, date]]:
    """(case, check date) of the pending remedies due for follow-up on ``today`` without a
    救济跟踪 notice for that date yet."""
    sent = FollowUpNotice.objects.filter(
        case=OuterRef("case"), task__isnull=True, kind=FollowUpKind.REMEDY, due_on=OuterRef("next_check_on")
    )
    seen: dict[tuple[int, date], Case] = {}
    for remedy in (
        remedies_to_follow_up(today).filter(case__state__in=_OPEN_CASE).exclude(Exists(sent)).iterator(chunk_size=500)
    ):
        if remedy.next_check_on is not None:
            seen.setdefault((remedy.case_id, remedy.next_check_on), remedy.case)
    return [(case, day) for (_pk, day), case in seen.items()]


def _visits_due(today: date) -> list[tuple[Case, date]]:
    """(case, date) of visits scheduled before ``today`` and not done, in a follow-up state,
    without a 回访提醒 for that date yet (the covered ones are skipped by ``visit_notice_send``
    and, cheaply, here)."""
    sent = FollowUpNotice.objects.filter(
        case=OuterRef("case"), task__isnull=True, kind=FollowUpKind.VISIT, due_on=OuterRef("scheduled_on")
    )
    visits = (
        Visit.objects.filter(done_at__isnull=True, scheduled_on__lt=today, case__state__in=_VISIT_STATES)
        .exclude(case__state=CaseState.FOLLOWING_UP, case__due_on=F("scheduled_on"))
        .exclude(Exists(sent))
        .select_related("case")
        .order_by("scheduled_on", "id")
    )
    seen: dict[tuple[int, date], Case] = {}
    for visit in visits.iterator(chunk_size=500):
        if reminder_day(visit.scheduled_on) <= today:
            seen.setdefault((visit.case_id, visit.scheduled_on), visit.case)
    return [(case, day) for (_pk, day), case in seen.items()]


def follow_up_jobs_run(report: JobReport) -> None:
    """The 跟踪回访 part of the daily job (四(五)): 救济跟踪 for remedies whose check date has come,
    回访提醒 for visits not done. Adds to ``report``."""
    plan = (
        (FollowUpKind.REMEDY, _remedies_due, remedy_notice_send),
        (FollowUpKind.VISIT, _visits_due, visit_notice_send),
    )
    for kind, due, send in plan:
        for case, day in due(report.today):
            try:
                notice = send(case=case, due_on=day, today=report.today)
            except Exception as exc:  # one bad row must not stop the others; logged and reported
                logger.exception("deadline job: %s on case %s failed", kind, case.pk)
                report.errors.append(f"{case.number}: {exc}")
                continue
            if notice is None:
                report.already_sent += 1
            elif kind == FollowUpKind.REMEDY:
                report.remedies += 1
            else:
                report.visits += 1
