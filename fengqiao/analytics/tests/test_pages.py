"""综合分析 (四(六)) and 绩效考评 (五(四)) through the pages, the API, the report and the
monthly job: who reads what, the report as DOCX and PDF, the spreadsheet, and versions."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.analytics import services
from fengqiao.analytics.models import MonthlyReport
from fengqiao.analytics.scorecards import scoring_defaults_load
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents.tests import pdfcheck
from fengqiao.followup.tests.helpers import file_storage  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def february(naiman, intake_clerk, frozen_time):
    """Three disputes received in February 2026 (two about 04, one about 03)."""
    scoring_defaults_load()
    cases = []
    for day, categories in ((3, ("04",)), (10, ("04",)), (24, ("03",))):
        frozen_time(f"2026-02-{day:02d} 10:00")
        cases.append(intake(intake_clerk, categories=categories))
    frozen_time("2026-03-02 09:00")
    return cases


def api(staff=None) -> APIClient:
    client = APIClient()
    if staff is not None:
        token, _created = Token.objects.get_or_create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_group_reads_the_month_and_exports_it(february, group_office, client_for) -> None:
    client = client_for(group_office)
    page = client.get(reverse("analytics-monthly"), {"month": "2026-02"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026年2月" in text
    assert page.context["f"].received == 3
    assert [(c.key, c.count) for c in page.context["f"].by_category][:1] == [("04", 2)]
    xlsx = client.get(reverse("analytics-monthly"), {"month": "2026-02", "format": "xlsx"})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0]: r[1] for r in book["综合分析"].iter_rows(values_only=True) if r and r[0]}
    assert rows["受理件数"] == 3
    assert "部门考评" in book.sheetnames
    # A month that has not begun falls back to the month just ended, and says so.
    future = client.get(reverse("analytics-monthly"), {"month": "2027-01"})
    assert future.context["month_value"] == "2026-02"


def test_the_office_generates_the_report_in_versions(february, group_office, group_leader, client_for) -> None:
    """综合分析报告: DOCX and PDF with the figures; generating again makes version 2; the leader
    downloads it."""
    client = client_for(group_office)
    response = client.post(reverse("analytics-report-generate"), {"month": "2026-02"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert (report.year, report.month, report.version, report.generated_by) == (2026, 2, 1, group_office)
    assert report.figures["received"] == 3
    pdf_text = "".join(pdfcheck.text_of(report.pdf.open("rb").read()).split())
    assert "2026年2月综合分析报告" in pdf_text
    docx = Document(io.BytesIO(report.docx.open("rb").read()))
    assert any("受理社会保险费征缴争议3件" in p.text.replace(" ", "") for p in docx.paragraphs)
    client.post(reverse("analytics-report-generate"), {"month": "2026-02"})
    assert list(MonthlyReport.objects.values_list("version", flat=True).order_by("version")) == [1, 2]
    leader = client_for(group_leader)
    assert leader.post(reverse("analytics-report-generate"), {"month": "2026-02"}).status_code == 403
    download = leader.get(reverse("analytics-report-download", args=[report.pk, "pdf"]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("who", ["intake_clerk", "tax_handler", "outsider"])
def test_others_may_not_read_the_analysis(request, who, february, client_for) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("analytics-monthly")).status_code == 403
    assert client.get(reverse("analytics-scorecards")).status_code == 403
    assert api(request.getfixturevalue(who)).get("/api/v1/analytics/monthly/2026-02/").status_code == 403


def test_a_department_head_sees_only_his_own_scorecard(february, department_head, client_for) -> None:
    """五(四): the department head sees his department's scorecard; the county's are the group's."""
    client = client_for(department_head)
    page = client.get(reverse("analytics-scorecards"), {"month": "2026-02"})
    assert page.status_code == 200
    assert [c.department_code for c in page.context["cards"]] == [department_head.department.code]
    assert client.get(reverse("analytics-monthly")).status_code == 403
    rows = api(department_head).get("/api/v1/analytics/scorecards/2026-02/").json()
    assert [r["department_code"] for r in rows] == [department_head.department.code]


def test_the_api(february, group_office, group_leader, naiman) -> None:
    monthly = api(group_leader).get("/api/v1/analytics/monthly/2026-02/")
    assert monthly.status_code == 200
    assert monthly.json()["received"] == 3 and monthly.json()["county_code"] == naiman.code
    assert api(group_leader).get("/api/v1/analytics/monthly/2026-13/").json() == {
        "errors": {"month": ["月份应为1至12。"]}
    }
    assert "month" in api(group_leader).get("/api/v1/analytics/monthly/feb/").json()["errors"]
    cards = api(group_leader).get("/api/v1/analytics/scorecards/2026-02/").json()
    assert len(cards) >= 9 and all("score" in c for c in cards)
    assert api(group_leader).post("/api/v1/analytics/reports/2026-02/").status_code == 403
    made = api(group_office).post("/api/v1/analytics/reports/2026-02/")
    assert made.status_code == 201 and made.json()["version"] == 1
    listed = api(group_leader).get("/api/v1/analytics/reports/2026-02/").json()
    assert [r["version"] for r in listed] == [1]
    assert listed[0]["pdf_url"].endswith("/pdf/")


def test_the_monthly_job_and_command(february, naiman) -> None:
    """The 1st-of-month job makes last month's report once (safe to run twice); the command
    makes a new version on request."""
    assert len(services.monthly_report_task()) == 1
    assert services.monthly_report_task() == []
    report = MonthlyReport.objects.get()
    assert (report.year, report.month, report.generated_by) == (2026, 2, None)
    out = io.StringIO()
    call_command("monthly_analysis", "--month", "2026-02", "--county", naiman.code, stdout=out)
    assert "受理3件" in out.getvalue()
    assert MonthlyReport.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("monthly_analysis", "--month", "2026-2x")


def test_the_monthly_page_queries_do_not_grow_with_cases(
    naiman, intake_clerk, group_office, client_for, frozen_time
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    frozen_time("2026-02-10 10:00")
    # Six cases of one payer, one category and township: the surge, cluster and repeat-payer
    # warnings each read their case numbers (a query per kind of warning, not per case).
    for _n in range(6):
        intake(intake_clerk)
    frozen_time("2026-03-02 09:00")
    client = client_for(group_office)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("analytics-monthly"), {"month": "2026-02"})
    frozen_time("2026-02-11 10:00")
    for _n in range(12):
        intake(intake_clerk)
    frozen_time("2026-03-02 09:00")
    client = client_for(group_office)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("analytics-monthly"), {"month": "2026-02"})
    assert len(many.captured_queries) == len(few.captured_queries)
