"""线上枫桥 in a real browser (issue 14, "Done when", first bullet): a payer on a phone files a
dispute online and follows it to its end, the studio's staff doing their part on their desks.

The payer's steps go through the portal's pages only (a 390×844 touch screen, ALTCHA solved in
the page); the staff's through their workbench, as ``core.tests.test_life_cycle_browser`` walks
them (its ``Desk``, ``todo``, ``opinion``): the receiving clerk reviews the online filing (四(二))
and routes it to two departments, each department's handler signs for the task and writes, its
head signs (四(三)1), the clerk issues the 处理意见书. The payer then looks the case up with its
number and query code, consents to electronic delivery and reads the decision (结果反馈, 四(四)),
and answers the follow-up visit (跟踪回访, 四(五)):

1. satisfied — the clerk archives the case (案卷归档, 四(七));
2. objecting, with the remedy chosen — the case is in remedy tracking, and the remedy is on the
   staff's 回访 page (救济途径跟踪).

Each payer page is photographed (``portal.tests.browser.Shots``). Nothing is written through the
ORM; the database is read at the end only to confirm what the pages said.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fengqiao.cases.models import Case, Channel
from fengqiao.cases.states import CaseState
from fengqiao.core.tests.test_life_cycle_browser import Desk, done, opinion, resident_id, todo
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.portal.tests.browser import Shots, filing_fill, phone, solve_altcha, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# ---- the payer's steps ------------------------------------------------------------------------


def file_online(page: Page, base_url: str, shot: Shots, *, name: str, id_number: str, summary: str) -> tuple[str, str]:
    """网上反映 (四(一) 线上受理) from the portal's home page: a wrong ID number is refused beside
    its field first, then the filing goes in; the page shows the case number and query code."""
    page.goto(f"{base_url}/payer/")
    expect(page.locator("h1")).to_be_visible()
    shot(page, "home")
    page.click("a[href$='/payer/file/']")
    expect(page.locator("altcha-widget")).to_be_attached()
    wrong = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # a wrong check character
    filing_fill(page, name=name, id_number=wrong, summary=summary)
    shot(page, "filing-form")
    solve_altcha(page)
    submit(page, "#err-id_number")
    expect(page.locator("#err-id_number")).to_contain_text("校验码")
    shot(page, "filing-error")
    page.fill("#id_id_number", id_number)
    solve_altcha(page)
    page.click("main form button[type=submit]")
    codes = page.locator(".p-codes .p-code")
    expect(codes).to_have_count(2)
    shot(page, "filing-result")
    number, code = (t.strip() for t in codes.all_inner_texts())
    return number, code


def look_up(context: BrowserContext, base_url: str, shot: Shots, number: str, code: str) -> Page:
    """查询办理进度 from the home page with the number and the query code — a wrong code first,
    answered by the one failure text; the status page follows the right one."""
    page = context.new_page()
    page.goto(f"{base_url}/payer/")
    page.click("a[href$='/payer/lookup/']")
    page.fill("#id_number", number)
    page.fill("#id_code", "ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA")
    page.click("main form button[type=submit]")
    expect(page.locator(".p-alert[role=alert]")).to_contain_text("查询失败")
    shot(page, "lookup-failed")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    shot(page, "lookup")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("办理进度")
    expect(page.locator(".p-summary")).to_contain_text(number)
    return page


# ---- the staff's steps ------------------------------------------------------------------------


def review_and_route(desk: Desk, number: str) -> None:
    """审核转办 (四(二)) of the online filing: the same review as a window registration; a
    general matter led by the tax bureau with 人社 co-handling."""
    page = todo(desk, "clerk", "审核转办", number)
    expect(page.locator("main")).to_contain_text("网上")
    page.check("input[name=classification][value=general]")
    page.select_option("#id_lead_department", "tax")
    for box in page.locator("input[name=co_departments]").all():  # not the routing rules' proposal
        box.set_checked(box.get_attribute("value") == "hrss")
    page.click("button:has-text('确认转办')")
    expect(page.locator("h1")).to_contain_text(number)


def opinions_and_decision(desk: Desk, number: str) -> None:
    """联办书面意见 of both departments (handler writes, head signs), then the clerk issues the
    处理意见书."""
    for unit in ("tax", "hrss"):
        opinion(desk, f"{unit}_handler", f"{unit}_head", number, "联办书面意见")
    page = todo(desk, "clerk", "综合意见、出具处理意见书", number)
    page.select_option("#id_result", "explain")
    page.click("button[value=issue]")
    done(page, "已出具处理意见书奈争处")


# ---- the journeys -----------------------------------------------------------------------------


def receive_decision(page: Page, shot: Shots) -> None:
    """结果反馈 (四(四)) online: the payer consents to electronic delivery on the status page and
    opens the 处理意见书 — that is its delivery, with its 送达回证 — and reads it (the PDF the browser
    shows is kept beside the screenshots); back on the status page it is among the payer's
    documents."""
    page.click("#answers form[action$='/consent/'] button")
    open_form = page.locator("#answers form[action$='/decision/']")
    expect(open_form).to_be_visible()
    shot(page, "status-decision-issued")
    open_form.locator("button").click()
    page.wait_for_url("**/decision/")
    # The browser shows the PDF in its viewer; the same document, fetched with the page's cookies:
    shown = page.context.request.get(page.url)
    assert shown.headers["content-type"] == "application/pdf" and shown.body().startswith(b"%PDF")
    shot.keep(shown.body(), "decision")
    page.go_back()
    page.reload()
    expect(page.locator("#answers .p-docs")).to_contain_text("处理意见书")


def answer_visit(page: Page, shot: Shots, *, satisfied: bool) -> None:
    """答复回访 (四(五)) from the status page: satisfied and without objection, or dissatisfied,
    objecting, with the remedy already taken (行政复议 at the banner's government)."""
    page.click("#answers a[href$='/visit/']")
    expect(page.locator("h1")).to_contain_text("答复回访")
    shot(page, "visit-form")
    if satisfied:
        page.check("input[name=satisfaction][value=satisfied]")
        page.check("input[name=objects_to_decision][value='0']")
        page.fill("#id_notes", "工作人员解释清楚，没有异议。")
    else:
        page.check("input[name=satisfaction][value=dissatisfied]")
        page.check("input[name=objects_to_decision][value='1']")
        page.click("main form button[type=submit]")  # no remedy chosen: refused beside its field
        expect(page.locator("#err-kind")).to_be_visible()
        shot(page, "visit-error")
        page.check("input[name=kind][value=reconsideration]")
        page.fill("#id_body", "奈曼旗人民政府")
        page.fill("#id_filed_on", timezone.localdate().isoformat())
        page.fill("#id_notes", "对缴费基数的核定仍有异议，已申请行政复议。")
    page.click("main form button[type=submit]")
    expect(page.locator("#answers")).to_contain_text("您的答复已记录")
    if not satisfied:
        expect(page.locator("#answers")).to_contain_text("奈曼旗人民政府")
    # The payer sees the departments that worked on the case, never their staff.
    shown = page.locator("body").inner_text()
    worked = ["clerk", "tax_handler", "tax_head", "hrss_handler", "hrss_head"]
    staff = Staff.objects.filter(username__in=worked)
    assert len(staff) == 5 and not [s.name for s in staff if s.name in shown]
    shot(page, "visit-result")


def to_the_visit(browser: Browser, desk: Desk, journey: str, *, name: str, serial: str, satisfied: bool) -> str:
    """The way both journeys share: filed on a phone, reviewed, two opinions, decided, looked
    up, delivered online, the visit answered. The case number is returned."""
    shot = Shots(journey)
    filing = phone(browser)
    summary = "对2026年灵活就业人员养老保险缴费基数有异议"
    number, code = file_online(
        filing.new_page(), desk.base_url, shot, name=name, id_number=resident_id(serial), summary=summary
    )
    filing.close()
    case = Case.objects.get(number=number)
    assert case.channel == Channel.ONLINE and case.state == CaseState.REGISTERED
    review_and_route(desk, number)
    opinions_and_decision(desk, number)
    page = look_up(phone(browser), desk.base_url, shot, number, code)
    receive_decision(page, shot)
    answer_visit(page, shot, satisfied=satisfied)
    return number


def test_payer_files_online_reads_the_decision_and_is_satisfied(
    browser: Browser, desk: Desk, demo: Jurisdiction
) -> None:
    """Journey 1: filed on a phone, decided by two departments, delivered online, satisfied,
    archived."""
    number = to_the_visit(browser, desk, "journey1", name="李四", serial="321", satisfied=True)
    assert Case.objects.get(number=number).state == CaseState.FOLLOWING_UP
    # 案卷归档 (四(七)): the clerk's list offers it once the payer's answer is recorded.
    page = todo(desk, "clerk", "封存归档", number)
    page.click("#archive >> text=封存归档")
    done(page, "已归档，档号")
    assert Case.objects.get(number=number).state == CaseState.ARCHIVED


def test_payer_objects_and_the_remedy_is_tracked(browser: Browser, desk: Desk, demo: Jurisdiction) -> None:
    """Journey 2: the same way to the decision; the payer objects in the visit and names the
    remedy taken; the case is in remedy tracking and the clerk follows the remedy up."""
    number = to_the_visit(browser, desk, "journey2", name="王五", serial="654", satisfied=False)
    assert Case.objects.get(number=number).state == CaseState.REMEDY_TRACKING
    # 救济途径跟踪: the clerk finds the case among the cases, its remedy listed, and records progress.
    page = desk("clerk")
    page.click("#mainnav >> text=案件")
    page.locator("main table a", has_text=number).first.click()
    remedies = page.locator("#followup")
    expect(remedies).to_contain_text("行政复议")
    expect(remedies).to_contain_text("奈曼旗人民政府")
    remedies.locator("a:has-text('跟踪进展')").click()
    page.fill("textarea[name=notes]", "复议机关已受理，正在审理。")
    page.fill("#id_next_check_on", (timezone.localdate() + timedelta(days=14)).isoformat())
    page.click("main form button[type=submit]")
    expect(page.locator(".messages li").first).to_be_visible()
    assert Case.objects.get(number=number).state == CaseState.REMEDY_TRACKING
