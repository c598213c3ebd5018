"""绩效考评 (五(四) 严格责任追究: 建立健全社会保险费征缴争议处理责任追究和绩效考评机制。对责任履行不到位，
出现工作失误、引发舆情、造成严重后果的，依法依规追责): department scorecards and their rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.analytics.models import ScoringRule
from fengqiao.analytics.scorecards import DEFAULT_RULES, Scorecard, department_scorecards, scoring_defaults_load
from fengqiao.cases.models import Case
from fengqiao.followup import services as followup
from fengqiao.followup.models import DeliveryMethod, Recipient, Satisfaction, Visit, VisitMethod
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401  (fixture)
from fengqiao.handling import services
from fengqiao.handling.followthrough.deadlines import deadline_jobs_run
from fengqiao.handling.models import FollowUpKind, FollowUpNotice
from fengqiao.handling.tests.handling_helpers import complete, general_case, head, task_of
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.referrals import services as referrals
from fengqiao.referrals.tests.helpers import dept, referral_of, referred_case


@pytest.fixture
def rules(naiman: Jurisdiction) -> None:
    scoring_defaults_load()


def _cards(county: Jurisdiction, year: int = 2026, month: int = 3) -> dict[str, Scorecard]:
    return {card.department_code: card for card in department_scorecards(county=county, year=year, month=month)}


def _deductions(card: Scorecard) -> dict[str, Decimal]:
    return {m.code: m.deduction for m in card.measures if m.deduction}


def _hrss_runs_overdue(
    naiman: Jurisdiction, clerk: Staff, tax: Staff, chief: Staff, hrss: Staff, medical: Staff, frozen_time
) -> Case:
    """A general matter given on Monday 2026-03-02: tax and medical answer the same day; hrss
    lets its opinion (due 03-09) run past due + 5 working days, is reminded and escalated by
    the daily job on 03-16, then signs for the task (its return limit was 03-03)."""
    frozen_time("2026-03-02 09:00")
    case = general_case(clerk, naiman)
    assert task_of(case, "hrss").due_on == date(2026, 3, 9)
    complete(task_of(case, "tax"), tax, chief)
    complete(task_of(case, "medical"), medical, head(naiman, "medical"))
    frozen_time("2026-03-16 09:00")
    report = deadline_jobs_run(today=date(2026, 3, 16))
    assert (report.reminders, report.escalations) == (1, 1)
    services.task_sign(task=task_of(case, "hrss"), actor=hrss)
    return case


def test_scoring_defaults_load_adds_the_eight_rules_of_5_4_once(db: None) -> None:
    """五(四) 绩效考评: the default rules are seeded (by a migration, and by setup_naiman on a
    database that lost them) once; a county's edits survive a reload."""
    assert ScoringRule.objects.count() == len(DEFAULT_RULES) == 8  # the data migrations (accountability: 0002)
    ScoringRule.objects.all().delete()
    assert scoring_defaults_load() == 8
    ScoringRule.objects.filter(code="overdue_task").update(points=Decimal("3"))
    assert scoring_defaults_load() == 0
    overdue = ScoringRule.objects.get(code="overdue_task")
    assert (overdue.label, overdue.points, overdue.cap) == ("超期未办结", Decimal("3"), Decimal("30"))
    assert all(r.basis.startswith("五（四）") and "默认值" in r.basis for r in ScoringRule.objects.all())
    assert list(ScoringRule.objects.values_list("code", flat=True)) == [code for code, *_rest in DEFAULT_RULES]


def test_overdue_task_escalation_and_late_sign_deduct_per_5_4(
    naiman, rules, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    """五(四) 对责任履行不到位…依法依规追责: 超期未办结 2, 被督办 2, 逾期签收 0.5 → 95.5."""
    _hrss_runs_overdue(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time)
    assert FollowUpNotice.objects.filter(task__department__code="hrss", kind=FollowUpKind.ESCALATION).count() == 1
    cards = _cards(naiman)
    hrss = cards["hrss"]
    assert (hrss.tasks_received, hrss.tasks_done, hrss.tasks_overdue_open) == (1, 0, 1)
    assert (hrss.signed_late, hrss.reminders, hrss.escalations) == (1, 1, 1)
    assert hrss.on_time_rate is None
    assert _deductions(hrss) == {"overdue_task": Decimal("2"), "late_sign": Decimal("0.5"), "escalation": Decimal("2")}
    assert hrss.score == Decimal("95.5")
    assert [m.code for m in hrss.measures] == [code for code, *_rest in DEFAULT_RULES]
    data = hrss.as_dict()
    assert data["score"] == "95.50" and data["measures"][0]["deduction"] == "2.00"


def test_on_time_department_scores_100_under_5_4(
    naiman, rules, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    """五(四) 绩效考评: a department that did everything within its limits loses nothing."""
    _hrss_runs_overdue(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time)
    cards = department_scorecards(county=naiman, year=2026, month=3)
    tax = next(c for c in cards if c.department_code == "tax")
    assert (tax.tasks_received, tax.tasks_done, tax.tasks_done_on_time, tax.on_time_rate) == (1, 1, 1, 1.0)
    assert (tax.tasks_overdue_open, tax.reminders, tax.escalations) == (0, 0, 0)
    assert tax.score == Decimal("100") and not _deductions(tax)
    # one card per member unit (三(一)) of the county, in the department order
    assert [c.department_code for c in cards] == list(
        naiman.departments.filter(active=True, is_member_unit=True)
        .order_by("sort_order", "id")
        .values_list("code", flat=True)
    )
    # nothing of March shows in February
    february = _cards(naiman, month=2)
    assert february["hrss"].tasks_received == 0 and february["hrss"].score == Decimal("100")


def test_editing_a_5_4_rule_points_changes_the_score(
    naiman, rules, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    """五(四): the points are the county's (admin); 超期未办结 5 per task → 92.5."""
    _hrss_runs_overdue(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time)
    ScoringRule.objects.filter(code="overdue_task").update(points=Decimal("5"))
    assert _cards(naiman)["hrss"].score == Decimal("92.5")
    ScoringRule.objects.filter(code="overdue_task").update(points=Decimal("50"))  # capped at 30
    hrss = _cards(naiman)["hrss"]
    assert _deductions(hrss)["overdue_task"] == Decimal("30")
    assert hrss.score == Decimal("67.5")  # 100 − 30 − 0.5 − 2


def test_inactive_or_unknown_5_4_rule_deducts_nothing(
    naiman, rules, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time
) -> None:
    """五(四): an inactive rule (被督办 switched off) and a rule whose code is unknown are ignored."""
    _hrss_runs_overdue(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, frozen_time)
    ScoringRule.objects.filter(code="escalation").update(active=False)
    ScoringRule.objects.create(code="public_opinion", label="引发舆情", points=Decimal("10"), cap=Decimal("30"))
    hrss = _cards(naiman)["hrss"]
    assert hrss.escalations == 1  # still counted, not scored
    assert "escalation" not in [m.code for m in hrss.measures]
    assert "public_opinion" not in [m.code for m in hrss.measures]
    assert hrss.score == Decimal("97.5")


def test_month_boundaries_are_local_time_for_5_4(naiman, rules, intake_clerk, frozen_time) -> None:
    """五(四) 按月考评: a task given at 00:30 on 1 March in Naiman (16:30 UTC on 28 February)
    belongs to March."""
    frozen_time("2026-03-01 00:30")
    general_case(intake_clerk, naiman)
    assert _cards(naiman, month=3)["hrss"].tasks_received == 1
    assert _cards(naiman, month=2)["hrss"].tasks_received == 0


def _deliver(case: Case, actor: Staff) -> None:
    followup.feedback_record(case=case, actor=actor, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)


def test_late_feedback_and_dissatisfied_visit_deduct_per_5_4(
    naiman, rules, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    """五(四) with 四(四) 结果反馈 (2 working days) and 四(五) 跟踪回访: decided on Monday 03-02,
    delivered on Friday 03-06 (due 03-04), the payer dissatisfied → 逾期反馈 1, 不满意 1 → 98."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-06 10:00")
    _deliver(case, intake_clerk)
    frozen_time("2026-03-09 10:00")
    followup.visit_record(
        visit=Visit.objects.get(case=case),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=False,
        notes="对处理时间不满意",
    )
    tax = _cards(naiman)["tax"]
    assert (tax.decisions, tax.feedback_late) == (1, 1)
    assert (tax.visits_done, tax.satisfied, tax.dissatisfied) == (1, 0, 1)
    assert _deductions(tax) == {"late_feedback": Decimal("1"), "dissatisfied": Decimal("1")}
    assert tax.score == Decimal("98")


def test_refusal_transferred_to_discipline_commission_deducts_10_per_5_4(
    naiman, rules, intake_clerk, hotline_officer, hrss_handler, frozen_time
) -> None:
    """五(四) with 四(八): a department that refused without good reason (线索移交纪委监委) loses 10."""
    frozen_time("2026-03-02 10:00")
    referral = referral_of(referred_case(intake_clerk))
    referral = referrals.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    referral = referrals.referral_return(referral=referral, actor=hrss_handler, reason="不属本部门职责")
    referral = referrals.referral_return_reject(
        referral=referral, actor=hotline_officer, reason="按三(二)3 人社局负责参保登记，退回理由不成立"
    )
    frozen_time("2026-03-05 10:00")
    referrals.discipline_transfer(referral=referral, actor=intake_clerk, note="经催办仍拒不签收")
    hrss = _cards(naiman)["hrss"]
    assert hrss.refusals == 1
    # The referral path counts like a task's (issue 11 §4): received, returned, and — never
    # signed after the office rejected the return — overdue open as well.
    assert (hrss.tasks_received, hrss.tasks_returned, hrss.tasks_overdue_open) == (1, 1, 1)
    assert _deductions(hrss) == {"refusal": Decimal("10"), "overdue_task": Decimal("2")}
    assert hrss.score == Decimal("88")


def test_5_4_scorecards_take_the_same_queries_however_many_cases(
    naiman, rules, intake_clerk, tax_handler, department_head, hrss_handler, frozen_time
) -> None:
    """五(四) 每月考评: aggregate queries grouped by department, not one per case."""
    frozen_time("2026-03-02 09:00")
    first = decided_own_case(intake_clerk, tax_handler, department_head)
    general_case(intake_clerk, naiman)
    frozen_time("2026-03-03 10:00")
    _deliver(first, intake_clerk)  # on time
    department_scorecards(county=naiman, year=2026, month=3)  # the calendar year is cached now
    with CaptureQueriesContext(connection) as few:
        department_scorecards(county=naiman, year=2026, month=3)

    second = decided_own_case(intake_clerk, tax_handler, department_head)
    for _ in range(3):
        case = general_case(intake_clerk, naiman)
        services.task_sign(task=task_of(case, "hrss"), actor=hrss_handler)
    frozen_time("2026-03-09 10:00")
    _deliver(second, intake_clerk)  # issued 03-03, due 03-05: late
    deadline_jobs_run(today=date(2026, 3, 9))
    with CaptureQueriesContext(connection) as many:
        cards = _cards(naiman)
    assert len(many) == len(few) <= 13, [q["sql"] for q in many.captured_queries]  # 12, + SET jit on PostgreSQL
    tax = cards["tax"]
    assert (tax.decisions, tax.feedback_late, tax.tasks_received) == (2, 1, 6)
    assert cards["hrss"].tasks_received == 4


def test_setup_naiman_seeds_the_5_4_rules(db: None) -> None:
    """``manage.py setup_naiman`` loads the default 绩效考评 rules with the rest of the set-up."""
    ScoringRule.objects.all().delete()  # the data migration loaded them already
    out = StringIO()
    call_command("setup_naiman", stdout=out)
    assert "新增考评规则 8 条" in out.getvalue()
    out = StringIO()
    call_command("setup_naiman", stdout=out)
    assert "新增考评规则 0 条" in out.getvalue()


def test_admin_edits_5_4_rules_and_reads_reports(naiman, rules, admin_client) -> None:
    """The points, caps and switches of 五(四)'s rules are edited in the admin's list; reports
    are read-only there."""
    client = admin_client
    page = client.get(reverse("admin:analytics_scoringrule_changelist"))
    assert page.status_code == 200
    assert 'name="form-0-points"' in page.content.decode()
    overdue = ScoringRule.objects.get(code="overdue_task")
    form = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "_save": "保存"}
    form |= {"form-0-id": str(overdue.pk), "form-0-points": "3", "form-0-cap": "30", "form-0-active": "on"}
    assert client.post(reverse("admin:analytics_scoringrule_changelist"), form).status_code == 302
    overdue.refresh_from_db()
    assert overdue.points == Decimal("3")
    assert client.get(reverse("admin:analytics_monthlyreport_changelist")).status_code == 200
    assert client.get(reverse("admin:analytics_monthlyreport_add")).status_code == 403
