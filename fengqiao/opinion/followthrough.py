"""催办 and 督办升级 of overdue responses (三(二)9; 五(四)): the daily deadline job of tasks
(``handling.followthrough.deadlines.deadline_jobs_run``) calls ``item_jobs_run`` too, with the same
days — the reminder on the working day after the response deadline, the escalation once the
``escalation`` limit is past — and the same recipients: the responsible department's handlers
and head are reminded; its head, the group office and the leader get the escalation. Each
notice is sent once per (item, kind, deadline); a new deadline (another department, another
risk level) gets its own."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef

from fengqiao.core import timelimits
from fengqiao.handling.followthrough.deadlines import _county_staff, _min_gap, _staff_of, escalation_day, reminder_day
from fengqiao.opinion.models import ItemNotice, ItemStatus, NoticeKind, OnlineItem
from fengqiao.opinion.services import notice_create
from fengqiao.org.models import Role, Staff

if TYPE_CHECKING:
    from fengqiao.handling.followthrough.deadlines import JobReport

logger = logging.getLogger(__name__)


def recipients(*, item: OnlineItem, kind: str) -> list[Staff]:
    """催办: the responsible department's handlers and head; 督办升级: its head, the group office
    and the group leader (as for a task)."""
    department_id = item.responsible_department_id
    assert department_id is not None
    if kind == NoticeKind.REMINDER:
        return _staff_of(department_id, (Role.HANDLER, Role.DEPARTMENT_HEAD))
    people = {s.pk: s for s in _staff_of(department_id, (Role.DEPARTMENT_HEAD,))}
    for s in _county_staff(item.jurisdiction_id, (Role.GROUP_OFFICE, Role.GROUP_LEADER)):
        people[s.pk] = s
    return list(people.values())


@transaction.atomic
def item_notice_send(*, item: OnlineItem, kind: str, due_on: date) -> ItemNotice | None:
    """One reminder or escalation about an overdue response, once; None when already sent or
    the item is closed or its deadline moved since."""
    locked = (
        OnlineItem.objects.select_for_update(of=("self",))
        .select_related("responsible_department")
        .filter(pk=item.pk)
        .first()
    )
    if locked is None or locked.status == ItemStatus.CLOSED or locked.response_due_on != due_on:
        return None
    if locked.responsible_department_id is None:
        return None
    verb = "催办" if kind == NoticeKind.REMINDER else "督办升级"
    text = (
        f"【{verb}】网络舆情{locked.number}：{locked.responsible_department}的回应已于"
        f"{due_on:%Y年%m月%d日}到期，仍未办结。"
    )
    return notice_create(
        item=locked, kind=kind, due_on=due_on, text=text, recipients=recipients(item=locked, kind=kind), actor=None
    )


def item_jobs_run(report: JobReport) -> None:
    """The items' part of the daily job: adds its reminders and escalations to ``report``."""
    today = report.today
    plan = (
        (NoticeKind.REMINDER, 1, reminder_day),
        (NoticeKind.ESCALATION, _min_gap(timelimits.ESCALATION), escalation_day),
    )
    for kind, gap, day_of in plan:
        latest = today - timedelta(days=max(gap, 1))
        sent = ItemNotice.objects.filter(item=OuterRef("pk"), kind=kind, due_on=OuterRef("response_due_on"))
        candidates = (
            OnlineItem.objects.exclude(status=ItemStatus.CLOSED)
            .filter(response_due_on__lte=latest, responsible_department__isnull=False)
            .exclude(Exists(sent))
            .order_by("response_due_on", "id")
        )
        for item in candidates.iterator(chunk_size=500):
            assert item.response_due_on is not None
            if day_of(item.response_due_on) > today:
                continue
            try:
                notice = item_notice_send(item=item, kind=kind, due_on=item.response_due_on)
            except Exception as exc:  # one bad row must not stop the others; logged and reported
                logger.exception("deadline job: %s on online item %s failed", kind, item.pk)
                report.errors.append(f"{item.number}: {exc}")
                continue
            if notice is None:
                report.already_sent += 1
            elif kind == NoticeKind.REMINDER:
                report.reminders += 1
            else:
                report.escalations += 1
