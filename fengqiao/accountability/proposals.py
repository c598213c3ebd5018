"""责任追究的线索 (五(四)): the records the system proposes from what it already knows. Run daily
by the django-q2 schedule ``accountability.proposals`` (08:30, after the 催办/督办 job) and by
``manage.py accountability_propose``; safe to run twice and on several workers at once, since
each proposal carries the ``source_key`` of its event and that key is unique.

The sources, each a failure of 五(四) (责任履行不到位、工作失误、引发舆情、造成严重后果):

- 超期督办: a department escalated (督办升级, ``handling.followthrough``) at least
  ``FENGQIAO_ACCOUNTABILITY_ESCALATIONS`` times (default 3) in one calendar month (Asia/Shanghai)
  — once per department and month (``escalations:<department id>:<YYYY-MM>``). An escalation
  is a deadline still open 5 working days after it passed; one such lapse is already a
  deduction in the scorecard (被督办), repeated ones are a failure to perform. Setting the
  threshold to 1 proposes on every month with an escalation.
- 移送纪委监委: every transfer of case clues to the 纪委监委 (四(八): 无正当理由且拒不处理),
  naming the refusing department (``transfer:<id>``).
- 引发舆情: an online item (网络舆情) linked to a case that was escalated or is overdue — the
  handling failure that led to the item — naming the escalated task's department (else the
  receiving department) (``opinion:<link id>``). A lead case opened from the item (据此立案)
  follows the item and is not counted as its cause.
- 处理意见被复议诉讼变更: a remedy (行政复议、仲裁、诉讼) that changed or revoked the decision,
  naming the department that issued it (``remedy:<id>``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from fengqiao.accountability.models import AccountabilityRecord, Failure
from fengqiao.accountability.services import proposal_make
from fengqiao.cases.models import Case
from fengqiao.cases.states import OPEN_STATES
from fengqiao.core import calendar
from fengqiao.handling.models import FollowUpKind, FollowUpNotice
from fengqiao.org.models import Department

logger = logging.getLogger(__name__)

#: How many months back the escalation count looks (the running month and the one before, so a
#: month's last escalations are counted after it ends).
ESCALATION_MONTHS_BACK = 1
#: The case numbers a proposal's facts list at most.
FACTS_CASES = 20


def escalation_threshold() -> int:
    """督办升级 in one month at or above which a department is proposed (setting, at least 1)."""
    return max(int(getattr(settings, "FENGQIAO_ACCOUNTABILITY_ESCALATIONS", 3)), 1)


@dataclass
class ProposalReport:
    """What one run proposed, by source."""

    today: date
    escalations: int = 0
    transfers: int = 0
    opinions: int = 0
    remedies: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.today}: 超期督办 {self.escalations}，移送纪委监委 {self.transfers}，"
            f"引发舆情 {self.opinions}，处理意见被变更 {self.remedies}，"
            f"已提出过 {self.already}，出错 {len(self.errors)}"
        )


def _keyed(qs: QuerySet[Any], prefix: str) -> QuerySet[Any]:
    """``qs`` without the rows already proposed (their ``<prefix>:<pk>`` key exists)."""
    key = Concat(Value(f"{prefix}:"), Cast("pk", CharField()), output_field=CharField())
    proposed = AccountabilityRecord.objects.filter(source_key=OuterRef("_key"))
    return qs.alias(_key=key).exclude(Exists(proposed))


def _month_start(day: date, back: int) -> date:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _escalations(report: ProposalReport) -> None:
    from fengqiao.core.calendar import month_bounds

    threshold = escalation_threshold()
    first = _month_start(report.today, ESCALATION_MONTHS_BACK)
    start, _end = month_bounds(first.year, first.month)
    rows = (
        FollowUpNotice.objects.filter(kind=FollowUpKind.ESCALATION, created_at__gte=start)
        .annotate(dept=Coalesce("task__department_id", "case__receiving_department_id"))
        .values_list("dept", "created_at", "case__number", "due_on")
        .order_by("created_at", "id")
    )
    groups: dict[tuple[int, str], list[tuple[str, date]]] = defaultdict(list)
    for dept, created_at, number, due_on in rows.iterator(chunk_size=500):
        month = calendar.local_day(created_at).strftime("%Y-%m")
        groups[(dept, month)].append((number, due_on))
    due = {key: found for key, found in groups.items() if len(found) >= threshold}
    if not due:
        return
    departments = Department.objects.select_related("jurisdiction").in_bulk({dept for dept, _m in due})
    for (dept_id, month), found in sorted(due.items()):
        department = departments[dept_id]
        year, mon = month.split("-")
        listed = "、".join(f"{n}（期限{d:%Y-%m-%d}）" for n, d in found[:FACTS_CASES])
        more = f"等{len(found)}件" if len(found) > FACTS_CASES else ""
        facts = (
            f"{year}年{int(mon)}月，{department.name}办理的事项超期5个工作日仍未办结，被督办升级{len(found)}次"
            f"（达到每月{threshold}次的追责提示标准）：{listed}{more}。"
        )
        _make(
            report,
            "escalations",
            source_key=f"escalations:{dept_id}:{month}",
            county=department.jurisdiction,
            department=department,
            failure=Failure.OVERDUE_ESCALATION,
            facts=facts,
        )


def _transfers(report: ProposalReport) -> None:
    from fengqiao.referrals.models import DisciplineTransfer

    transfers = _keyed(DisciplineTransfer.objects.all(), "transfer").select_related(
        "case", "jurisdiction", "refusing_department"
    )
    for t in transfers.order_by("transferred_at", "id").iterator(chunk_size=200):
        facts = (
            f"案件{t.case.number}报送办理中，{t.refusing_department.name}{t.get_ground_display()}，"
            f"受理部门于{calendar.local_day(t.transferred_at):%Y年%m月%d日}将案件线索移交纪委监委（四（八））。"
            + (f"说明：{t.note}" if t.note else "")
        )
        _make(
            report,
            "transfers",
            source_key=f"transfer:{t.pk}",
            county=t.jurisdiction,
            department=t.refusing_department,
            failure=Failure.DISCIPLINE_TRANSFER,
            facts=facts,
            case=t.case,
        )


def _opinions(report: ProposalReport) -> None:
    from fengqiao.opinion.models import ItemCase, LinkHow

    escalated = FollowUpNotice.objects.filter(case=OuterRef("case_id"), kind=FollowUpKind.ESCALATION)
    overdue = Q(case__state__in=[s.value for s in OPEN_STATES], case__due_on__lt=report.today)
    links = (
        _keyed(ItemCase.objects.exclude(how=LinkHow.LEAD), "opinion")
        .filter(Exists(escalated) | overdue)
        .select_related("item", "case__jurisdiction", "case__receiving_department")
        .order_by("linked_at", "id")
    )
    for link in links.iterator(chunk_size=200):
        case = link.case
        notice = (
            FollowUpNotice.objects.filter(case=case, kind=FollowUpKind.ESCALATION)
            .select_related("task__department")
            .order_by("-created_at", "-id")
            .first()
        )
        department = notice.task.department if notice is not None and notice.task is not None else None
        department = department or case.receiving_department
        if notice is not None:
            failure_text = f"曾于{calendar.local_day(notice.created_at):%Y年%m月%d日}因超期被督办升级"
        else:
            failure_text = f"当前环节已于{case.due_on:%Y年%m月%d日}到期仍未办结"
        facts = (
            f"网络舆情{link.item.number}（{link.item.get_platform_display()}，{link.item.get_risk_display()}）"
            f"关联案件{case.number}；该案件{failure_text}，{department.name}的办理问题引发舆情。"
        )
        _make(
            report,
            "opinions",
            source_key=f"opinion:{link.pk}",
            county=case.jurisdiction,
            department=department,
            failure=Failure.OPINION_INCIDENT,
            facts=facts,
            case=case,
            item=link.item,
        )


def _remedies(report: ProposalReport) -> None:
    from fengqiao.followup.models import Remedy, RemedyOutcome

    remedies = (
        _keyed(Remedy.objects.filter(outcome=RemedyOutcome.CHANGED), "remedy")
        .select_related("case__jurisdiction", "case__receiving_department", "decision")
        .order_by("outcome_on", "id")
    )
    for remedy in remedies.iterator(chunk_size=200):
        case = remedy.case
        department = _issuer(case, remedy.decision_id)
        when = f"{remedy.outcome_on:%Y年%m月%d日}" if remedy.outcome_on else ""
        facts = (
            f"案件{case.number}的处理意见经{remedy.get_kind_display()}（{remedy.body}）{when}被变更或撤销；"
            f"处理意见由{department.name}作出。"
        )
        _make(
            report,
            "remedies",
            source_key=f"remedy:{remedy.pk}",
            county=case.jurisdiction,
            department=department,
            failure=Failure.DECISION_CHANGED,
            facts=facts,
            case=case,
        )


def _issuer(case: Case, decision_id: int | None) -> Department:
    """Who issued the contested decision: the department that answered the case's 12345
    referral when the decision is that answer (四(八)), else the receiving department."""
    from fengqiao.referrals.models import Referral

    if decision_id is None:
        return case.receiving_department
    referral = Referral.objects.filter(case=case, decision_id=decision_id).select_related("department").first()
    if referral is not None and referral.department is not None:
        return referral.department
    return case.receiving_department


def _make(report: ProposalReport, counter: str, **kwargs: Any) -> None:
    try:
        record = proposal_make(**kwargs)
    except Exception as exc:  # one bad row must not stop the others; logged and reported
        logger.exception("accountability proposals: %s failed", kwargs.get("source_key"))
        report.errors.append(f"{kwargs.get('source_key')}: {exc}")
        return
    if record is None:
        report.already += 1
    else:
        setattr(report, counter, getattr(report, counter) + 1)


def proposals_run(*, today: date | None = None) -> ProposalReport:
    """Propose every record the known events call for and that was not proposed before."""
    today = today or timezone.localdate(timezone=calendar.WORKING_DAY_TZ)
    report = ProposalReport(today=today)
    for source in (_escalations, _transfers, _opinions, _remedies):
        source(report)
    logger.info("accountability proposals %s", report)
    return report


def proposals_task() -> str:
    """The django-q2 entry point (a schedule stores a dotted path and no arguments)."""
    return str(proposals_run())
