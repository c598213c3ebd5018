"""Building blocks for the accountability tests: the events the proposals come from."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from fengqiao.cases.models import Case
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.models import FollowUpKind, FollowUpNotice
from fengqiao.org.models import Department, Jurisdiction, Staff

IDS = [
    "150525199001010027",
    "150525199001010043",
    "150525199001010086",
    "150525199001010051",
    "150525199001010078",
    "150525199001010094",
    "150525199001010107",
    "150525199001010115",
]


def dept(code: str, county: Jurisdiction) -> Department:
    return Department.objects.get(jurisdiction=county, code=code)


def escalated_cases(clerk: Staff, n: int, *, first: int = 0) -> list[Case]:
    """``n`` cases each with one 督办升级 of its own deadline (a case-level notice counts for the
    receiving department, the tax bureau), as the daily job writes them."""
    cases = []
    for i in range(n):
        case = intake(clerk, id_number=IDS[first + i])
        FollowUpNotice.objects.create(
            case=case,
            task=None,
            kind=FollowUpKind.ESCALATION,
            due_on=timezone.localdate() - timedelta(days=8),
            created_at=timezone.now(),
            text=f"【督办升级】案件{case.number}",
        )
        cases.append(case)
    return cases


def discipline_transfer(clerk: Staff, hotline: Staff, hrss_handler: Staff, county: Jurisdiction, frozen: Any) -> Any:
    """四(八): a referral dispatched to 人社局, its return refused, never signed → 移交纪委监委."""
    from fengqiao.referrals import services as referrals
    from fengqiao.referrals.tests.helpers import referral_of, referred_case

    frozen("2026-03-02 10:00")
    referral = referral_of(referred_case(clerk, id_number=IDS[5]))
    referral = referrals.referral_dispatch(referral=referral, actor=hotline, department=dept("hrss", county))
    referral = referrals.referral_return(referral=referral, actor=hrss_handler, reason="不属本部门职责")
    referral = referrals.referral_return_reject(referral=referral, actor=hotline, reason="按三(二)3 属人社局")
    frozen("2026-03-05 10:00")
    return referrals.discipline_transfer(referral=referral, actor=clerk, note="经催办仍拒不签收")


def changed_remedy(clerk: Staff) -> Any:
    """A 行政复议 that revoked the decision of a case (the outcome as followup records it)."""
    from fengqiao.followup.models import Remedy, RemedyKind, RemedyOutcome, RemedyStatus

    case = intake(clerk, id_number=IDS[6])
    today = timezone.localdate()
    return Remedy.objects.create(
        case=case,
        kind=RemedyKind.RECONSIDERATION,
        body="奈曼旗人民政府",
        filed_on=today,
        deadline_start=today,
        statutory_deadline=today + timedelta(days=60),
        status=RemedyStatus.ENDED,
        outcome=RemedyOutcome.CHANGED,
        outcome_on=today,
        recorded_by=clerk,
        recorded_at=timezone.now(),
    )


def linked_item(clerk: Staff, county: Jurisdiction, case: Case, how: str = "number") -> Any:
    """An online item the 网信办 recorded, linked to ``case``."""
    from fengqiao.opinion.models import ItemCase, OnlineItem, Platform, RiskLevel

    item = OnlineItem.objects.create(
        jurisdiction=county,
        number=f"舆-150525-2026-{OnlineItem.objects.count() + 1:04d}",
        platform=Platform.WEIBO,
        url="https://weibo.example/1",
        seen_at=timezone.now(),
        summary="网民反映缴费基数核定问题迟迟无人处理",
        risk=RiskLevel.HIGH,
        recorded_by=clerk,
        recorded_at=timezone.now(),
    )
    ItemCase.objects.create(item=item, case=case, how=how, linked_by=clerk, linked_at=timezone.now())
    return item


def later(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)
