"""A referred case's deadline follows the referral (四(八), docs/referrals.md "Deadlines").

四(八): 由旗政府办根据12345政务服务便民热线运行机制，按照部门职责转交承办部门办理，承办部门应在规定
时限内进行办理并反馈. The case's ``due_on`` — what the workbench, the overdue lists, the 催办 job
and the decision's ``due_was`` read (docs/deadlines.md) — is the limit of the step the referral
is at, from the ``core.TimeLimit`` rows (DOMAIN.md "Default time limits"):

- dispatched, re-dispatched, designated or sent back (退回理由不成立): ``referral_sign``, 1 working
  day from that day to sign for it (12345热线做法) — the referral's ``sign_due_on``;
- signed for: ``referral_complaint`` 15 working days / ``referral_consultation`` 5 working days
  (广东12345热线规则) from the signing day — the referral's ``handle_due_on``;
- returned to the office: ``referral_sign`` from the return day, the limit the case had on
  first reaching the office (``cases.workflow`` ``route_unclear``);
- answered: the decision is issued and the case takes the ``feedback`` limit (2 working days).

Before, the case kept the first 1-working-day limit from the review through dispatch, signing
and handling, and showed overdue the day after the review. The recorded limit and start
(``due_limit``, ``due_from``) let a missing year's holidays recompute it (docs/calendar.md).
March 2026 has no holidays: the dates are plain working days."""

from __future__ import annotations

from datetime import date

import pytest

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.core import timelimits
from fengqiao.handling.followthrough import deadlines
from fengqiao.handling.tests.handling_helpers import worker
from fengqiao.referrals import services
from fengqiao.referrals.models import ReferralKind
from fengqiao.referrals.tests.helpers import answer, dept, referral_of, referred_case

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def due(case: Case) -> tuple[date | None, str, date | None]:
    case.refresh_from_db()
    return case.due_on, case.due_limit, case.due_from


def overdue(case: Case, today: str) -> bool:
    return deadlines.overdue_cases(county=case.jurisdiction, today=D(today)).filter(pk=case.pk).exists()


def test_the_case_follows_dispatch_signing_and_answering(
    intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time
) -> None:
    """A complaint reviewed on Monday 2 March, dispatched on Wednesday, signed for on Thursday:
    the case is due when the department must sign (5 March, ``referral_sign``), then when it must
    answer (26 March, ``referral_complaint``: 15 working days), and is never overdue meanwhile."""
    frozen_time("2026-03-02 10:00")
    case = referred_case(intake_clerk)
    assert due(case) == (D("2026-03-03"), timelimits.REFERRAL_SIGN, D("2026-03-02"))  # cases.workflow
    version = case.version

    frozen_time("2026-03-04 10:00")
    referral = services.referral_dispatch(
        referral=referral_of(case), actor=hotline_officer, department=dept("hrss", naiman)
    )
    assert due(case) == (D("2026-03-05"), timelimits.REFERRAL_SIGN, D("2026-03-04"))
    assert referral.sign_due_on == case.due_on and not case.due_provisional
    assert case.version == version + 1  # a page of the case read before is stale
    assert not overdue(case, "2026-03-05")

    frozen_time("2026-03-05 16:00")
    referral = services.referral_sign(referral=referral, actor=hrss_handler)
    assert due(case) == (D("2026-03-26"), timelimits.REFERRAL_COMPLAINT, D("2026-03-05"))
    assert referral.handle_due_on == case.due_on
    assert not overdue(case, "2026-03-06") and not overdue(case, "2026-03-26")
    assert overdue(case, "2026-03-27")  # the handling limit passed: overdue, as it should be

    frozen_time("2026-03-20 10:00")
    referral = answer(referral, hrss_handler)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert due(case) == (D("2026-03-24"), timelimits.FEEDBACK, D("2026-03-20"))  # 2 working days
    # The limit the answer ran under is the one the decide step records (the analysis reads it).
    decide = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION, data__transition="decide")
    assert decide.data["due_was"] == "2026-03-26"


def test_a_consultation_has_five_working_days(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time):
    """``referral_consultation``: 5 working days from signing (广东12345热线规则)."""
    frozen_time("2026-03-02 10:00")
    case = referred_case(intake_clerk)
    referral = services.referral_dispatch(
        referral=referral_of(case), actor=hotline_officer, department=dept("hrss", naiman), kind="consultation"
    )
    assert referral.kind == ReferralKind.CONSULTATION
    referral = services.referral_sign(referral=referral, actor=hrss_handler)
    assert due(case) == (D("2026-03-09"), timelimits.REFERRAL_CONSULTATION, D("2026-03-02"))
    assert referral.handle_due_on == case.due_on


def test_returned_sent_back_and_designated(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time):
    """A return hands the case back to the office (``referral_sign`` from the return day); 退回理由
    不成立 and 指定承办 give the department a new day to sign (``referral_sign``)."""
    frozen_time("2026-03-02 10:00")
    case = referred_case(intake_clerk)
    referral = services.referral_dispatch(
        referral=referral_of(case), actor=hotline_officer, department=dept("hrss", naiman)
    )
    frozen_time("2026-03-03 10:00")
    referral = services.referral_return(referral=referral, actor=hrss_handler, reason="属医保局核定的特殊缴费事项")
    assert due(case) == (D("2026-03-04"), timelimits.REFERRAL_SIGN, D("2026-03-03"))
    frozen_time("2026-03-04 10:00")
    referral = services.referral_return_reject(referral=referral, actor=hotline_officer, reason="属人社局职责")
    assert due(case) == (D("2026-03-05"), timelimits.REFERRAL_SIGN, D("2026-03-04"))
    assert referral.sign_due_on == case.due_on

    # Three returns, then the office designates the department (12345 practice).
    other = referred_case(intake_clerk)
    ref = referral_of(other)
    for code in ("hrss", "medical", "finance"):
        ref = services.referral_dispatch(referral=ref, actor=hotline_officer, department=dept(code, naiman))
        ref = services.referral_return(referral=ref, actor=worker(naiman, code), reason="不属本部门职责")
    frozen_time("2026-03-05 10:00")
    ref = services.referral_designate(referral=ref, actor=hotline_officer, department=dept("hrss", naiman))
    assert due(other) == (D("2026-03-06"), timelimits.REFERRAL_SIGN, D("2026-03-05"))
    assert ref.sign_due_on == other.due_on


def test_entering_the_year_makes_the_referral_and_the_case_agree(
    intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time, django_capture_on_commit_callbacks
) -> None:
    """docs/calendar.md: a limit counted into a year whose holidays are not known is provisional
    and becomes exact once the year is entered — the case's ``due_on`` (``handling.followthrough.recompute``)
    and the referral's own ``sign_due_on`` / ``handle_due_on`` (``referrals.recompute``) alike,
    so they never disagree. The 2027 row is test data, not the real schedule."""
    from fengqiao.core.models import CalendarDay, CalendarYear

    frozen_time("2026-12-30 10:00")  # a Wednesday
    signed = referred_case(intake_clerk)
    ref_signed = services.referral_dispatch(
        referral=referral_of(signed), actor=hotline_officer, department=dept("hrss", naiman), kind="consultation"
    )
    ref_signed = services.referral_sign(referral=ref_signed, actor=hrss_handler)
    frozen_time("2026-12-31 10:00")
    waiting = referred_case(intake_clerk)
    ref_waiting = services.referral_dispatch(
        referral=referral_of(waiting), actor=hotline_officer, department=dept("hrss", naiman)
    )
    # 1 January 2027 is counted as a working day while 2027 is unknown.
    assert (ref_waiting.sign_due_on, waiting.due_provisional) == (D("2027-01-01"), True)
    assert ref_signed.handle_due_on == D("2027-01-06")  # 31 Dec, 1, 4, 5, 6 January

    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        CalendarYear.objects.create(year=2027, complete=True, source="测试数据")

    ref_waiting.refresh_from_db()
    ref_signed.refresh_from_db()
    assert due(waiting)[0] == ref_waiting.sign_due_on == D("2027-01-04")
    assert due(signed)[0] == ref_signed.handle_due_on == D("2027-01-07")
    assert not waiting.due_provisional and not signed.due_provisional
    assert CaseEvent.objects.filter(case=waiting, kind=EventKind.NOTE, data__referral=ref_waiting.pk).exists()
