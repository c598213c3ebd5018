"""Issue 15 in a real browser: the 网信办 records a high-risk item with a screenshot and links it
to a case found by its number; the group office sees the alert on its workbench's to-do list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.tests.test_browser import sign_in
from fengqiao.opinion.models import ItemCase, ItemNotice, OnlineItem
from fengqiao.org.models import Staff
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_cyberspace_office_records_an_item_links_a_case_and_the_office_sees_the_alert(
    live_server: Any, cyberspace: Staff, office: Staff, leader: Staff, intake_clerk: Staff
) -> None:
    case = intake(intake_clerk, id_number="150525199001011237")
    seen = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        sign_in(page, live_server, cyberspace.username)
        page.click("nav >> text=网络舆情")
        page.click("text=登记舆情")
        page.select_option("#id_platform", "douyin")
        page.fill("#id_url", "https://www.douyin.com/video/7300000000000000001")
        page.fill("#id_seen_at", seen)
        page.fill("#id_summary", "视频称灵活就业人员养老保险缴费基数核定过高，评论区聚集")
        page.fill("#id_views", "52000")
        page.fill("#id_reposts", "1300")
        page.select_option("#id_risk", "high")
        page.check("input[name=categories][value='04']")
        page.set_input_files("#id_screenshots", {"name": "截图.png", "mimeType": "image/png", "buffer": PNG})
        page.click("main button[type=submit]")
        page.wait_for_selector("text=已登记网络舆情")
        number = page.inner_text("h1").split()[1]
        assert "截图.png" in page.inner_text("#item-screenshots")
        # 按编号 find the case and link it
        page.click("#item-cases summary >> text=查找并关联案件")
        page.fill("#find_number", case.number)
        page.click("#item-cases form[action$='/find/'] button[type=submit]")
        page.wait_for_selector(f"#item-cases table >> text={case.number}")
        page.click("#item-cases form[action$='/link/'] button[type=submit]")
        page.wait_for_selector("text=已关联案件")
        assert case.number in page.inner_text("#item-cases")

        office_page = browser.new_context(locale="zh-CN").new_page()
        sign_in(office_page, live_server, office.username)
        todo = office_page.inner_text("#todo")
        assert number in todo and "高风险舆情" in todo
        office_page.click(f"#todo tr:has-text('{number}') a")
        office_page.wait_for_selector(f"h1 >> text={number}")
        assert case.number in office_page.inner_text("#item-cases")
    item = OnlineItem.objects.get(number=number)
    assert ItemCase.objects.filter(item=item, case=case, how="number").exists()
    assert set(ItemNotice.objects.get(item=item, kind="alert").recipients.all()) == {office, leader}
