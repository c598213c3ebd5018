"""The payer pages pass an automated accessibility check (issue 14, "Done when", third bullet):
axe-core (npm, ``fengqiao.testing.axe``) runs in Chromium on every payer page at phone size —
each page in each of its states a payer meets: empty, with errors, after success — and finds
no violation of impact serious or critical. The page's own Content Security Policy stays in
force while it runs.

Besides axe's rules, every ``aria-describedby`` must name an element of the page: an error or
help text the field points to but the page names otherwise is silent for a screen reader, and
axe does not count that as a violation.

The decided case the payer reads and answers is made through the services (the journeys walk
the staff's pages); the payer's side goes through the pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from fengqiao.core.tests.test_life_cycle_browser import resident_id
from fengqiao.followup.tests.helpers import decided_own_case
from fengqiao.org.models import Staff
from fengqiao.portal.services import query_code_of
from fengqiao.portal.tests.browser import Shots, filing_fill, phone, solve_altcha, submit
from fengqiao.testing.axe import axe_run, serious_violations, violations_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every aria-describedby of the page whose id names no element: "field → missing id".
DANGLING_DESCRIBEDBY = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(e =>
    e.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id))
        .map(id => `${e.id || e.getAttribute('name') || e.tagName} → ${id}`))"""


class Checked:
    """Runs axe-core on each page state it is shown, photographs it, and keeps what failed, so
    one run lists every page's violations instead of stopping at the first."""

    def __init__(self) -> None:
        self.shot = Shots("a11y")
        self.failures: list[str] = []
        self.pages: list[str] = []

    def __call__(self, page: Page, name: str) -> None:
        self.shot(page, name)
        result: dict[str, Any] = axe_run(page)
        found = serious_violations(result)
        if found:
            self.failures.append(f"{name} ({page.url}):\n{violations_text(found)}")
        dangling = page.evaluate(DANGLING_DESCRIBEDBY)
        if dangling:
            self.failures.append(f"{name} ({page.url}): aria-describedby names no element: {', '.join(dangling)}")
        self.pages.append(name)

    def verdict(self) -> None:
        assert not self.failures, f"{len(self.failures)} accessibility failure(s):\n" + "\n".join(self.failures)


def test_every_payer_page_passes_axe_core_at_phone_size(
    browser: Browser,
    live_server: Any,
    settings: Any,
    file_storage: Any,
    intake_clerk: Staff,
    tax_handler: Staff,
    department_head: Staff,
) -> None:
    base = f"{live_server.url}/payer"
    check = Checked()
    context = phone(browser)
    page = context.new_page()

    # 首页, 网上反映: empty, every error shown, and the result with the number and query code.
    page.goto(f"{base}/")
    check(page, "home")
    page.click("a[href$='/payer/file/']")
    expect(page.locator("altcha-widget input[type=checkbox]")).to_be_visible()
    check(page, "file")
    submit(page, ".p-alert")
    check(page, "file-errors")
    filing_fill(page, name="赵敏", id_number=resident_id("789"), summary="对2026年灵活就业人员养老保险缴费金额有异议")
    solve_altcha(page)
    submit(page, ".p-codes")
    check(page, "filed")
    page.click("main a[href*='/payer/cases/']")
    expect(page.locator(".p-summary")).to_be_visible()
    check(page, "status-registered")

    # 查询: by query code (empty, failed) and by SMS code (asked, sent, failed).
    page.goto(f"{base}/lookup/")
    check(page, "lookup")
    page.fill("#id_number", "150525-2026-999999")
    page.fill("#id_code", "ABCDEFGH")
    submit(page, ".p-alert")
    check(page, "lookup-failed")
    page.goto(f"{base}/lookup/sms/")
    check(page, "lookup-sms")
    page.click("main form button[type=submit]")
    check(page, "lookup-sms-errors")
    page.fill("#id_number", "150525-2026-999999")
    submit(page, ".p-note[role=status]")
    check(page, "lookup-sms-sent")
    page.fill("#id_code", "000000")
    submit(page, ".p-alert")
    check(page, "lookup-sms-failed")

    # A decided case of the window: looked up, consent, the decision, the visit.
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    page.goto(f"{base}/lookup/")
    page.fill("#id_number", case.number)
    page.fill("#id_code", query_code_of(case))
    submit(page, "#answers form[action$='/consent/']")
    check(page, "status-decided")
    page.goto(f"{base}/cases/{case.number}/decision/")
    check(page, "decision-without-consent")
    page.click("main a[href$='/payer/cases/" + case.number + "/']")
    page.click("#answers form[action$='/consent/'] button")
    expect(page.locator("#answers form[action$='/decision/']")).to_be_visible()
    check(page, "status-consented")
    page.goto(f"{base}/cases/{case.number}/decision/")
    check(page, "decision-to-open")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/decision/")
    page.goto(f"{base}/cases/{case.number}/")
    expect(page.locator("#answers a[href$='/visit/']")).to_be_visible()
    check(page, "status-delivered")
    page.click("#answers a[href$='/visit/']")
    check(page, "visit")
    page.check("input[name=objects_to_decision][value='1']")
    submit(page, ".p-alert")
    check(page, "visit-errors")
    page.check("input[name=satisfaction][value=basically]")
    page.check("input[name=kind][value=none]")
    page.click("main form button[type=submit]")
    expect(page.locator("#answers")).to_contain_text("您的答复已记录")
    check(page, "visit-answered")

    # The payer's own 404 (a case not granted) and 429 (over a rate limit).
    page.goto(f"{base}/cases/150525-2026-999999/")
    check(page, "not-found")
    settings.FENGQIAO_PORTAL_RATES = {**settings.FENGQIAO_PORTAL_RATES, "lookup_ip": "1/h"}
    page.goto(f"{base}/lookup/")
    for _ in range(2):  # the first request under the new rate passes (and fails), the second is over
        page.fill("#id_number", case.number)
        page.fill("#id_code", "ABCDEFGH")
        page.click("main form button[type=submit]")
        expect(page.locator("h1")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("请求过于频繁")
    check(page, "too-many")

    check.verdict()
    # The check can fail: the same page without its language is a serious violation to axe.
    page.evaluate("() => document.documentElement.removeAttribute('lang')")
    assert "html-has-lang" in {v["id"] for v in serious_violations(axe_run(page))}
    context.close()
