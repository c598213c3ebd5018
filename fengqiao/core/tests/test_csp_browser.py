"""The Content-Security-Policy blocks nothing the pages need (issue 13 §4): in a real Chromium
the 菜单 button folds the navigation, the analysis month picker sends its form, htmx loads the
to-do badge, the second-factor QR code shows — and the browser reports no CSP violation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.cases.tests.test_browser import sign_in
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_policy_without_a_violation(live_server, naiman, group_office) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        sign_in(page, live_server, group_office.username)
        page.wait_for_load_state("networkidle")
        toggle = page.locator(".navtoggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"

        page.goto(f"{live_server.url}{reverse('analytics-monthly')}")
        page.wait_for_load_state("networkidle")
        options = page.locator("#id_month option").all_inner_texts()
        if len(options) > 1:
            with page.expect_navigation():
                page.select_option("#id_month", options[-1])
            assert f"month={options[-1]}" in page.url

        page.goto(f"{live_server.url}{reverse('account-otp')}")
        assert page.locator(".qr svg").count() == 1
        assert violations == []
