"""三员分立 (等保 2.0 level 3, GB/T 22239-2019 8.1.4.2 / 8.1.4.3): the audit trail is read by the
审计管理员 alone — the 审计日志 pages, their export and the API answer 403 to every other role,
the 系统管理员 included; the auditor sees their menu entry and nothing of case work."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.audit.services import record
from fengqiao.cases.tests.helpers import intake
from fengqiao.testing.personas import PERSONAS

pytestmark = pytest.mark.django_db

OTHER_ROLES = [key for key in PERSONAS if key != "auditor"]


def api_for(staff) -> APIClient:
    token, _created = Token.objects.get_or_create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def some_records(actor, case=None, n: int = 3) -> list[AuditRecord]:
    made = [record(Action.CASE_VIEW, actor=actor, case=case) for _ in range(n)]
    made.append(record(Action.SIGN_IN_FAILED, actor_name="=cmd|' /C calc'!A0", result=Result.FAILED))
    return made


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_auditor_reads_the_trail(role, persona, client_for) -> None:
    """Every other demo role, the 系统管理员 included, is refused the pages, the export and the API."""
    staff = persona(role)
    c = client_for(staff)
    entry = record(Action.SIGN_IN, actor=staff)
    for url in (
        reverse("audit-records"),
        reverse("audit-record", args=[entry.pk]),
        reverse("audit-records-export") + "?format=xlsx",
    ):
        assert c.get(url).status_code == 403, url
    assert api_for(staff).get(reverse("api-audit-records")).status_code == 403
    nav = c.get(reverse("home")).content.decode()
    assert reverse("audit-records") not in nav


def test_anonymous_is_sent_to_sign_in(client) -> None:
    assert client.get(reverse("audit-records")).status_code == 302
    assert APIClient().get(reverse("api-audit-records")).status_code in (401, 403)


def test_the_auditor_filters_reads_and_sees_no_case_work(client_for, auditor, intake_clerk) -> None:
    case = intake(intake_clerk)
    some_records(intake_clerk, case)
    record(Action.EXPORT, actor=intake_clerk, summary="导出")
    c = client_for(auditor)
    home = c.get(reverse("home")).content.decode()
    assert reverse("audit-records") in home and 'id="audit-summary"' in home
    assert reverse("case-list") not in home  # no 案件 entry, no case tiles
    assert c.get(reverse("case-list")).status_code == 200  # the list itself shows no case
    assert c.get(reverse("case-detail", args=[case.number])).status_code == 404

    page = c.get(reverse("audit-records"), {"action": "case_view", "case": case.number}).content.decode()
    # the clerk's three views and the auditor's own refused one
    assert page.count(f'<td class="nowrap">{case.number}</td>') == 4
    assert AuditRecord.objects.filter(case=case, actor=auditor, result=Result.DENIED).count() == 1
    page = c.get(reverse("audit-records"), {"account": intake_clerk.username, "action": "export"}).content.decode()
    assert "导出" in page and "共 1 条" in page
    page = c.get(reverse("audit-records"), {"result": "failed"}).content.decode()
    assert "共 1 条" in page
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "共 0 条" in c.get(reverse("audit-records"), {"from": tomorrow}).content.decode()
    bad = c.get(reverse("audit-records"), {"from": "2026-13-40"}).content.decode()
    assert 'id="from-error"' in bad

    entry = AuditRecord.objects.filter(case=case).first()
    assert entry is not None
    detail = c.get(reverse("audit-record", args=[entry.pk])).content.decode()
    assert entry.link in detail and case.number in detail


def test_the_export_opens_with_openpyxl_and_is_itself_recorded(client_for, auditor, intake_clerk) -> None:
    case = intake(intake_clerk)
    some_records(intake_clerk, case)
    c = client_for(auditor)
    response = c.get(reverse("audit-records-export"), {"format": "xlsx", "case": case.number})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "账号", "事项", "结果")
    assert len(rows) == 1 + 3 and all(r[5] == case.number for r in rows[1:])
    exported = AuditRecord.objects.filter(action=Action.EXPORT, actor=auditor).get()
    assert exported.detail["rows"] == 3 and exported.detail["filters"] == {"case": case.number}

    response = c.get(reverse("audit-records-export"), {"format": "csv", "result": "failed"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][1].startswith("'=")  # a name typed at sign-in never becomes a formula
    assert AuditRecord.objects.filter(action=Action.EXPORT, actor=auditor).count() == 2


def test_the_api_filters_and_pages_by_cursor(auditor, intake_clerk) -> None:
    case = intake(intake_clerk)
    some_records(intake_clerk, case, n=5)
    client = api_for(auditor)
    body = client.get(reverse("api-audit-records"), {"case": case.number, "action": "case_view"}).json()
    assert body["count"] == 5 and {r["case_number"] for r in body["results"]} == {case.number}
    bad = client.get(reverse("api-audit-records"), {"date_from": "2026-02-30"})
    assert bad.status_code == 400 and "date_from" in bad.json()["errors"]
    backwards = client.get(reverse("api-audit-records"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()["errors"]


def test_the_workbench_shows_failed_sign_ins_and_the_last_chain_check(client_for, auditor) -> None:
    for _i in range(2):
        record(Action.SIGN_IN_FAILED, actor_name="nobody", result=Result.FAILED)
    record(Action.CHAIN_CHECK, summary="审计链校验通过")
    page = client_for(auditor).get(reverse("home")).content.decode()
    assert "24小时内登录失败" in page and "<span>2</span>" in page
    assert "审计链最近一次校验" in page and "通过" in page


def test_the_list_costs_the_same_for_3_or_60_records(client_for, auditor, intake_clerk) -> None:
    """Statement count of the 审计日志 page (conventions 13): it does not grow with the rows."""
    case = intake(intake_clerk)
    c = client_for(auditor)

    def statements() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("audit-records"), {"case": case.number}).status_code == 200
        return len(ctx.captured_queries)

    some_records(intake_clerk, case, n=3)
    few = statements()
    some_records(intake_clerk, case, n=57)
    assert statements() == few
    # session and user, the roles, the case number's case, the capped count, the page's rows
    assert few <= 7, few
