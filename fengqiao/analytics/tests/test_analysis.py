"""综合分析 (四(六)): 按月根据不同的争议事项、不同的争议群体，以及调查处理和跟踪回访情况进行综合研判
分析 — ``fengqiao.analytics.analysis.monthly_figures`` on cases built through the services."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.analytics.analysis import Count, EarlyWarning, monthly_figures
from fengqiao.archive.services import dossier_seal
from fengqiao.cases.models import Case, Channel, DisputeCategory, PayerGroup, PayerKind
from fengqiao.cases.services import PayerData, case_merge, case_register, case_review
from fengqiao.cases.states import Classification, IntakeOutcome
from fengqiao.cases.tests.helpers import intake_data
from fengqiao.core.calendar import calendar_cache_clear
from fengqiao.core.identifiers import resident_id_check_char
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
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401  (a fixture)
from fengqiao.handling import services as handling
from fengqiao.handling.models import DecisionResult
from fengqiao.handling.tests.handling_helpers import complete, decision_draft, dept, task_of
from fengqiao.org.models import Jurisdiction, Staff

pytestmark = pytest.mark.django_db

Freeze = Callable[[str], Any]
EMPLOYER_CODE = "91150525MA0N1234X5"


def person_id(n: int) -> str:
    """A valid 公民身份号码 (GB 11643) of Naiman Banner, different for every ``n``."""
    body = f"15052519850315{n:03d}"
    return body + resident_id_check_char(body)


def register(
    freeze: Freeze,
    clerk: Staff,
    at: str,
    *,
    categories: tuple[str, ...] = ("04",),
    township: str = "150525100",
    person: int = 0,
    name: str = "张三",
    group: str = PayerGroup.FLEXIBLE,
    employer: bool = False,
    channel: str = Channel.WINDOW,
    **kwargs: Any,
) -> Case:
    """Register a case at ``at`` (Asia/Shanghai) for the given payer."""
    freeze(at)
    data = intake_data(clerk, categories=categories, township=township, **kwargs)
    if employer:
        payer = PayerData(
            kind=PayerKind.EMPLOYER,
            name="奈曼旗宏达商贸有限公司",
            payer_group=PayerGroup.EMPLOYER,
            credit_code=EMPLOYER_CODE,
        )
    else:
        payer = PayerData(kind=PayerKind.PERSON, name=name, payer_group=group, id_number=person_id(person))
    return case_register(actor=clerk, data=dataclasses.replace(data, payer=payer, channel=channel))


def category_name(code: str) -> str:
    return DisputeCategory.objects.get(code=code).name


def numbers(*cases: Case) -> list[str]:
    return [c.number for c in cases]


def test_4_6_received_cases_by_category_and_payer_group_in_the_local_month(
    naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Freeze
) -> None:
    """四(六) 不同的争议事项、不同的争议群体: the month's intake by category, payer group and kind,
    channel, township, outcome and classification; month boundaries at Shanghai midnight;
    merged duplicates left out; the previous month and the same month a year before."""
    register(frozen_time, intake_clerk, "2025-03-10 10:00", person=1)  # March a year before
    register(frozen_time, intake_clerk, "2026-02-28 23:30", person=2)  # February, Shanghai time
    register(frozen_time, intake_clerk, "2026-03-01 00:10", categories=("04", "05"), person=3)
    register(
        frozen_time,
        intake_clerk,
        "2026-03-02 09:00",
        categories=("05",),
        township="150525401",
        employer=True,
        outcome=IntakeOutcome.OWN,
    )
    m3 = register(frozen_time, intake_clerk, "2026-03-03 09:00", person=4, group=PayerGroup.RETIREE)
    case_review(
        case=m3,
        actor=intake_clerk,
        classification=Classification.GENERAL,
        lead_department=dept(naiman, "tax"),
        co_departments=[dept(naiman, "hrss")],
    )
    duplicate = register(
        frozen_time, intake_clerk, "2026-03-04 09:00", categories=("06",), person=4, group=PayerGroup.RETIREE
    )
    case_merge(case=duplicate, into=m3, actor=intake_clerk, reason="同一缴费人同一事项重复登记")
    register(frozen_time, intake_clerk, "2026-04-01 00:05", person=5)  # April
    frozen_time("2026-03-20 10:00")  # generated before the month's end

    figures = monthly_figures(county=naiman, year=2026, month=3)

    assert (figures.county_code, figures.start, figures.end) == ("150525", date(2026, 3, 1), date(2026, 4, 1))
    assert (figures.received, figures.received_previous_month, figures.received_same_month_last_year) == (3, 1, 1)
    assert figures.by_category == [Count("04", category_name("04"), 2), Count("05", category_name("05"), 2)]
    assert figures.by_payer_group == [
        Count("employer", "用人单位", 1),
        Count("flexible", "灵活就业人员", 1),
        Count("retiree", "退休人员", 1),
    ]
    assert figures.by_payer_kind == [Count("person", "个人", 2), Count("employer", "用人单位", 1)]
    assert figures.by_channel == [Count("window", "窗口来访", 3)]
    assert figures.by_township == [Count("150525100", "大沁他拉镇", 2), Count("150525401", "大沁他拉街道", 1)]
    assert figures.by_intake_outcome == [
        Count("review", "需多部门办理或职责不清，登记后审核转办", 2),
        Count("own", "属本部门职责，限时办结", 1),
    ]
    assert figures.by_classification == [Count("", "未分类", 2), Count("general", "一般事项", 1)]
    # As at generation (20 March): open cases received before 1 April — the April one is
    # not, the merged one is closed; past due: all but the general matter (due 24 March).
    assert figures.open_at_end == 5
    assert figures.overdue_open == 4
    # Tasks due in March: the own task (9 March) and the two joint opinions (10 March).
    assert (figures.tasks_due, figures.tasks_done_on_time, figures.tasks_returned) == (3, 0, 0)
    assert figures.warnings == []

    feb = monthly_figures(county=naiman, year=2026, month=2)
    assert (feb.received, feb.by_category) == (1, [Count("04", category_name("04"), 1)])
    assert monthly_figures(county=naiman, year=2026, month=4).received == 1
    assert figures.as_dict()["start"] == "2026-03-01"


def test_4_6_category_surge_township_cluster_and_repeat_payer_warnings(
    naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Freeze
) -> None:
    """四(六) 防范化解税费征缴舆情风险: a category surging against its three-month average, a
    township cluster, and a payer who came three times in 90 days — named by case numbers
    only, never by name or ID number (五(三))."""
    repeat: dict[str, Any] = {"person": 99, "name": "李四"}
    baseline_04 = [
        register(frozen_time, intake_clerk, "2025-12-10 09:00", **repeat),  # more than 90 days before 1 April
        register(frozen_time, intake_clerk, "2026-01-10 09:00", **repeat),
        register(frozen_time, intake_clerk, "2026-02-10 09:00", **repeat),
    ]
    for n, day in enumerate(["2025-12-11", "2025-12-12", "2026-01-12", "2026-01-13", "2026-02-11", "2026-02-12"]):
        register(frozen_time, intake_clerk, f"{day} 10:00", categories=("05",), person=10 + n)
    surge_04 = [
        register(frozen_time, intake_clerk, f"2026-03-{day:02d} 09:00", person=20 + day) for day in (2, 3, 4, 5, 6)
    ]
    surge_04.append(register(frozen_time, intake_clerk, "2026-03-09 09:00", **repeat))
    townships = ("150525101", "150525102", "150525103", "150525104", "150525105")
    surge_05 = [
        register(frozen_time, intake_clerk, f"2026-03-{10 + i} 09:00", categories=("05",), township=t, person=40 + i)
        for i, t in enumerate(townships)
    ]
    for i in range(4):  # four of a category never seen before: under the minimum
        register(
            frozen_time, intake_clerk, f"2026-03-1{i} 15:00", categories=("07",), township=townships[i], person=60 + i
        )
    frozen_time("2026-04-01 09:00")

    figures = monthly_figures(county=naiman, year=2026, month=3)

    by_kind: dict[str, list[EarlyWarning]] = {}
    for warning in figures.warnings:
        by_kind.setdefault(warning.kind, []).append(warning)
    assert set(by_kind) == {"category_surge", "township_cluster", "repeat_payer"}
    surge_red, surge_yellow = by_kind["category_surge"]
    # 04: 6 this month against 1 a month before: 6.0× → red.
    assert surge_red == EarlyWarning(
        "category_surge", "red", f"“04 {category_name('04')}”本月受理6件，为前三个月月均的6.0倍", numbers(*surge_04)
    )
    # 05: 5 against 2 a month: 2.5× → yellow.
    assert surge_yellow == EarlyWarning(
        "category_surge", "yellow", f"“05 {category_name('05')}”本月受理5件，为前三个月月均的2.5倍", numbers(*surge_05)
    )
    [cluster] = by_kind["township_cluster"]
    assert cluster.level == "yellow"
    assert cluster.text == f"大沁他拉镇本月受理“04 {category_name('04')}”争议6件，呈聚集态势"
    assert cluster.cases == numbers(*surge_04)
    [payer] = by_kind["repeat_payer"]
    assert payer == EarlyWarning(
        "repeat_payer", "yellow", "同一缴费人90日内反映3次", numbers(baseline_04[1], baseline_04[2], surge_04[-1])
    )
    for warning in figures.warnings:
        assert "李四" not in warning.text and person_id(99) not in warning.text
        assert len(warning.cases) <= 20


def test_4_6_decisions_feedback_visits_remedies_and_archive_of_the_month(
    naiman: Jurisdiction, intake_clerk: Staff, tax_handler: Staff, department_head: Staff, frozen_time: Freeze
) -> None:
    """四(六) 调查处理和跟踪回访情况: decisions issued in the month and within the limit of the
    step they ended; tasks due and done on time; feedback within the feedback limit (四(四));
    satisfaction and objections of the visits (四(五)); remedies filed and ended; dossiers
    sealed (四(七)); departments with overdue tasks."""
    frozen_time("2026-02-02 09:00")
    late = case_register(
        actor=intake_clerk, data=intake_data(intake_clerk, outcome=IntakeOutcome.OWN, id_number=person_id(1))
    )  # own handling due 9 February
    frozen_time("2026-03-02 09:00")
    on_time = decided_own_case(intake_clerk, tax_handler, department_head)  # due 9 March, decided 2 March
    complete(task_of(late, "tax"), tax_handler, department_head)
    handling.decision_issue(decision=decision_draft(late, intake_clerk, DecisionResult.REJECT), actor=department_head)
    frozen_time("2026-03-03 09:00")
    open_tasks = [
        register(frozen_time, intake_clerk, "2026-03-03 09:00", person=10 + i, outcome=IntakeOutcome.OWN)
        for i in range(3)
    ]  # tax tasks due 10 March, never done
    informed = register(
        frozen_time,
        intake_clerk,
        "2026-03-03 10:00",
        person=20,
        outcome=IntakeOutcome.INFORM,
        informed_department=naiman.departments.get(code="hrss"),
        informed_note="请携带身份证原件。",
    )
    frozen_time("2026-03-03 10:30")
    followup.feedback_record(
        case=on_time, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON
    )  # feedback due 4 March: on time
    frozen_time("2026-03-10 10:00")
    followup.feedback_record(case=late, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
    followup.visit_record(
        visit=Visit.objects.get(case=on_time),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.SATISFIED,
        objects_to_decision=False,
    )
    frozen_time("2026-03-11 10:00")
    followup.visit_record(
        visit=Visit.objects.get(case=late),
        actor=intake_clerk,
        method=VisitMethod.VISIT,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    frozen_time("2026-03-20 09:00")
    remedy = followup.remedy_record(
        case=late, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=date(2026, 3, 20)
    )
    frozen_time("2026-03-25 09:00")
    followup.remedy_outcome(
        remedy=remedy, actor=intake_clerk, outcome=RemedyOutcome.UPHELD, outcome_on=date(2026, 3, 25)
    )
    dossier_seal(case=informed, actor=intake_clerk)
    frozen_time("2026-04-01 09:00")

    figures = monthly_figures(county=naiman, year=2026, month=3)

    assert (figures.decided, figures.decided_on_time) == (2, 1)
    assert figures.by_result == [Count("explain", "解释说明", 1), Count("reject", "不予支持", 1)]
    # Due in March: the decided case's own task (9 March, done 2 March) and three never done.
    assert (figures.tasks_due, figures.tasks_done_on_time) == (4, 1)
    assert (figures.deliveries, figures.deliveries_on_time) == (2, 1)
    assert figures.visits_done == 2
    assert figures.by_satisfaction == [Count("dissatisfied", "不满意", 1), Count("satisfied", "满意", 1)]
    assert figures.objections == 1
    assert figures.remedies_filed == [Count("reconsideration", "行政复议", 1)]
    assert figures.remedies_ended == [Count("upheld", "维持处理意见", 1)]
    assert figures.archived == 1
    assert (figures.extensions, figures.consultations, figures.referrals, figures.discipline_transfers) == (0, 0, 0, 0)
    [overdue] = [w for w in figures.warnings if w.kind == "overdue_department"]
    assert overdue.text == f"{dept(naiman, 'tax').name}有3项办理任务超期未办结"
    assert overdue.cases == numbers(*open_tasks)

    february = monthly_figures(county=naiman, year=2026, month=2)
    assert (february.tasks_due, february.tasks_done_on_time, february.decided) == (1, 0, 0)


def test_4_6_dissatisfaction_warning_from_the_months_visits(
    naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Freeze
) -> None:
    """四(五)(六): five visits done in the month, two 不满意 (40 %) → a red warning with the two
    cases. The visits are written directly: the rule only reads them."""
    cases = [register(frozen_time, intake_clerk, f"2026-03-0{2 + i} 09:00", person=i) for i in range(5)]
    answers = [Satisfaction.SATISFIED, Satisfaction.DISSATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED]
    for i, (case, answer) in enumerate(zip(cases, [*answers, Satisfaction.SATISFIED], strict=True)):
        Visit.objects.create(
            case=case,
            scheduled_on=date(2026, 3, 20),
            done_at=datetime.fromisoformat(f"2026-03-2{i}T10:00:00+08:00"),
            method=VisitMethod.PHONE,
            satisfaction=answer,
            by=intake_clerk,
        )
    frozen_time("2026-04-01 09:00")

    figures = monthly_figures(county=naiman, year=2026, month=3)

    assert figures.visits_done == 5
    assert figures.by_satisfaction == [
        Count("dissatisfied", "不满意", 2),
        Count("satisfied", "满意", 2),
        Count("basically", "基本满意", 1),
    ]
    [warning] = [w for w in figures.warnings if w.kind == "dissatisfaction"]
    assert warning == EarlyWarning(
        "dissatisfaction", "red", "本月回访5件，不满意2件，占40%", numbers(cases[1], cases[3])
    )


def test_4_6_monthly_figures_query_count_does_not_grow_with_the_cases(
    naiman: Jurisdiction, intake_clerk: Staff, frozen_time: Freeze, django_assert_max_num_queries: Any
) -> None:
    """四(六) 按月综合研判 over a county's years of cases: aggregate queries only, the same number
    for a handful of cases as for many more, every warning raised in both."""

    def measure() -> int:
        frozen_time("2026-04-01 09:00")
        calendar_cache_clear()
        with CaptureQueriesContext(connection) as captured:
            figures = monthly_figures(county=naiman, year=2026, month=3)
        assert {w.kind for w in figures.warnings} == {
            "category_surge",
            "township_cluster",
            "repeat_payer",
            "overdue_department",
        }
        return len(captured.captured_queries)

    for i in range(6):  # one payer, one category, one township, own handling: every warning but one
        register(frozen_time, intake_clerk, f"2026-03-0{2 + i} 09:00", person=1, outcome=IntakeOutcome.OWN)
    small = measure()

    for i in range(24):
        register(
            frozen_time,
            intake_clerk,
            f"2026-{1 + i % 3:02d}-{10 + i % 12} 1{i % 8}:00",
            categories=(f"{1 + i % 9:02d}", "04"),
            township=("150525101", "150525401", "150525200")[i % 3],
            person=10 + i % 8,
            group=(PayerGroup.EMPLOYEE, PayerGroup.RESIDENT, PayerGroup.FLEXIBLE)[i % 3],
            channel=(Channel.PHONE, Channel.HOTLINE, Channel.WINDOW)[i % 3],
            outcome=(IntakeOutcome.OWN, IntakeOutcome.REVIEW)[i % 2],
        )
    larger = measure()

    assert Case.objects.count() == 30
    assert larger == small
    frozen_time("2026-04-01 09:00")
    with django_assert_max_num_queries(40):
        monthly_figures(county=naiman, year=2026, month=3)
