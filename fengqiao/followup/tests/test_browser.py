"""结果反馈 → 跟踪回访 → 案卷归档 in a real browser: what a window clerk does once the decision
notice is issued."""

from __future__ import annotations

import pytest

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.test_browser import sign_in
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_delivers_the_decision_visits_and_archives(
    live_server, naiman, intake_clerk, tax_handler, department_head
) -> None:
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        sign_in(page, live_server, intake_clerk.username)
        page.click("nav >> text=回访")
        page.click("text=记录结果反馈 >> nth=0")
        page.wait_for_selector("h1 >> text=结果反馈")
        # Bad input stays on the page with the error under its field, nothing saved.
        page.select_option("#id_method", "sms")
        page.check("#id_send_message")
        page.click("button:has-text('记录送达')")
        page.wait_for_selector("#err-address .field-error")
        page.fill("#id_address", "13812345678")
        page.click("button:has-text('记录送达')")
        page.wait_for_selector("text=已记录结果反馈")
        assert "送达回证" in page.inner_text("#followup")
        page.click("#followup >> text=记录回访")
        page.check("input[name=method][value=phone]")
        page.check("input[name=satisfaction][value=satisfied]")
        page.check("input[name=objects_to_decision][value='0']")
        page.fill("#id_notes", "缴费人表示理解，无异议。")
        page.click("button:has-text('保存回访记录')")
        # The page says what comes next: the message, and the case page's 归档 section itself.
        page.wait_for_selector(".messages >> text=案件可以归档")
        assert "案件可以归档" in page.inner_text("#archive")
        page.click("#archive >> text=封存归档")
        page.wait_for_selector("text=已归档，档号")
        assert "已归档" in page.inner_text("h1")
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.ARCHIVED
