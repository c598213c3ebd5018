"""The layout works on a 390 px phone and at 1280 px (issue 11 §5): every main page — workbench,
case list, case page, intake form, task inbox, decision editor, analysis — fits the phone's
width without scrolling the page sideways (wide tables scroll inside their own box), the
navigation collapses behind a menu button, and forms stack.

Set ``FENGQIAO_SCREENSHOTS=/some/dir`` to keep a PNG of every page at both widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import ViewportSize

from fengqiao.cases.tests.test_browser import sign_in
from fengqiao.handling import services
from fengqiao.handling.models import Task
from fengqiao.handling.tests.handling_helpers import file_storage, general_case, worker  # noqa: F401
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def _pages(number: str) -> dict[str, str]:
    return {
        "workbench": reverse("home"),
        "case_list": reverse("case-list"),
        "case_page": reverse("case-detail", args=[number]),
        "intake": reverse("case-intake"),
        "task_inbox": reverse("task-inbox"),
        "decision": reverse("case-decision", args=[number]),
        "analysis": reverse("analytics-monthly"),
    }


def test_main_pages_fit_a_phone_and_a_desktop(live_server, naiman, intake_clerk, group_office) -> None:
    case = general_case(intake_clerk, naiman, name="内蒙古奈曼旗某某建筑工程有限责任公司第一分公司")
    general_case(intake_clerk, naiman, id_number="150525199001011237")
    task = Task.objects.get(case=case, department__code="hrss")
    handler = worker(naiman, "hrss")
    task = services.task_sign(task=task, actor=handler)
    services.opinion_save(
        task=task, actor=handler, facts="经核实，缴费基数有误。" * 5, text="建议更正。", basis="《社会保险法》"
    )
    shots = os.environ.get("FENGQIAO_SCREENSHOTS")
    overflow: dict[str, int] = {}
    with chromium() as browser:
        for label, viewport in (("390", PHONE), ("1280", DESKTOP)):
            page = browser.new_page(viewport=viewport, locale="en-US")
            sign_in(page, live_server, group_office.username)
            for name, url in _pages(case.number).items():
                response = page.goto(f"{live_server.url}{url}")
                assert response is not None and response.status == 200, (name, label)
                page.wait_for_load_state("networkidle")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    overflow[f"{name}@{label}"] = width
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=f"{shots}/{name}-{label}.png", full_page=True)
            if viewport is PHONE:
                # The navigation is behind a menu button on the phone, and opens on a tap.
                assert not page.is_visible("nav.mainnav a >> nth=0")
                page.click("text=菜单")
                assert page.is_visible("nav.mainnav a >> nth=0")
            else:
                assert page.is_visible("nav.mainnav a >> nth=0")
                assert not page.is_visible("text=菜单")
            page.close()
    assert overflow == {}
