"""审计日志 in a real browser (三员分立): the 审计管理员 signs in, sees the failed sign-in on the
workbench, filters the trail and exports it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fengqiao.audit.models import Action, AuditRecord
from fengqiao.cases.tests.test_browser import sign_in
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_filters_and_exports_the_trail(live_server, naiman, auditor, intake_clerk) -> None:
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", accept_downloads=True)
        # A wrong password first: the failed sign-in is what the auditor finds.
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", intake_clerk.username)
        page.fill("#id_password", "not-the-password")
        page.click("main button[type=submit]")
        page.wait_for_selector(".errorlist, .error, [role=alert]")
        sign_in(page, live_server, auditor.username)
        summary = page.inner_text("#audit-summary")
        assert "24小时内登录失败" in summary and "1" in summary
        assert "案件" not in page.inner_text("nav")  # no case work in the auditor's menu
        page.click("nav >> text=审计日志")
        page.wait_for_selector("h1 >> text=审计日志")
        page.select_option("select[name=action]", "sign_in_failed")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**action=sign_in_failed**")
        rows = page.inner_text("#audit-records tbody")
        assert intake_clerk.username in rows and "登录失败" in rows
        with page.expect_download() as download_info:
            page.click("text=导出 XLSX")
        path = download_info.value.path()
        assert path is not None
        with open(path, "rb") as handle:
            sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
            values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == "时间" and values[1][1] == intake_clerk.username
    assert AuditRecord.objects.filter(action=Action.EXPORT, actor=auditor).count() == 1
