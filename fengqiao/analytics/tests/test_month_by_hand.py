"""综合分析 (四(六)) and 绩效考评 (五(四)) against a month counted by hand.

March 2026 in Naiman is built through the real services — a general matter, a major matter in
special handling with a consultation, two own-handled matters (one between a worker and the
employer, one delivered late and taken to 行政复议), and two 12345 referrals (四(八)): one
returned by three departments and then refused, one signed late and answered — and then every
figure of ``monthly_figures`` and every measure of every scorecard is compared with the counts
written out below, each with the record it comes from.

Rules checked (issue 11 §4): numerator and denominator of a rate count the same things
(四(四) 向争议双方进行反馈: deliveries to both parties, each against the feedback limit); every
measure counts every path that produces it — tasks (joint, special, meeting resolutions) and
12345 referrals; visits to both parties are counted (四(五) 对被反馈的争议双方进行跟踪回访)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.analytics.analysis import monthly_figures
from fengqiao.analytics.scorecards import department_scorecards, scoring_defaults_load
from fengqiao.archive.services import dossier_seal
from fengqiao.cases.models import Case
from fengqiao.followup import services as followup
from fengqiao.followup.models import (
    DeliveryMethod,
    Recipient,
    RemedyKind,
    RemedyOutcome,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_own_case, decided_with_other_party, file_storage
from fengqiao.handling import services as handling
from fengqiao.handling.models import Task, TaskKind
from fengqiao.handling.tests.handling_helpers import (
    complete,
    decision_draft,
    dept,
    general_case,
    head,
    major_case,
    task_of,
    worker,
)
from fengqiao.meetings import services as meetings
from fengqiao.meetings.models import ConsultationKind
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.referrals import services as referrals
from fengqiao.referrals.tests.helpers import answer, referral_of, referred_case

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def _visit(case: Case, party: str, actor: Staff, satisfaction: str, objects: bool) -> None:
    visit = Visit.objects.get(case=case, party=party, done_at__isnull=True)
    followup.visit_record(
        visit=visit,
        actor=actor,
        method=VisitMethod.PHONE,
        satisfaction=satisfaction,
        objects_to_decision=objects,
    )


def _deliver(case: Case, actor: Staff, recipient: str = Recipient.PAYER, method: str = DeliveryMethod.IN_PERSON):
    return followup.feedback_record(case=case, actor=actor, recipient=recipient, method=method)


@pytest.fixture
def march(
    naiman: Jurisdiction,
    intake_clerk: Staff,
    tax_handler: Staff,
    department_head: Staff,
    hrss_handler: Staff,
    medical_handler: Staff,
    group_office: Staff,
    group_leader: Staff,
    hotline_officer: Staff,
    file_storage,
    frozen_time,
) -> dict[str, Case]:
    """March 2026 (Monday 2 March … ), every step through its service."""
    scoring_defaults_load()
    clerk, chief = intake_clerk, department_head
    justice, finance = worker(naiman, "justice"), worker(naiman, "finance")
    frozen_time("2026-03-02 09:00")
    # A — general matter: tax leads, hrss and medical co-handle; all three opinions on 2 March.
    a = general_case(clerk, naiman)
    complete(task_of(a, "tax"), tax_handler, chief)
    complete(task_of(a, "hrss"), hrss_handler, head(naiman, "hrss"))
    complete(task_of(a, "medical"), medical_handler, head(naiman, "medical"))
    handling.decision_issue(decision=decision_draft(a, clerk), actor=clerk)
    # B — own-handled, a worker against the employer (另一方当事人); C — own-handled.
    b = decided_with_other_party(clerk, tax_handler, chief)
    c = decided_own_case(clerk, tax_handler, chief)
    # D — 12345 referral returned by hrss, medical and justice; the office rejects justice's
    # reasons and sends it back; justice does not sign (refusal, 四(八)).
    d = referred_case(clerk)
    ref = referrals.referral_dispatch(referral=referral_of(d), actor=hotline_officer, department=dept(naiman, "hrss"))
    ref = referrals.referral_return(referral=ref, actor=hrss_handler, reason="不属本部门职责")
    ref = referrals.referral_dispatch(referral=ref, actor=hotline_officer, department=dept(naiman, "medical"))
    ref = referrals.referral_return(referral=ref, actor=medical_handler, reason="不属本部门职责")
    ref = referrals.referral_dispatch(referral=ref, actor=hotline_officer, department=dept(naiman, "justice"))
    ref = referrals.referral_return(referral=ref, actor=justice, reason="不属本部门职责")
    ref = referrals.referral_return_reject(
        referral=ref, actor=hotline_officer, reason="按派单目录属司法局，退回理由不成立"
    )
    # E — 12345 referral to hrss (sign by 3 March).
    e = referred_case(clerk)
    e_ref = referrals.referral_dispatch(referral=referral_of(e), actor=hotline_officer, department=dept(naiman, "hrss"))
    # F — major matter: the leader agrees to special handling by hrss and finance; finance
    # returns its task at once.
    f = major_case(clerk)
    special = f.special_requests.get()
    handling.special_request_forward(special=special, actor=group_office)
    handling.special_request_approve(
        special=special, actor=group_leader, member_units=[dept(naiman, "hrss"), dept(naiman, "finance")]
    )
    handling.task_return(task=task_of(f, "finance"), actor=finance, reason="不属本单位职责")
    consultation = meetings.consultation_create(
        actor=group_office,
        data=meetings.ConsultationData(
            kind=ConsultationKind.GENERAL,
            topic="灵活就业人员缴费基数争议会商",
            starts_at=timezone.now() + timedelta(days=1),
            place="旗税务局三楼会议室",
            cases=(f,),
        ),
    )

    frozen_time("2026-03-03 10:00")
    # The consultation is held; its resolution becomes medical's task, which medical returns.
    meetings.consultation_hold(consultation=consultation, actor=group_office)
    resolution = meetings.resolution_add(
        consultation=consultation,
        actor=group_office,
        department=dept(naiman, "medical"),
        text="医保局核查医疗保险缴费基数",
        case=f,
        make_task=True,
    )
    assert resolution.task is not None
    handling.task_return(task=resolution.task, actor=medical_handler, reason="不涉及医疗保险")
    complete(task_of(f, "hrss", TaskKind.SPECIAL_OPINION), hrss_handler, head(naiman, "hrss"))
    # 结果反馈 within the limit (issued 2 March, due 4 March): A's payer; B's payer and, by two
    # methods, the employer — three deliveries within minutes, all on time.
    _deliver(a, clerk)
    _deliver(b, clerk)
    frozen_time("2026-03-03 10:05")
    _deliver(b, clerk, Recipient.OTHER_PARTY, DeliveryMethod.IN_PERSON)
    frozen_time("2026-03-03 10:10")
    _deliver(b, clerk, Recipient.OTHER_PARTY, DeliveryMethod.POST)

    frozen_time("2026-03-04 09:00")
    e_ref = referrals.referral_sign(referral=e_ref, actor=hrss_handler)  # a day late (due 3 March)

    frozen_time("2026-03-05 10:00")
    referrals.discipline_transfer(referral=ref, actor=clerk, note="经退回理由不成立后仍拒不签收")
    _visit(a, Recipient.PAYER, clerk, Satisfaction.SATISFIED, False)
    _visit(b, Recipient.PAYER, clerk, Satisfaction.SATISFIED, False)
    _visit(b, Recipient.OTHER_PARTY, clerk, Satisfaction.BASICALLY, True)  # the employer objects: recorded
    dossier_seal(case=Case.objects.get(pk=a.pk), actor=clerk)

    frozen_time("2026-03-06 10:00")
    answer(e_ref, hrss_handler)  # the 处理意见书 of hrss, due 25 March

    frozen_time("2026-03-09 10:00")
    _deliver(c, clerk)  # late: issued 2 March, due 4 March
    _deliver(Case.objects.get(pk=e.pk), clerk)  # issued 6 March, due 10 March
    _visit(c, Recipient.PAYER, clerk, Satisfaction.DISSATISFIED, True)

    frozen_time("2026-03-10 10:00")
    _visit(e, Recipient.PAYER, clerk, Satisfaction.SATISFIED, False)
    remedy = followup.remedy_record(
        case=c, actor=clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 10)
    )
    frozen_time("2026-03-20 10:00")
    followup.remedy_outcome(remedy=remedy, actor=clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 3, 20))

    frozen_time("2026-04-01 10:00")  # the report is made after the month
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_each_monthly_figure_equals_the_hand_count_4_6(naiman: Jurisdiction, march: dict[str, Case]) -> None:
    """四(六) 按月…综合研判分析: every figure of March against the hand count."""
    with CaptureQueriesContext(connection) as captured:
        m = monthly_figures(county=naiman, year=2026, month=3)
    assert len(captured.captured_queries) <= 40  # aggregate queries, as test_analysis bounds them

    def rows(counts):  # (key, count) of a breakdown
        return [(c.key, c.count) for c in counts]

    # 受理: A–F, all received on 2 March; none before.
    assert (m.received, m.received_previous_month, m.received_same_month_last_year) == (6, 0, 0)
    assert rows(m.by_category) == [("04", 6)]  # the helper's category
    assert rows(m.by_payer_group) == [("flexible", 6)]
    assert rows(m.by_payer_kind) == [("person", 6)]
    assert rows(m.by_channel) == [("window", 6)]
    assert rows(m.by_township) == [("150525100", 6)]
    assert rows(m.by_intake_outcome) == [("review", 4), ("own", 2)]  # A, D, E, F / B, C
    assert rows(m.by_classification) == [("", 2), ("unclear", 2), ("general", 1), ("major", 1)]
    # 调查处理: decisions of A, B, C (2 March) and E (hrss's answer, 6 March), all in time.
    assert (m.decided, m.decided_on_time) == (4, 4)
    assert rows(m.by_result) == [("explain", 4)]
    # Due in March: A's three tasks, B's and C's own tasks (9 March), hrss's special opinion on
    # F (16 March) and referral E (25 March) — 7, all done in time. Finance's special task and
    # medical's resolution task were returned: not due.
    assert (m.tasks_due, m.tasks_done_on_time) == (7, 7)
    # Returned: finance's special task and medical's resolution task (tasks, meetings), and D
    # by hrss, medical and justice (referrals) — 5.
    assert m.tasks_returned == 5
    # Open on 1 April: B (following up), C (remedy tracking), D (referred), E (following up),
    # F (special handling); A is archived. Past their step's limit before 1 April: B and E
    # (follow-up limits 10 and 16 March), D (its limit to sign, 3 March); C's step has no
    # limit, F's runs to 6 May.
    assert (m.open_at_end, m.overdue_open) == (5, 3)
    due = {key: Case.objects.get(pk=c.pk).due_on for key, c in march.items() if key in "bcdef"}
    assert due == {
        "b": date(2026, 3, 10),
        "c": None,
        "d": date(2026, 3, 3),
        "e": date(2026, 3, 16),
        "f": date(2026, 5, 6),
    }
    assert (m.extensions, m.consultations, m.referrals, m.discipline_transfers) == (0, 1, 2, 1)
    # 结果反馈: A, B, B's employer twice (3 March), C (9 March, late), E (9 March) — 6, 5 in
    # time; the same six deliveries in both.
    assert (m.deliveries, m.deliveries_on_time) == (6, 5)
    assert rows(m.deliveries_by_party) == [("payer", 4), ("other_party", 2)]
    # 跟踪回访: A, B, B's employer (5 March), C (9 March), E (10 March).
    assert m.visits_done == 5
    assert rows(m.visits_by_party) == [("payer", 4), ("other_party", 1)]
    assert rows(m.by_satisfaction) == [("satisfied", 3), ("basically", 1), ("dissatisfied", 1)]
    assert (m.objections, m.objections_other_party) == (1, 1)  # C's payer / B's employer
    assert rows(m.remedies_filed) == [("reconsideration", 1)]
    assert rows(m.remedies_ended) == [("upheld", 1)]
    assert m.archived == 1  # A
    # 预警: one payer (the helper's ID number) came six times within 90 days; nothing else
    # reaches a threshold (5 visits, 1 不满意 = 20 % → the dissatisfaction warning, yellow).
    assert [(w.kind, w.level) for w in m.warnings] == [
        ("category_surge", "red"),
        ("township_cluster", "yellow"),
        ("repeat_payer", "yellow"),
        ("dissatisfaction", "yellow"),
    ]
    repeat = next(w for w in m.warnings if w.kind == "repeat_payer")
    assert repeat.text == "同一缴费人90日内反映6次" and len(repeat.cases) == 6


ZERO = {
    "tasks_received": 0,
    "tasks_done": 0,
    "tasks_done_on_time": 0,
    "tasks_overdue_open": 0,
    "tasks_returned": 0,
    "signed_late": 0,
    "reminders": 0,
    "escalations": 0,
    "extensions": 0,
    "decisions": 0,
    "feedback_late": 0,
    "visits_done": 0,
    "satisfied": 0,
    "dissatisfied": 0,
    "refusals": 0,
}


def test_each_scorecard_measure_equals_the_hand_count_5_4(naiman: Jurisdiction, march: dict[str, Case]) -> None:
    """五(四) 绩效考评, with 四(八): every path that gives a department work counts — tasks, meeting
    resolutions and 12345 referrals — and each deduction follows from the counts."""
    expected = {
        # A, B, C tasks done on 2 March; decisions A, B, C; C delivered late; visits of the
        # cases it received: A, B payer, B employer, C, E (4 satisfied or basically, 1 不满意).
        "tax": {
            **ZERO,
            "tasks_received": 3,
            "tasks_done": 3,
            "tasks_done_on_time": 3,
            "decisions": 3,
            "feedback_late": 1,
            "visits_done": 5,
            "satisfied": 4,
            "dissatisfied": 1,
        },
        # A's task, F's special task, referrals D and E received; A, F and E done in time; D
        # returned; E signed a day late; E's answer is hrss's decision.
        "hrss": {
            **ZERO,
            "tasks_received": 4,
            "tasks_done": 3,
            "tasks_done_on_time": 3,
            "tasks_returned": 1,
            "signed_late": 1,
            "decisions": 1,
        },
        # A's task (done), the resolution task (returned), referral D (returned).
        "medical": {**ZERO, "tasks_received": 3, "tasks_done": 1, "tasks_done_on_time": 1, "tasks_returned": 2},
        # Referral D: received, returned, sent back, never signed (overdue), transferred.
        "justice": {**ZERO, "tasks_received": 1, "tasks_overdue_open": 1, "tasks_returned": 1, "refusals": 1},
        # F's special task, returned.
        "finance": {**ZERO, "tasks_received": 1, "tasks_returned": 1},
    }
    occurrences = {
        "tax": {"late_feedback": 1, "dissatisfied": 1},
        "hrss": {"late_sign": 1},
        "justice": {"overdue_task": 1, "refusal": 1},
    }
    # Default rules: 超期未办结 2, 逾期签收 0.5, 逾期反馈 1, 回访不满意 1, 拒不办理 10.
    deductions = {
        "tax": {"late_feedback": Decimal("1"), "dissatisfied": Decimal("1")},
        "hrss": {"late_sign": Decimal("0.5")},
        "justice": {"overdue_task": Decimal("2"), "refusal": Decimal("10")},
    }
    scores = {"tax": Decimal("98"), "hrss": Decimal("99.5"), "justice": Decimal("88")}
    assert set(Task.objects.filter(case=march["f"]).values_list("department__code", "kind")) == {
        ("hrss", TaskKind.SPECIAL_OPINION),
        ("finance", TaskKind.SPECIAL_OPINION),
        ("medical", TaskKind.RESOLUTION),
    }
    with CaptureQueriesContext(connection) as captured:
        cards = department_scorecards(county=naiman, year=2026, month=3)
    # aggregate queries by department, not per record (and on PostgreSQL SET LOCAL jit = off)
    assert len(captured.captured_queries) <= 13
    assert {"tax", "hrss", "medical", "justice", "finance"} <= {c.department_code for c in cards}
    for card in cards:
        counts = {name: getattr(card, name) for name in ZERO}
        assert counts == expected.get(card.department_code, ZERO), card.department_code
        assert {m.code: m.deduction for m in card.measures if m.deduction} == deductions.get(
            card.department_code, {}
        ), card.department_code
        assert {m.code: m.occurrences for m in card.measures if m.occurrences} == occurrences.get(
            card.department_code, {}
        ), card.department_code
        assert card.score == scores.get(card.department_code, Decimal("100")), card.department_code
