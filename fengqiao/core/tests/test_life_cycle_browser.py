"""The life cycle walked in a real browser, role by role, from the workbench alone (issue 11,
"Done when", first bullet).

The Naiman set-up and the demo staff (README's table; ``org.services.demo_staff_create``, what
``manage.py demo_staff`` calls) are loaded; then each member of staff signs in and, starting
from the workbench (工作台, ``/``) and following only the links and buttons of the pages, finds
and finishes what waits on them:

- A. a general matter (一般事项, 四(二)1, 四(三)1): the window clerk registers it (一站受理, 四(一))
  and routes it to a lead and co-handling departments; each department's handler signs for the
  task and writes the written opinion, its head signs it (各联办单位……提供书面意见); the
  receiving department issues the 处理意见书 (四(三)1), delivers it (结果反馈, 四(四)), records the
  follow-up visit (跟踪回访, 四(五)) and seals the case (案卷归档, 四(七));
- B. a major matter (重大疑难事项, 四(二)2, 四(三)2): the group office forwards it, the group
  leader approves special handling (报请领导小组组长同意后专案处理) and the major consultation
  (重大事项会商, 四(三)3), the member units give their written approval opinions, the office
  holds the meeting and issues the minutes, the 司法局 reviews the decision (三(二)5 法律把关), and
  the receiving department issues it from its page, delivers it, visits and archives.

At each hand-over the next person's workbench to-do list (``core.todo``) shows the item and
its link leads to the page that does it. No page is opened by address after signing in, no
API is called and nothing is written through the ORM.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core.identifiers import resident_id_check_char
from fengqiao.org.models import Jurisdiction
from fengqiao.org.services import demo_staff_create
from fengqiao.testing.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "fengqiao-demo"  # the demo logins' password (manage.py demo_staff)
TIMEOUT_MS = 60_000  # two cores shared by many: a page may take a while, never a wall-clock assertion
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; each test opens a context per member of staff."""
    with chromium() as b:
        yield b


@pytest.fixture
def demo(naiman: Jurisdiction, file_storage: Path) -> Jurisdiction:
    """The Naiman set-up with the demo logins of ``manage.py demo_staff``."""
    demo_staff_create(county=naiman, password=DEMO_PASSWORD)
    return naiman


@pytest.fixture
def file_storage(settings, tmp_path: Path) -> Path:
    """Issued notices, receipts and the sealed dossier go to the test's temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    return tmp_path / "files"


def resident_id(serial: str) -> str:
    """A valid 公民身份号码 of Naiman Banner (150525), born 1 January 1990."""
    first17 = f"15052519900101{serial}"
    return first17 + resident_id_check_char(first17)


class Desk:
    """The people of the demo set-up, each signed in once in their own browser context."""

    def __init__(self, browser: Browser, base_url: str, shots: Path) -> None:
        self.browser = browser
        self.base_url = base_url
        self.shots = shots
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}

    def __call__(self, username: str) -> Page:
        """``username``'s page, signed in, showing their workbench."""
        page = self.pages.get(username)
        if page is None:
            context = self.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(f"{self.base_url}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{self.base_url}/")
            self.contexts[username], self.pages[username] = context, page
        else:
            page.click("#mainnav a[href='/']")
            page.wait_for_url(f"{self.base_url}/")
        expect(page.locator("h1")).to_contain_text("工作台")
        page.screenshot(path=str(self.shots / f"{len(list(self.shots.iterdir())):02d}-{username}.png"), full_page=True)
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def desk(browser: Browser, live_server, tmp_path: Path) -> Iterator[Desk]:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    d = Desk(browser, live_server.url, shots)
    yield d
    d.close()


def todo(desk: Desk, username: str, what: str, number: str) -> Page:
    """Sign in as ``username`` (or go back to the workbench), find the to-do row of ``what``
    for case ``number`` and follow its link; the page that does it is shown."""
    page = desk(username)
    row = page.locator("#todo tbody tr").filter(has_text=number).filter(has_text=what)
    expect(row, f"{username}'s to-do list shows {what} of {number}").to_have_count(1)
    row.locator("a").first.click()
    page.wait_for_load_state()
    return page


def not_in_todo(desk: Desk, username: str, number: str) -> None:
    page = desk(username)
    expect(page.locator("#todo tbody tr").filter(has_text=number)).to_have_count(0)


def done(page: Page, message: str) -> None:
    """The step's success message (messages say what was done) is shown."""
    expect(page.locator(".messages li").filter(has_text=message).first).to_be_visible()


def register(page: Page, *, name: str, id_number: str, summary: str) -> str:
    """受理登记 at the window (四(一)): the form of the intake page, outcome 需审核转办."""
    page.click("#mainnav >> text=受理登记")
    page.fill("#id_payer_name", name)
    page.select_option("#id_payer_group", "flexible")
    page.fill("#id_id_number", id_number)
    page.fill("#id_phone", "13812345678")
    page.select_option("#id_township", "150525101")
    page.check("input[name=categories][value='04']")
    page.fill("#id_summary", summary)
    page.check("input[name=outcome][value='review']")
    page.wait_for_load_state("networkidle")
    page.click("text=提交登记")
    done(page, "已受理登记")
    number = re.search(r"\d{6}-\d{4}-\d{6}|[A-Z0-9]+-\d{4}-\d+", page.inner_text("h1"))
    assert number is not None, page.inner_text("h1")
    return number.group(0)


def opinion(desk: Desk, handler: str, head: str, number: str, kind: str) -> None:
    """One department's written opinion: its handler signs for the task and writes it, its head
    signs it (各联办单位依职权办理，在规定时限内向受理单位提供书面意见)."""
    page = todo(desk, handler, f"签收任务（{kind}）", number)
    page.click("form[action$='/sign/'] button:has-text('签收')")
    expect(page.locator("#opinion form")).to_be_visible()
    # The step moved on: the handler's list now shows the opinion to write, linking here.
    page = todo(desk, handler, f"撰写书面意见（{kind}）", number)
    page.fill("#opinion textarea[name=facts]", "经核查，缴费人2026年度缴费基数按上年度月平均工资核定。")
    page.fill("#opinion textarea[name=text]", "核定无误，建议向缴费人解释说明。")
    page.fill("#opinion textarea[name=basis]", "《中华人民共和国社会保险法》第六十条")
    page.click("#opinion button[value=submit]")
    expect(page.locator("#opinion .state")).to_contain_text("待")
    not_in_todo(desk, handler, number)
    page = todo(desk, head, f"签发书面意见（{kind}）", number)
    page.click("#opinion form[action$='/opinion/sign/'] button:has-text('签发')")
    expect(page.locator("#opinion .state")).to_contain_text("已签发")


def test_general_matter_from_the_workbench(desk: Desk, demo: Jurisdiction) -> None:
    """一般事项 end to end: 受理 → 审核转办 → 联办书面意见 → 处理意见书 → 结果反馈 → 跟踪回访 → 归档."""
    # 一站受理 (四(一)): the clerk at the window registers the dispute.
    page = desk("clerk")
    summary = "对2026年灵活就业人员养老保险缴费基数有异议"
    number = register(page, name="李四", id_number=resident_id("123"), summary=summary)
    # 审核转办 (四(二)): the first receiver's list shows the review; a general matter, lead + co.
    page = todo(desk, "clerk", "审核转办", number)
    page.check("input[name=classification][value=general]")
    page.select_option("#id_lead_department", "tax")
    for code in ("hrss", "medical"):
        page.check(f"input[name=co_departments][value={code}]")
    page.click("button:has-text('确认转办')")
    expect(page.locator("h1")).to_contain_text(number)

    # 联办书面意见 (四(三)1): each department signs for its task, writes, its head signs.
    for unit in ("tax", "hrss", "medical"):
        opinion(desk, f"{unit}_handler", f"{unit}_head", number, "联办书面意见")

    # 受理部门综合意见，出具处理意见书.
    page = todo(desk, "clerk", "综合意见、出具处理意见书", number)
    expect(page.locator("h1")).to_contain_text(number)
    page.select_option("#id_result", "explain")
    page.click("button[value=issue]")
    done(page, "已出具处理意见书奈争处")
    case = Case.objects.get(number=number)
    assert case.state == CaseState.DECIDED

    deliver_visit_archive(desk, "clerk", number)


def deliver_visit_archive(desk: Desk, username: str, number: str) -> None:
    """结果反馈 (四(四)), 跟踪回访 (四(五)), 案卷归档 (四(七)) by the receiving department."""
    page = todo(desk, username, "向缴费人反馈处理结果", number)
    page.check("input[name=recipient][value=payer]")
    page.select_option("#id_method", "in_person")
    page.fill("#id_address", "大沁他拉镇团结路8号")
    page.click("button:has-text('记录送达')")
    done(page, "已记录结果反馈")
    # 四(五): the visit is on the to-do list from the day it is scheduled (due within the limit).
    page = todo(desk, username, "跟踪回访", number)
    page.check("input[name=method][value=phone]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.check("input[name=objects_to_decision][value='0']")
    page.fill("#id_notes", "缴费人表示理解，无异议。")
    page.click("button:has-text('保存回访记录')")
    done(page, f"已记录案件 {number} 对缴费人的回访；案件可以归档")
    page = todo(desk, username, "封存归档", number)
    page.click("#archive >> text=封存归档")
    done(page, "已归档，档号")
    case = Case.objects.get(number=number)
    assert case.state == CaseState.ARCHIVED


# The demo staff of each member unit (README's table): its handler and its head.
UNIT_STAFF = {
    "tax": ("tax_handler", "tax_head"),
    "hrss": ("hrss_handler", "hrss_head"),
    "medical": ("medical_handler", "medical_head"),
    "justice": ("justice_handler", "justice_head"),
    "finance": ("finance_handler", "finance_head"),
    "gov_service": ("govservice_handler", "govservice_head"),
    "petition": ("petition_handler", "petition_head"),
    "cyberspace": ("cyberspace", "cyberspace_head"),
    "gov_office": ("govoffice_handler", "govoffice_head"),
}


def test_major_matter_from_the_workbench(desk: Desk, demo: Jurisdiction) -> None:
    """重大疑难事项 end to end: 审核转办 as major → 转报 → 组长同意专案处理 → 专案书面审批意见 →
    重大事项会商 (组长同意, 召开, 纪要) → 司法局法律审查 → 处理意见书出具 from its page → 反馈、回访、归档."""
    page = desk("clerk")
    summary = "多名灵活就业人员对2026年缴费基数调整政策有异议，涉及多部门政策衔接"
    number = register(page, name="王五", id_number=resident_id("456"), summary=summary)
    page = todo(desk, "clerk", "审核转办", number)
    page.check("input[name=classification][value=major]")
    page.fill("#id_reason", "涉及多部门政策衔接的普遍性问题，需专案处理")
    page.click("button:has-text('确认转办')")
    expect(page.locator("h1")).to_contain_text(number)

    # 报请领导小组组长同意后专案处理 (四(三)2): the office forwards, the leader approves.
    page = todo(desk, "office", "转报专案处理申请", number)
    request = page.locator("article.card").filter(has_text=number)
    request.locator("button:has-text('转报组长')").click()
    not_in_todo(desk, "office", number)
    page = todo(desk, "leader", "审批专案处理", number)
    request = page.locator("article.card").filter(has_text=number)
    request.locator("button:has-text('同意专案处理')").click()
    expect(page.locator(".messages li").first).to_be_visible()
    case = Case.objects.get(number=number)
    assert case.state == CaseState.SPECIAL_HANDLING
    units = sorted(case.tasks.values_list("department__code", flat=True))
    assert units, "the approval gives the proposed member units their tasks"

    # 专案书面审批意见: each member unit chosen answers in writing, its head signs.
    for code in units:
        handler, head = UNIT_STAFF[code]
        opinion(desk, handler, head, number, "专案书面审批意见")

    # 重大事项会商 (四(三)3): the office organises it, the leader agrees, it is held, minutes issued.
    topic = f"{number}专案会商"
    page = todo(desk, "office", "组织重大事项会商", number)
    # The row opens the form set to 重大事项会商 with the case ticked.
    expect(page.locator("#id_kind")).to_have_value("major")
    expect(page.locator("label", has_text=number).locator("input[name=cases]")).to_be_checked()
    page.fill("#id_topic", topic)
    today = timezone.localdate().isoformat()
    page.fill("#id_starts_at", f"{today} 09:00")
    page.fill("#id_place", "旗政府第一会议室")
    page.click("main form button[type=submit]")
    done(page, f"已安排会商“{topic}”")
    page = todo(desk, "office", "报请组长同意", topic)
    page.fill("textarea[name=reason]", "重大疑难事项专案处理，需召开专题会议")
    page.click("button:has-text('报请组长同意')")
    done(page, "报请领导小组组长同意")
    page = todo(desk, "leader", "同意召开重大事项会商", topic)
    page.select_option("select[name=decision]", "approve")
    page.click("form[action$='/decide/'] button[type=submit]")
    done(page, f"已同意召开会商“{topic}”")
    page = todo(desk, "office", "召开", topic)
    page.click("button:has-text('会商已召开')")
    done(page, "已召开")
    page = todo(desk, "office", "整理并印发会议纪要", topic)
    page.click("a:has-text('编辑纪要')")
    page.fill("textarea[name=conclusions]", "同意按现行政策向缴费人解释说明\n由税务局牵头答复")
    page.click("button:has-text('保存纪要')")
    done(page, "已保存会商")
    page.click("a:has-text('返回会商')")
    page.click("button:has-text('印发会议纪要')")
    done(page, "已印发会议纪要")

    # 受理部门综合意见; the draft is saved, the 司法局 reviews it (三(二)5), then it is issued.
    page = todo(desk, "clerk", "综合意见、出具处理意见书", number)
    page.select_option("#id_result", "explain")
    page.click("button[value=save]")
    done(page, "已保存处理意见草稿")
    page = todo(desk, "justice_handler", "法律审查处理意见", number)
    page.check("input[name=conclusion][value=approved]")
    page.fill("textarea[name=notes]", "法律适用无误。")
    page.click("button:has-text('提交审查意见')")
    expect(page.locator(".messages li").first).to_be_visible()
    not_in_todo(desk, "justice_handler", number)
    page = todo(desk, "clerk", "综合意见、出具处理意见书", number)
    expect(page.locator("#legal-review")).to_contain_text("法律适用无误")
    page.click("button[value=issue]")
    done(page, "已出具处理意见书奈争处")
    assert Case.objects.get(number=number).state == CaseState.DECIDED

    deliver_visit_archive(desk, "clerk", number)
