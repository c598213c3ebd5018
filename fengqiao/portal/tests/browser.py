"""The payer's side in a real browser, shared by the journeys and the accessibility check:
a phone-sized context (390×844, touch), the payer's steps through the portal's pages, and
the screenshots kept as test output.

Screenshots go to ``FENGQIAO_VAR_DIR/test-output/screenshots/portal/`` (CI keeps
``var/ci-sqlite``), named ``<journey>-<step number>-<step>.png``; a run replaces its journey's
earlier ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fengqiao.core.tests.test_life_cycle_browser import TIMEOUT_MS

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def phone(browser: Browser) -> BrowserContext:
    """A new payer on a phone: own cookies (so own session), 390 px wide, touch."""
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    return context


def shots_dir() -> Path:
    path = Path(settings.VAR_DIR) / "test-output" / "screenshots" / "portal"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Shots:
    """``shot(page, "filing-form")`` saves ``<journey>-NN-filing-form.png``, the whole page."""

    def __init__(self, journey: str) -> None:
        self.journey = journey
        self.dir = shots_dir()
        self.count = 0
        for old in self.dir.glob(f"{journey}-*"):
            old.unlink()

    def __call__(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.dir / f"{self.journey}-{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def keep(self, content: bytes, step: str) -> Path:
        """A file the payer received (the decision's PDF), saved beside the screenshots and its
        first page as a picture when poppler's ``pdftoppm`` is there (``make sysdeps``)."""
        self.count += 1
        path = self.dir / f"{self.journey}-{self.count:02d}-{step}.pdf"
        path.write_bytes(content)
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm:
            page1 = ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(path), str(path.with_suffix(""))]
            subprocess.run([pdftoppm, *page1], check=True)  # noqa: S603  (a fixed command on the test's own file)
        return path


def submit(page: Page, shown: str) -> None:
    """Send the page's form and wait for ``shown`` (a selector) on the answer."""
    page.click("main form button[type=submit]")
    expect(page.locator(shown).first).to_be_visible()


def filing_fill(page: Page, *, name: str, id_number: str, summary: str) -> None:
    """The filing form of a person (灵活就业人员, 八仙筒镇, 04 缴费金额), ALTCHA not yet solved."""
    chosen = {"#id_payer_kind": "person", "#id_payer_group": "flexible", "#id_township": "150525101"}
    typed = {"#id_payer_name": name, "#id_id_number": id_number, "#id_phone": "13812345678", "#id_summary": summary}
    for selector, value in chosen.items():
        page.select_option(selector, value)
    for selector, value in typed.items():
        page.fill(selector, value)
    page.check("input[name=categories][value='04']")


def solve_altcha(page: Page) -> None:
    """人机验证: tick the ALTCHA box as a person does (its label: the box itself is drawn over);
    the widget solves its proof of work in the page and fills its hidden field."""
    widget = page.locator("altcha-widget")
    widget.locator("label[for^=altcha-checkbox]").click()
    expect(widget.locator("input[type=hidden][name=altcha]")).to_have_value(re.compile(r".{20,}"))
