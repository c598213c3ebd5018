"""The intake page in a real browser: live validation, the fields that apply, duplicates,
submission — what a clerk at a busy window does."""

from __future__ import annotations

import pytest

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.testing.browser import chromium
from fengqiao.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_clerk_registers_a_dispute_in_one_pass(live_server, intake_clerk) -> None:
    earlier = intake(intake_clerk, id_number="150525199001011237", categories=("03",))
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        sign_in(page, live_server, intake_clerk.username)
        page.goto(f"{live_server.url}/cases/new/")
        # Employer-only fields are hidden for a person; the "inform" department only for that outcome.
        assert page.is_hidden("#id_credit_code")
        assert page.is_hidden("#id_informed_department")
        # The same person as the earlier case, under the same name (another name is warned of:
        # test_clerk_is_warned_of_a_known_id_with_another_name_before_submitting).
        page.fill("#id_payer_name", "张三")
        page.select_option("#id_payer_group", "flexible")
        page.fill("#id_id_number", "150525199001011234")  # wrong check character
        page.press("#id_id_number", "Tab")
        page.wait_for_selector("#err-id_number .field-error")
        assert "校验码应为 7" in page.inner_text("#err-id_number")
        page.fill("#id_id_number", "150525199001011237")
        page.press("#id_id_number", "Tab")
        page.wait_for_selector("#err-id_number .field-error", state="detached")
        page.fill("#id_phone", "13812345678")
        page.select_option("#id_township", "150525101")
        page.check("input[name=categories][value='04']")
        # The same payer's related case (03 and 04 are both about contributions) is offered for linking.
        page.wait_for_selector(f"#duplicates >> text={earlier.number}")
        page.wait_for_load_state("networkidle")
        page.check(f"#duplicates input[value='{earlier.number}']")
        page.fill("#id_summary", "对2026年灵活就业人员养老保险缴费金额有异议")
        page.check("input[name=outcome][value='review']")
        page.wait_for_load_state("networkidle")
        assert page.is_checked(f"#duplicates input[value='{earlier.number}']")
        page.click("text=提交登记")
        page.wait_for_selector("text=已受理登记")
        number = page.inner_text("h1").split()[1]
    case = Case.objects.get(number=number)
    assert case.state == CaseState.REGISTERED
    assert case.owner == intake_clerk
    assert case.links_out.filter(other=earlier).exists()


def test_clerk_is_warned_of_a_known_id_with_another_name_before_submitting(live_server, intake_clerk) -> None:
    """Issue 11 §3: as soon as the ID number is entered, the live panel says it is registered
    under another name (masked) and offers the confirmation; ticked, the case registers under
    the name entered and the earlier case keeps its own."""
    earlier = intake(intake_clerk, id_number="150525199001011237", name="张三")
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        sign_in(page, live_server, intake_clerk.username)
        page.goto(f"{live_server.url}/cases/new/")
        page.fill("#id_payer_name", "李四")
        page.select_option("#id_payer_group", "flexible")
        page.fill("#id_id_number", "150525199001011237")
        page.press("#id_id_number", "Tab")
        page.wait_for_selector("#name-conflict")
        warning = page.inner_text("#name-conflict")
        assert "张*" in warning and "张三" not in warning and "李四" in warning
        page.fill("#id_phone", "13812345678")
        page.select_option("#id_township", "150525101")
        page.check("input[name=categories][value='04']")
        page.fill("#id_summary", "对2026年灵活就业人员养老保险缴费金额有异议")
        page.check("input[name=outcome][value='review']")
        page.wait_for_load_state("networkidle")
        page.check("#name-conflict input[name=name_confirmed]")
        page.click("text=提交登记")
        page.wait_for_selector("text=已受理登记")
        number = page.inner_text("h1").split()[1]
    assert Case.objects.get(number=number).payer.name == "李四"
    earlier.refresh_from_db()
    assert earlier.payer.name == "张三"
