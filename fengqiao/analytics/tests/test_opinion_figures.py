"""综合分析 (四(六) 防范化解税费征缴舆情风险) with the online items (三(二)9, issue 15) and the
accountability records (五(四)): the month's figures against counts written out by hand, the
early warnings at their thresholds, the query count, the kept month, the page, the API and the
report document.

March 2026 in Naiman (generated on 1 April, 10:00):

======  ===============  =========  ======  ========  =========  =============================
item    seen (Shanghai)  recorded   risk    platform  category   steps / closing / due / links
======  ===============  =========  ======  ========  =========  =============================
I1      3-02 10:00       3-02 11:00 high    weibo     04         step 13:00 (2 h); closed 3-04
                                                                 11:00 (48 h), due 3-03: late;
                                                                 cases A, B
I2      3-05 08:00       3-05 09:00 medium  douyin    04, 05     step 15:00 (6 h); closed 3-06
                                                                 09:00 (24 h), due 3-10; B, C
I3      3-20 09:00       3-20 10:00 low     weibo     05         open, due 3-25: late at
                                                                 generation; case E (merged)
I4      3-31 23:30       4-01 08:00 low     wechat    —          step 4-01 09:00 (1 h); open,
                                                                 due 4-03
I5      2-28 23:30       3-01 09:00 high    forum     04         February; open; case D (open)
I6      4-01 00:30       4-01 08:30 medium  weibo     04         April
======  ===============  =========  ======  ========  =========  =============================

Accountability records (proposed → status, decided):

R1 3-03 overdue_escalation tax proposed (names a person) · R2 3-05 opinion_incident hrss
confirmed 3-10 · R3 3-08 discipline_transfer tax dismissed 3-09 · R4 2-20 manual tax confirmed
3-02 · R5 3-30 manual medical confirmed 4-01 09:00 · R6 4-01 08:00 manual tax proposed."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.accountability.services import proposal_make, record_confirm
from fengqiao.analytics import analysis, months, services
from fengqiao.analytics.analysis import EarlyWarning, MonthlyFigures, monthly_figures
from fengqiao.analytics.scorecards import department_scorecards, scoring_defaults_load
from fengqiao.analytics.tests.test_pages import api
from fengqiao.cases.models import Case, DisputeCategory
from fengqiao.cases.services import case_merge
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents.tests import pdfcheck
from fengqiao.followup.tests.helpers import file_storage  # noqa: F401  (a fixture)
from fengqiao.handling.tests.handling_helpers import dept
from fengqiao.opinion.models import ItemCase, ItemStatus, LinkHow, OnlineItem, ResponseStep, StepKind
from fengqiao.opinion.services import ItemData, item_close, item_link, item_record, step_record
from fengqiao.org.models import Jurisdiction, Staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRIVATE_PHONE = "13912345678"  # in an item's summary: never in the figures


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)


def item(
    county: Jurisdiction,
    recorder: Staff,
    number: int,
    *,
    seen: str,
    recorded: str,
    risk: str,
    platform: str,
    categories: tuple[str, ...] = (),
    due: str | None = None,
    closed: str | None = None,
    steps: tuple[str, ...] = (),
    cases: tuple[Case, ...] = (),
) -> OnlineItem:
    """An online item as the opinion services leave it (its rows written directly: the figures
    read only these)."""
    made = OnlineItem.objects.create(
        jurisdiction=county,
        number=f"舆-150525-2026-{number:04d}",
        platform=platform,
        url=f"https://example.com/post/{number}",
        seen_at=at(seen),
        summary=f"网民反映缴费基数过高，联系电话{PRIVATE_PHONE}",
        views=1000 * number,
        reposts=10 * number,
        risk=risk,
        responsible_department=dept(county, "tax"),
        response_due_on=date.fromisoformat(due) if due else None,
        status=ItemStatus.CLOSED if closed else (ItemStatus.RESPONDING if steps else ItemStatus.OPEN),
        recorded_by=recorder,
        recorded_at=at(recorded),
        closed_at=at(closed) if closed else None,
        closing_summary="已回应并办结" if closed else "",
    )
    made.categories.set(DisputeCategory.objects.filter(code__in=categories))
    for step_at in steps:
        ResponseStep.objects.create(item=made, kind=StepKind.VERIFY, text="核实情况", at=at(step_at), actor=recorder)
    for case in cases:
        ItemCase.objects.create(item=made, case=case, how=LinkHow.NUMBER, linked_by=recorder, linked_at=at(recorded))
    return made


def record(
    county: Jurisdiction,
    department: str,
    failure: str,
    proposed: str,
    status: str = RecordStatus.PROPOSED,
    decided: str | None = None,
    person: Staff | None = None,
) -> AccountabilityRecord:
    return AccountabilityRecord.objects.create(
        jurisdiction=county,
        department=dept(county, department),
        person=person,
        failure=failure,
        facts="当月督办升级三次",
        status=status,
        proposed_at=at(proposed),
        decided_at=at(decided) if decided else None,
        decision="通报批评" if status == RecordStatus.CONFIRMED else "",
        dismiss_reason="情况已说明" if status == RecordStatus.DISMISSED else "",
    )


#: The items of the table above (in 2026): key | seen | recorded | risk | platform | categories |
#: due | closed | steps | linked cases.
MARCH_ITEMS = """
i1 | 03-02 10:00 | 03-02 11:00 | high   | weibo  | 04    | 03-03 | 03-04 11:00 | 03-02 13:00, 03-03 09:00 | ab
i2 | 03-05 08:00 | 03-05 09:00 | medium | douyin | 04 05 | 03-10 | 03-06 09:00 | 03-05 15:00              | bc
i3 | 03-20 09:00 | 03-20 10:00 | low    | weibo  | 05    | 03-25 |             |                          | e
i4 | 03-31 23:30 | 04-01 08:00 | low    | wechat |       | 04-03 |             | 04-01 09:00              |
i5 | 02-28 23:30 | 03-01 09:00 | high   | forum  | 04    | 03-02 |             |                          | d
i6 | 04-01 00:30 | 04-01 08:30 | medium | weibo  | 04    |       |             |                          |
"""


@pytest.fixture
def march(naiman: Jurisdiction, intake_clerk: Staff, group_office: Staff, tax_handler: Staff, frozen_time: Any):
    """The month of the table above; the clock stops on 1 April, 10:00."""
    scoring_defaults_load()
    made: dict[str, Any] = {}
    for key, day, code in (("a", 2, "04"), ("b", 3, "04"), ("c", 4, "05"), ("d", 5, "04")):
        frozen_time(f"2026-03-{day:02d} 09:00")
        made[key] = intake(intake_clerk, categories=(code,))
    frozen_time("2026-03-06 09:00")
    made["e"] = intake(intake_clerk, categories=("05",))
    case_merge(case=made["e"], into=made["c"], actor=intake_clerk, reason="同一缴费人同一事项重复登记")
    frozen_time("2026-04-01 10:00")
    for line in MARCH_ITEMS.strip().splitlines():
        key, seen, recorded, risk, platform, categories, due, closed, steps, cases = (
            c.strip() for c in line.split("|")
        )
        made[key] = item(
            naiman,
            group_office,
            int(key[1:]),
            seen=f"2026-{seen}",
            recorded=f"2026-{recorded}",
            risk=risk,
            platform=platform,
            categories=tuple(categories.split()),
            due=f"2026-{due}" if due else None,
            closed=f"2026-{closed}" if closed else None,
            steps=tuple(f"2026-{step.strip()}" for step in steps.split(",") if step),
            cases=tuple(made[c] for c in cases),
        )
    county = naiman
    record(county, "tax", Failure.OVERDUE_ESCALATION, "2026-03-03 10:00", person=tax_handler)
    record(county, "hrss", Failure.OPINION_INCIDENT, "2026-03-05 10:00", RecordStatus.CONFIRMED, "2026-03-10 10:00")
    record(county, "tax", Failure.DISCIPLINE_TRANSFER, "2026-03-08 10:00", RecordStatus.DISMISSED, "2026-03-09 10:00")
    record(county, "tax", Failure.MANUAL, "2026-02-20 10:00", RecordStatus.CONFIRMED, "2026-03-02 10:00")
    record(county, "medical", Failure.MANUAL, "2026-03-30 10:00", RecordStatus.CONFIRMED, "2026-04-01 09:00")
    record(county, "tax", Failure.MANUAL, "2026-04-01 08:00")
    return made


def rows(counts: list[Any]) -> list[tuple[str, int]]:
    return [(c.key, c.count) for c in counts]


def test_the_months_items_and_records_equal_the_hand_count_4_6_5_4(naiman: Jurisdiction, march: dict[str, Any]) -> None:
    m = monthly_figures(county=naiman, year=2026, month=3)
    # Seen in March (Shanghai time): I1–I4; I5 was seen on 28 February, I6 on 1 April.
    assert m.opinion_items == 4
    assert rows(m.opinion_by_risk) == [("low", 2), ("high", 1), ("medium", 1)]  # I3, I4 / I1 / I2
    assert [c.label for c in m.opinion_by_risk] == ["低风险", "高风险", "中风险"]
    assert rows(m.opinion_by_platform) == [("weibo", 2), ("douyin", 1), ("wechat", 1)]
    # An item counts once for each of its categories: 04 = I1, I2; 05 = I2, I3; I4 has none.
    assert rows(m.opinion_by_category) == [("04", 2), ("05", 2)]
    assert m.opinion_by_category[0].label == DisputeCategory.objects.get(code="04").name
    # Recorded → first step: I1 2 h (its second step does not count), I2 6 h, I4 1 h → median 2.
    assert (m.opinion_responded, m.opinion_first_step_median_hours) == (3, 2.0)
    # Recorded → closed: I1 48 h, I2 24 h → median 36.
    assert (m.opinion_closed, m.opinion_closed_median_hours) == (2, 36.0)
    # Overdue: I1 closed on 4 March, due 3 March; I3 open on 1 April, due 25 March. I2 closed in
    # time; I4 is due on 3 April.
    assert m.opinion_overdue == 2
    # Linked: A, B (I1), B again and C (I2), E (I3, merged since) — four cases, earliest first.
    a, b, c, e = (march[k] for k in "abce")
    assert m.opinion_linked_cases == 4
    assert m.opinion_linked_numbers == [a.number, b.number, c.number, e.number]
    # Proposed in March: R1, R2, R3, R5 (R4 in February, R6 in April), status as at generation.
    assert m.accountability_records == 4
    assert rows(m.accountability_by_failure) == [
        ("discipline_transfer", 1),
        ("manual", 1),
        ("opinion_incident", 1),
        ("overdue_escalation", 1),
    ]
    assert rows(m.accountability_by_status) == [("confirmed", 2), ("dismissed", 1), ("proposed", 1)]
    # Confirmed in March: R2 (hrss, 10 March) and R4 (tax, proposed in February, confirmed on 2
    # March); R5 was confirmed on 1 April.
    assert rows(m.accountability_confirmed_by_department) == [("hrss", 1), ("tax", 1)]
    assert m.accountability_confirmed_by_department[0].label == dept(naiman, "hrss").name


def test_the_opinion_warnings_fire_at_their_thresholds_4_6(naiman: Jurisdiction, march: dict[str, Any]) -> None:
    """04 has a high-risk item this month (I1: ``OPINION_HIGH_MIN_ITEMS``) → red; 05 has two items
    of lower risk (I2, I3), one short of ``OPINION_CATEGORY_MIN_ITEMS`` → nothing. I5 (open, of
    February) links to D, still open → red (high risk); I1 and I2 are closed, and I3's only case
    was merged: no warning for them."""
    a, b, c, d = (march[k] for k in "abcd")
    warnings = [w for w in monthly_figures(county=naiman, year=2026, month=3).warnings if w.kind.startswith("opinion")]
    name = DisputeCategory.objects.get(code="04").name
    assert warnings == [
        EarlyWarning(
            "opinion_category",
            "red",
            f"“04 {name}”本月出现高风险网络舆情1条（共2条：舆-150525-2026-0001、舆-150525-2026-0002），"
            "本月受理同类争议3件",
            [a.number, b.number, c.number],
        ),
        EarlyWarning(
            "opinion_open_cases",
            "red",
            "网络舆情舆-150525-2026-0005（高风险，待处置）关联的1件案件尚未办结",
            [d.number],
        ),
    ]
    # A third 05 item this month reaches the count: a yellow warning for 05; and an open
    # low-risk item linked to an open case: a yellow one for it.
    item(
        naiman,
        march["i1"].recorded_by,
        7,
        seen="2026-03-25 10:00",
        recorded="2026-03-25 11:00",
        risk="low",
        platform="news",
        categories=("05",),
        cases=(a,),
    )
    warnings = [w for w in monthly_figures(county=naiman, year=2026, month=3).warnings if w.kind.startswith("opinion")]
    assert [(w.kind, w.level, w.cases) for w in warnings] == [
        ("opinion_category", "red", [a.number, b.number, c.number]),
        ("opinion_category", "yellow", [a.number, b.number, c.number, march["e"].number]),
        ("opinion_open_cases", "red", [d.number]),
        ("opinion_open_cases", "yellow", [a.number]),
    ]
    assert warnings[1].text.startswith("“05 ") and "网络舆情3条" in warnings[1].text


def test_the_opinion_warnings_thresholds_are_the_modules_constants(
    naiman: Jurisdiction, march: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "OPINION_HIGH_MIN_ITEMS", 2)  # one high-risk item no longer enough …
    monkeypatch.setattr(analysis, "OPINION_CATEGORY_MIN_ITEMS", 2)  # … but two items of a category are
    monkeypatch.setattr(analysis, "OPINION_OPEN_MIN_CASES", 2)  # I5 has one open case only
    warnings = [w for w in monthly_figures(county=naiman, year=2026, month=3).warnings if w.kind.startswith("opinion")]
    assert [(w.kind, w.level, w.text[:4]) for w in warnings] == [
        ("opinion_category", "yellow", "“04 "),
        ("opinion_category", "yellow", "“05 "),
    ]


def test_no_personal_data_in_the_figures_5_3(naiman: Jurisdiction, march: dict[str, Any], tax_handler: Staff) -> None:
    """The figures name departments, categories, item and case numbers — never the person a
    record names, a payer, nor what an item's summary says."""
    kept = json.dumps(monthly_figures(county=naiman, year=2026, month=3).as_dict(), ensure_ascii=False)
    for private in (PRIVATE_PHONE, "张三", tax_handler.name, tax_handler.username, "example.com"):
        assert private not in kept


def test_the_analysis_queries_stay_bounded_with_items_and_records(
    naiman: Jurisdiction, march: dict[str, Any], group_office: Staff, frozen_time: Any
) -> None:
    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            monthly_figures(county=naiman, year=2026, month=3)
        # The items (with their first step), their categories, their cases, the open items'
        # open cases, the records: five.
        ours = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in ('"opinion_', '"accountab'))]
        assert len(ours) == 5, ours
        return len(captured.captured_queries)

    few = measure()
    cases = [march[k] for k in "abcd"]
    for n in range(10, 40):
        item(
            naiman,
            group_office,
            n,
            seen=f"2026-03-{1 + n % 28:02d} 10:00",
            recorded=f"2026-03-{1 + n % 28:02d} 11:00",
            risk=("low", "medium", "high")[n % 3],
            platform=("weibo", "news")[n % 2],
            categories=("04", "05")[: 1 + n % 2],
            due="2026-03-29",
            steps=(f"2026-03-{1 + n % 28:02d} 12:00",),
            cases=(cases[n % 4],),
        )
        record(naiman, ("tax", "hrss", "medical")[n % 3], Failure.MANUAL, f"2026-03-{1 + n % 28:02d} 10:00")
    many = measure()
    assert many == few
    assert few <= 40  # the bound test_analysis keeps: the items and records add five queries at most


def test_a_kept_month_holds_the_new_figures_and_an_older_one_reads_none(
    naiman: Jurisdiction, march: dict[str, Any], frozen_time: Any
) -> None:
    frozen_time("2026-04-10 09:00")  # March is closed
    live = monthly_figures(county=naiman, year=2026, month=3)
    kept, taken_at = months.figures_of(county=naiman, year=2026, month=3)
    assert taken_at is not None and kept == live and kept.opinion_items == 4
    # A month kept before issue 15 has none of these figures: read as none (nothing was recorded).
    older = {k: v for k, v in live.as_dict().items() if not k.startswith(("opinion_", "accountability_"))}
    figures = MonthlyFigures.from_dict(older)
    assert (figures.opinion_items, figures.opinion_by_risk, figures.opinion_first_step_median_hours) == (0, [], None)
    assert (figures.accountability_records, figures.accountability_confirmed_by_department) == (0, [])


@pytest.mark.usefixtures("file_storage")
def test_the_page_api_and_report_show_the_opinion_and_accountability_sections(
    naiman: Jurisdiction,
    march: dict[str, Any],
    group_office: Staff,
    group_leader: Staff,
    client_for: Any,
) -> None:
    page = client_for(group_office).get(reverse("analytics-monthly"), {"month": "2026-03"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "本月发现网络舆情4条，其中高风险1条。" in text
    assert "中位数2小时" in text and "中位数36小时（约1.5天）" in text
    assert "本月提出责任追究记录4条；本月确认2条。" in text
    assert march["a"].number in text and PRIVATE_PHONE not in text
    xlsx = client_for(group_office).get(reverse("analytics-monthly"), {"month": "2026-03", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content))["综合分析"]
    cells = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert (cells["网络舆情"], cells["登记至办结（中位数，小时）"], cells["责任追究记录"]) == (4, 36.0, 4)
    assert cells["网络舆情（风险等级）"] == "件数" and cells["低风险"] == 2

    data = api(group_leader).get("/api/v1/analytics/monthly/2026-03/").json()
    assert data["opinion_items"] == 4 and data["opinion_closed_median_hours"] == 36.0
    assert data["accountability_confirmed_by_department"][0] == {
        "key": "hrss",
        "label": dept(naiman, "hrss").name,
        "count": 1,
    }
    assert {w["kind"] for w in data["warnings"]} >= {"opinion_category", "opinion_open_cases"}

    report = services.report_generate(county=naiman, year=2026, month=3, actor=group_office)
    assert report.figures["opinion_items"] == 4
    docx = "".join(p.text for p in Document(io.BytesIO(report.docx.open("rb").read())).paragraphs).replace(" ", "")
    assert "四、网络舆情情况" in docx and "本月发现涉及社会保险费征缴争议的网络舆情4条，其中高风险1条" in docx
    assert "登记至办结用时中位数36小时（约1.5天）" in docx and "超期回应2条" in docx
    assert "五、责任追究情况" in docx and "本月提出责任追究记录4条" in docx and "本月确认责任追究2条" in docx
    assert "六、风险预警" in docx and "舆-150525-2026-0005" in docx
    pdf = "".join(pdfcheck.text_of(report.pdf.open("rb").read()).split())
    assert "四、网络舆情情况" in pdf and "五、责任追究情况" in pdf and "七、部门考评" in pdf


@pytest.mark.parametrize("who", ["tax_handler", "department_head", "intake_clerk"])
def test_who_reads_the_analysis_reads_these_figures_and_nobody_else(
    request: pytest.FixtureRequest, who: str, march: dict[str, Any], client_for: Any
) -> None:
    staff = request.getfixturevalue(who)
    assert client_for(staff).get(reverse("analytics-monthly"), {"month": "2026-03"}).status_code == 403
    assert api(staff).get("/api/v1/analytics/monthly/2026-03/").status_code == 403


def test_an_item_and_a_record_written_by_their_services_are_counted_as_the_scorecards_count_them(
    naiman: Jurisdiction, group_office: Staff, tax_handler: Staff, intake_clerk: Staff, frozen_time: Any
) -> None:
    """The same figures from the opinion and accountability services' own writes: the group
    office records a high-risk item and links it to a case, the tax bureau verifies it three
    hours later, the office closes it the next day; a proposal from it is confirmed — and the
    month's confirmed records by department equal the scorecards' measure (五(四))."""
    scoring_defaults_load()
    frozen_time("2026-06-08 09:00")
    case = intake(intake_clerk, categories=("04",))
    frozen_time("2026-06-08 10:00")
    data = ItemData(
        platform="weibo",
        url="https://weibo.com/1234567890/abcdef",
        seen_at=at("2026-06-08 08:00"),
        summary=f"网民称缴费基数过高，电话{PRIVATE_PHONE}",
        risk="high",
        categories=list(DisputeCategory.objects.filter(code="04")),
        responsible_department=dept(naiman, "tax"),
    )
    made = item_record(actor=group_office, data=data)
    item_link(item=made, actor=group_office, case=case, how=LinkHow.NUMBER)
    frozen_time("2026-06-08 13:00")
    step_record(item=made, actor=tax_handler, kind=StepKind.VERIFY, text="已核实")
    frozen_time("2026-06-09 10:00")
    item_close(item=made, actor=group_office, summary="已回应并解释政策")
    proposed = proposal_make(
        source_key=f"opinion:test-{made.pk}",
        county=naiman,
        department=dept(naiman, "tax"),
        failure=Failure.OPINION_INCIDENT,
        facts="舆情所涉案件办理超期",
        item=made,
    )
    assert proposed is not None
    record_confirm(record=proposed, actor=group_office, decision="约谈")
    frozen_time("2026-06-10 09:00")

    m = monthly_figures(county=naiman, year=2026, month=6)
    made.refresh_from_db()
    assert made.response_due_on is not None
    assert (m.opinion_items, rows(m.opinion_by_risk), rows(m.opinion_by_platform)) == (1, [("high", 1)], [("weibo", 1)])
    assert (m.opinion_responded, m.opinion_first_step_median_hours) == (1, 3.0)
    assert (m.opinion_closed, m.opinion_closed_median_hours) == (1, 24.0)
    assert m.opinion_overdue == int(date(2026, 6, 9) > made.response_due_on)
    assert (m.opinion_linked_cases, m.opinion_linked_numbers) == (1, [case.number])
    assert (m.accountability_records, rows(m.accountability_by_status)) == (1, [("confirmed", 1)])
    assert rows(m.accountability_confirmed_by_department) == [("tax", 1)]
    cards = {c.department_code: c.accountability for c in department_scorecards(county=naiman, year=2026, month=6)}
    assert {code: n for code, n in cards.items() if n} == dict(rows(m.accountability_confirmed_by_department))
    assert [(w.kind, w.level, w.cases) for w in m.warnings if w.kind.startswith("opinion")] == [
        ("opinion_category", "red", [case.number])  # closed: no open-cases warning
    ]
