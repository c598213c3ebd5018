"""五(三) 落实保密责任 — the permission matrix: every page and endpoint of the system, who may open
it, and what everyone else gets (issue 13 §6; CONVENTIONS 12).

``URL_MATRIX`` has one entry for every URL pattern of the project (the pages, the API, the
schema and its docs, the account pages and the configuration admin), keyed by the route's name
(or its pattern when it has none). An entry says how the URL's arguments are taken from the
demo data (a case at the right stage, a task, a document …), which demo logins (README's table,
``org.services.DEMO_STAFF``) may GET it and, for a URL that writes, POST to it; the rest get
403, or 404 for a case (meeting, task …) outside their scope; anonymous visitors are sent to
sign in (pages) or answered 401 (API).

``test_every_url_has_an_entry`` fails, naming the URL, when a pattern has no entry or an entry
names a URL that no longer exists. ``test_url`` runs one entry for every demo login and for an
anonymous visitor: a GET (and for write URLs a POST with an empty body, enough to tell 403 from
400/200 and never a server error), each request rolled back so no answer depends on another.
Adding a URL: ``docs/development.md`` "Permission matrix: adding a URL"."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from fengqiao.org.models import Jurisdiction, Staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday: the referral is dispatched
NOW = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)  # its limit has passed: the transfer, and the requests


# --- the URLs of the project ----------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner or namespace)
        else:
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield (name or route), route, pattern


def project_urls() -> dict[str, str]:
    """Every URL pattern of the project, key (route name, or the pattern for an unnamed one) →
    route. Static files are served by WhiteNoise, outside the URL map."""
    return {key: route for key, route, _pattern in _walk(get_resolver())}


# --- the demo data --------------------------------------------------------------------------


@dataclass
class World:
    """The Naiman Banner with its demo logins and cases at the stages the URLs need."""

    staff: dict[str, Staff]
    tokens: dict[str, str]
    numbers: dict[str, str]  # a case of each stage
    ids: dict[str, int]
    extra: dict[str, str] = field(default_factory=dict)


def _upload(name: str = "证据.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% evidence\n%%EOF\n", content_type="application/pdf")


def _build(county: Jurisdiction) -> World:
    from fengqiao.analytics.services import report_generate
    from fengqiao.archive.services import dossier_seal
    from fengqiao.cases.models import Attachment
    from fengqiao.cases.services import attachment_add, case_review
    from fengqiao.cases.states import Classification, IntakeOutcome
    from fengqiao.cases.tests.helpers import intake
    from fengqiao.core import calendar
    from fengqiao.documents import registry
    from fengqiao.documents.services import document_issue
    from fengqiao.followup.models import DeliveryMethod, Recipient, RemedyKind, Satisfaction, Visit, VisitMethod
    from fengqiao.followup.services import feedback_record, remedy_record, visit_record
    from fengqiao.handling import services as handling
    from fengqiao.handling.delegation import delegation_create
    from fengqiao.handling.followthrough.extensions import extension_request
    from fengqiao.handling.followthrough.mediation import mediation_open
    from fengqiao.handling.legal import legal_review_request
    from fengqiao.handling.models import DecisionResult, Task
    from fengqiao.handling.selectors import remedies_default
    from fengqiao.meetings import services as meetings
    from fengqiao.org.management.commands.demo_staff import DEFAULT_PASSWORD
    from fengqiao.org.models import Department
    from fengqiao.org.services import DEMO_STAFF, demo_staff_create
    from fengqiao.referrals import services as referrals
    from fengqiao.referrals.models import Referral

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the demo password, hashed thirty times
    with override_settings(PASSWORD_HASHERS=fast, AUTH_PASSWORD_VALIDATORS=[]):
        demo_staff_create(county=county, password=DEFAULT_PASSWORD)
    staff = {s.username: s for s in Staff.objects.filter(username__in=[row[0] for row in DEMO_STAFF])}
    clerk, office, leader, hotline = staff["clerk"], staff["office"], staff["leader"], staff["hotline"]
    tax_handler, tax_head = staff["tax_handler"], staff["tax_head"]
    hrss_handler, hrss_head = staff["hrss_handler"], staff["hrss_head"]

    def dept(code: str) -> Department:
        return Department.objects.get(jurisdiction=county, code=code)

    def unclear(**kwargs: Any) -> Referral:
        case = intake(clerk, **kwargs)
        case_review(case=case, actor=clerk, classification=Classification.UNCLEAR, reason="职责边界不清")
        return Referral.objects.get(case=case)

    # 四(八): a referral dispatched to 人社局, its return refused, never signed → 移交纪委监委.
    with time_machine.travel(START, tick=False):
        refused = unclear(id_number="150525199001010027")
        refused = referrals.referral_dispatch(referral=refused, actor=hotline, department=dept("hrss"))
        refused = referrals.referral_return(referral=refused, actor=hrss_handler, reason="不属本部门职责")
        refused = referrals.referral_return_reject(referral=refused, actor=hotline, reason="按三(二)3 属人社局")
    transfer = referrals.discipline_transfer(referral=refused, actor=clerk, note="经催办仍拒不签收")
    # 五(四) 责任追究: the transfer is proposed as a record naming 人社局.
    from fengqiao.accountability.models import AccountabilityRecord
    from fengqiao.accountability.proposals import proposals_run

    proposals_run()
    accountability = AccountabilityRecord.objects.get(source_key=f"transfer:{transfer.pk}")
    referral = unclear(id_number="150525199001010043")  # waiting for the hotline office to dispatch
    dispatched = unclear(id_number="150525199001010086")  # 人社局 to sign, return or answer
    dispatched = referrals.referral_dispatch(referral=dispatched, actor=hotline, department=dept("hrss"))

    # 四(三) joint handling: the tax bureau leads, 人社局 and 医保局 co-handle.
    general = case_review(
        case=intake(clerk),
        actor=clerk,
        classification=Classification.GENERAL,
        lead_department=dept("tax"),
        co_departments=[dept("hrss"), dept("medical")],
    )
    attachment_add(case=general, actor=clerk, upload=_upload(), kind="evidence")
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=general, actor=clerk)
    tax_task = Task.objects.filter(case=general, department__code="tax").latest("id")
    hrss_task = Task.objects.filter(case=general, department__code="hrss").latest("id")
    handling.task_sign(task=hrss_task, actor=hrss_handler)
    handling.opinion_save(
        task=hrss_task, actor=hrss_handler, facts="人社局查明：基数核定无误。", text="维持核定。", basis="社会保险法"
    )
    handling.opinion_submit(task=hrss_task, actor=hrss_handler)
    decision = handling.decision_save(
        case=general,
        actor=clerk,
        request="请求按实际收入核定缴费基数",
        facts_and_reasons="经税务局、人社局、医保局联合核查，缴费基数核定符合规定。",
        result=DecisionResult.EXPLAIN,
        legal_basis="《中华人民共和国社会保险法》第六十条",
        remedies=remedies_default(case=general),
    )
    legal_review_request(decision=decision, actor=clerk, note="请司法局把关")
    general.refresh_from_db()
    assert general.due_on is not None

    extension = extension_request(
        case=general, actor=clerk, reason="材料未齐", new_due_on=calendar.add_working_days(general.due_on, 3).day
    )
    mediation = mediation_open(
        case=general, actor=tax_handler, mediator=tax_handler, held_at=NOW + dt.timedelta(days=1), parties="缴费人张三"
    )
    consultation = meetings.consultation_create(
        actor=office,
        data=meetings.ConsultationData(
            kind="general",
            topic="缴费基数争议",
            starts_at=NOW - dt.timedelta(hours=1),
            place="会议室",
            cases=(general,),
        ),
    )
    meetings.consultation_hold(consultation=consultation, actor=office)
    resolution = meetings.resolution_add(
        consultation=consultation, actor=office, department=dept("hrss"), text="出具解释", case=general
    )
    minuted = meetings.consultation_create(
        actor=office,
        data=meetings.ConsultationData(
            kind="general", topic="会商纪要", starts_at=NOW - dt.timedelta(hours=2), place="会议室", cases=(general,)
        ),
    )
    meetings.consultation_hold(consultation=minuted, actor=office)
    meetings.minutes_save(consultation=minuted, actor=office, discussion="听取意见。", conclusions="维持。")
    minutes = meetings.minutes_issue(consultation=minuted, actor=office)

    # 报请专案处理: a major matter waiting for the office.
    major = case_review(
        case=intake(clerk, id_number="150525199001010051"),
        actor=clerk,
        classification=Classification.MAJOR,
        reason="涉及政策性、普遍性问题",
    )

    # 四(四)(五): decided own cases — one fed back with its visit waiting, one objected to.
    def decided(id_number: str) -> Any:
        case = intake(clerk, outcome=IntakeOutcome.OWN, id_number=id_number)
        own = handling.decision_save(
            case=case,
            actor=clerk,
            request="请求按实际收入核定缴费基数",
            facts_and_reasons="经核查，缴费基数核定符合规定。",
            result=DecisionResult.EXPLAIN,
            legal_basis="《中华人民共和国社会保险法》第六十条",
            remedies=remedies_default(case=case),
        )
        task = Task.objects.filter(case=case, department__code="tax").latest("id")
        handling.task_sign(task=task, actor=tax_handler)
        handling.opinion_save(task=task, actor=tax_handler, facts="查明。", text="维持。", basis="社会保险法")
        handling.opinion_submit(task=task, actor=tax_handler)
        handling.opinion_sign(task=task, actor=tax_head)
        handling.decision_issue(decision=own, actor=tax_head)
        feedback_record(
            case=case, actor=clerk, recipient=Recipient.PAYER, method=DeliveryMethod.SMS, address="13812345678"
        )
        case.refresh_from_db()
        return case

    fed_back = decided("150525199001010078")
    visit = Visit.objects.get(case=fed_back)
    objecting = decided("150525199001010094")
    visit_record(
        visit=Visit.objects.get(case=objecting),
        actor=clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    remedy = remedy_record(
        case=objecting, actor=clerk, kind=RemedyKind.RECONSIDERATION, body="奈曼旗人民政府", filed_on=NOW.date()
    )

    # 四(七): an informed case (the short path of 四(一)), sealed.
    informed = intake(
        clerk,
        outcome=IntakeOutcome.INFORM,
        informed_department=dept("hrss"),
        informed_note="请携带身份证原件。",
        id_number="150525199001010107",
    )
    document_issue(doc_type=registry.INFORM_NOTICE, case=informed, actor=clerk)
    dossier_seal(case=informed, actor=clerk)
    open_case = intake(clerk, id_number="150525199001010115")  # waiting for review: seal refused

    # 代签授权 of the tax bureau's head to its handler; February's report.
    delegation = delegation_create(
        actor=tax_head, deputy=tax_handler, starts_on=NOW.date(), ends_on=NOW.date(), reason="负责人外出学习"
    )
    report = report_generate(county=county, year=2026, month=2, actor=office)
    # 信息发布审批 (五(三)): the clerk asks to give the sealed dossier to the court.
    from fengqiao.releases.services import release_request

    release = release_request(
        actor=clerk,
        kind="dossier",
        case=informed,
        description="案卷归档包",
        recipient_organisation="奈曼旗人民法院",
        recipient_person="立案庭",
        purpose="行政诉讼调卷",
        legal_basis="《中华人民共和国行政诉讼法》第三十九条",
    )

    # 网络舆情 (三(二)9): an item the 网信办 recorded for 人社局 to answer, linked to the open case
    # (the tax bureau receives it), with a screenshot.
    from fengqiao.opinion.models import LinkHow, RiskLevel
    from fengqiao.opinion.services import ItemData, item_link, item_record

    item = item_record(
        actor=staff["cyberspace"],
        data=ItemData(
            platform="weibo",
            url="https://weibo.com/1234567890/AbCdEf",
            seen_at=NOW,
            summary="网民反映灵活就业人员缴费基数争议",
            risk=RiskLevel.MEDIUM,
            responsible_department=dept("hrss"),
            screenshots=[_upload("截图.pdf")],
        ),
    )
    item_link(item=item, actor=staff["cyberspace"], case=open_case, how=LinkHow.NUMBER)
    screenshot = item.attachments.get()

    # rows for the admin's pages of a model nobody else fills here
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    Group.objects.create(name="未使用")
    # (a login the matrix does not run: a device sends its owner to the code page first)
    TOTPDevice.objects.create(user=staff["medical_clerk"], name="手机", confirmed=True)
    tokens = {username: Token.objects.create(user=member).key for username, member in staff.items()}
    del leader, hrss_head
    return World(
        staff=staff,
        tokens=tokens,
        numbers={
            "general": general.number,
            "major": major.number,
            "referred": referral.case.number,
            "fed_back": fed_back.number,
            "objecting": objecting.number,
            "sealed": informed.number,
            "open": open_case.number,
        },
        ids={
            "tax_task": tax_task.pk,
            "hrss_task": hrss_task.pk,
            "notice": notice.pk,
            "decision": decision.pk,
            "extension": extension.pk,
            "mediation": mediation.pk,
            "consultation": consultation.pk,
            "resolution": resolution.pk,
            "minuted": minuted.pk,
            "minutes": minutes.pk,
            "special": major.special_requests.get().pk,
            "referral": referral.pk,
            "dispatched": dispatched.pk,
            "transferred": refused.pk,
            "transfer": transfer.pk,
            "accountability": accountability.pk,
            "visit": visit.pk,
            "delivery": fed_back.deliveries.get().pk,
            "remedy": remedy.pk,
            "delegation": delegation.pk,
            "report": report.pk,
            "release": release.pk,
            "item": item.pk,
        },
        extra={
            "attachment": Attachment.objects.filter(case=general).latest("id").token,
            "screenshot": screenshot.token,
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One set of demo data for the whole module, in a transaction rolled back at its end; time
    stands at ``NOW`` throughout."""
    from django.conf import settings

    from fengqiao.cases.defaults import routing_defaults_load
    from fengqiao.core.timelimits import defaults_load
    from fengqiao.org.services import naiman_setup_load

    files = tmp_path_factory.mktemp("files")
    default: dict[str, Any] = dict(settings.STORAGES["default"])  # type: ignore[call-overload]
    default["OPTIONS"] = {"location": str(files)}
    storages = {**settings.STORAGES, "default": default}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), time_machine.travel(NOW, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            defaults_load()
            county = naiman_setup_load()
            routing_defaults_load(county_code=county.code)
            yield _build(county)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the matrix -----------------------------------------------------------------------------

#: The demo logins the matrix runs: one for every role, and for the roles that see cases by
#: department one whose department is involved in the cases and one whose is not. The demo
#: logins left out are members of other units in the same roles (README's table); a demo login
#: added later runs too, and fails every entry that does not place it.
LOGINS_LEFT_OUT = frozenset(
    {
        "medical_clerk",  # as hrss_clerk: a clerk of a co-handling unit
        "medical_handler",  # as hrss_handler
        "medical_head",  # as hrss_head
        "finance_handler",  # as justice_handler: a handler of a unit not involved
        "finance_head",
        "govservice_handler",
        "govservice_head",
        "petition_handler",
        "petition_head",
        "justice_head",  # as justice_handler: 司法局, the legal reviewer
        "govoffice_head",  # as govoffice_handler: a unit not involved
        "cyberspace_head",
    }
)


def demo_logins() -> list[str]:
    from fengqiao.org.services import DEMO_STAFF

    return [row[0] for row in DEMO_STAFF if row[0] not in LOGINS_LEFT_OUT]


EVERYONE = frozenset(demo_logins())
NONE: frozenset[str] = frozenset()
COUNTY_WIDE = frozenset({"office", "leader", "deputy"})  # 领导小组办公室, 组长, 副组长: every case of the county
TAX = frozenset({"clerk", "tax_handler", "tax_head"})  # the receiving (and leading) unit of the demo cases
RECEIVING = frozenset({"clerk", "tax_head", "office"})  # 首问 receiver: its clerk and head, and the office
REGISTRARS = frozenset({"clerk", "hrss_clerk", "office", "hotline"})  # 一站受理 (cases.permissions.may_register)
# Who sees the demo cases (cases.selectors.cases_visible_to): the joint case (税务局 leads, 人社局
# co-handles; deputy is 人社局's head too), and a case the tax bureau handles alone.
# 司法局 joins the joint case when its legal review is asked for (四(三)5).
GENERAL = COUNTY_WIDE | TAX | {"hrss_clerk", "hrss_handler", "hrss_head", "justice_handler", "justice_head"}
OWN = COUNTY_WIDE | TAX
# 人社局, to which the 12345 referral is dispatched: its handler and head (deputy is its head
# too) sign, return or answer it; its clerk does not.
HRSS = frozenset({"hrss_clerk", "hrss_handler", "hrss_head", "deputy"})
HRSS_ANSWERS = HRSS - {"hrss_clerk"}
# 司法局 reviews the decision's legality (四(三)5); the units handling the case mediate.
REVIEWERS = frozenset({"justice_handler", "justice_head"})
MEDIATORS = frozenset({"tax_handler", "tax_head", "hrss_handler", "hrss_head", "office", "deputy"}) | REVIEWERS
# A release request is seen by its requester (the clerk) and the county's approvers
# (releases.permissions: by default the office, the leader and the deputy), never decided by
# its requester; everyone else gets 404.
RELEASE_SEERS = frozenset({"clerk"}) | COUNTY_WIDE
# 部门负责人 (deputy is 人社局's head too) and 部门经办人: a head authorises a handler of the unit
# to sign for it (代签), and sees the department's scorecard.
HEADS = frozenset({"tax_head", "hrss_head", "justice_head", "deputy"})
HANDLERS = frozenset({"tax_handler", "hrss_handler", "justice_handler", "govoffice_handler", "cyberspace"})
# A consultation is seen by the member units (every department role) and the county-wide roles.
MEETING = EVERYONE - {"discipline", "admin", "auditor"}
# 网络舆情 (三(二)9): the item is read county-wide by the 网信办, the office, the leader and the
# deputy, by 人社局 (its responsible department) and by the tax bureau (which receives the case it
# links to); the 网信办 and the office manage it; 人社局's handler and head (deputy too) respond.
ITEM_SEERS = frozenset({"cyberspace", "hrss_clerk", "hrss_handler", "hrss_head", "clerk", "tax_handler", "tax_head"})
ITEM_SEERS |= COUNTY_WIDE
ITEM_MANAGERS = frozenset({"cyberspace", "office"})
ITEM_RESPONDERS = ITEM_MANAGERS | {"hrss_handler", "hrss_head", "deputy"}
# 五(四) 责任追究: the record naming 人社局 is read by the county-wide roles, the 纪委监委 liaison and
# 人社局's head (deputy is its head too); the group office decides.
ACCOUNTABILITY = COUNTY_WIDE | {"discipline", "hrss_head"}


@dataclass(frozen=True)
class A:
    """Who may make one request. Logins in ``ok`` get an answer past the permission check
    (2xx, 3xx, or 400/409 for an empty body); logins in ``scope`` but not in ``ok`` see the
    object and get 403; logins outside ``scope`` get 404, as if it did not exist. Without a
    scope, everyone not in ``ok`` gets 403."""

    ok: AbstractSet[str]
    scope: AbstractSet[str] | None = None

    def expected(self, login: str) -> str:
        if login in self.ok:
            return "ok"
        if self.scope is None or login in self.scope:
            return "403"
        return "404"


@dataclass(frozen=True)
class E:
    """One URL: its arguments from the demo data (``@stage`` a case number, ``#name`` an id,
    ``$name`` another value, anything else as written), who may GET it (None: it answers GET
    with 405), who may write (POST/PUT, with ``body``: form fields, or JSON for the API;
    ``"UPLOAD"`` a small PDF), whether anonymous visitors may open it, and, for the admin's
    model pages, the logins checked."""

    args: dict[str, str] = field(default_factory=dict)
    get: A | None = None
    write: A | None = None
    body: dict[str, Any] = field(default_factory=dict)
    public: bool = False
    # What everyone gets, anonymous visitors included, where it is not "ok": "404" for a payer
    # page of a case this browser session was not granted (fengqiao.portal.access).
    everyone: str = ""
    logins: tuple[str, ...] | None = None
    write_logins: tuple[str, ...] | None = None


def _first_pk(match: re.Match[str]) -> str:
    """``%app.model``: the id of that model's first row (0 when it has none)."""
    from django.apps import apps

    row = apps.get_model(match.group(1))._default_manager.order_by("pk").first()
    return str(row.pk) if row is not None else "0"


def _fill(template: dict[str, Any], world: World) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if "%" in value:
            return re.sub(r"%([a-z_]+\.[a-z_0-9]+)", _first_pk, value)
        if value.startswith("@"):
            return world.numbers[value[1:]]
        if value.startswith("#"):
            return world.ids[value[1:]]
        if value.startswith("$"):
            return world.extra[value[1:]]
        return value

    return {key: one(value) for key, value in template.items()}


def writes(pattern: URLPattern) -> str | None:
    """The write method a URL answers (post, put, patch), or None for a read-only one."""
    import inspect

    callback = pattern.callback
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return next((m for m in ("post", "put", "patch", "delete") if hasattr(view_class, m)), None)
    try:
        source = inspect.getsource(inspect.unwrap(callback)) + inspect.getsource(callback)
    except (OSError, TypeError):
        source = ""
    return "post" if "POST" in source or _require_post(callback) else None


def _require_post(callback: Any) -> bool:
    for cell in getattr(callback, "__closure__", None) or ():
        value = cell.cell_contents
        if isinstance(value, list | tuple) and "POST" in value:
            return True
    wrapped = getattr(callback, "__wrapped__", None)
    return _require_post(wrapped) if wrapped is not None else False


class _Undo(Exception):
    """Raised inside a request's savepoint to roll it back."""


@dataclass
class Answer:
    status: int
    location: str


def _request(client: Client, method: str, url: str, *, api: bool, body: dict[str, Any]) -> Answer:
    """One request, rolled back: no answer depends on another."""
    import json

    answer = Answer(0, "")
    kwargs: dict[str, Any] = {}
    if method != "get":
        if api:
            kwargs = {"content_type": "application/json", "data": json.dumps(body)}
        else:
            kwargs = {"data": {k: _upload() if v == "UPLOAD" else v for k, v in body.items()}}
    cookies = copy.deepcopy(client.cookies)  # signing out clears the client's session cookie
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, **kwargs)
            answer = Answer(response.status_code, response.get("Location", ""))
            raise _Undo
    except _Undo:
        pass
    client.cookies = cookies
    return answer


@pytest.fixture(scope="module")
def clients(world: World) -> dict[tuple[str, bool], Client]:
    """A signed-in page client and a token API client per login, made once."""
    made: dict[tuple[str, bool], Client] = {("anonymous", False): Client(), ("anonymous", True): Client()}
    for login in demo_logins():
        page = Client()
        page.force_login(world.staff[login])
        made[(login, False)] = page
        made[(login, True)] = Client(HTTP_AUTHORIZATION=f"Token {world.tokens[login]}")
    return made


def _verdict(answer: Answer, *, api: bool) -> str:
    """What an answer means: ok (past the permission check), 403, 404, 405, login, 401, 5xx."""
    code = answer.status
    if code >= 500:
        return "5xx"
    if code in (401, 403, 404, 405):
        return str(code)
    if code == 302 and not api and urlsplit(answer.location).path.endswith("/otp/verify/"):
        return "otp"  # sent to the second factor first: not the page's own answer
    if code == 302 and not api and "login/" in answer.location:
        return "login"
    return "ok"


def _expected_anonymous(entry: E, key: str, method: str) -> set[str]:
    if entry.everyone:
        return {entry.everyone}
    if entry.public:
        return {"ok", "405"} if method == "get" and entry.get is None else {"ok"}
    if key.startswith("api-"):
        return {"401"}
    return {"login", "405"} if method == "get" and entry.get is None else {"login"}


def _check(key: str, entry: E, world: World, clients: dict[tuple[str, bool], Client]) -> list[str]:
    from django.urls import reverse

    pattern = _patterns()[key]
    api = key.startswith("api-")
    if pattern.name:
        url = reverse(f"{key}", kwargs=_fill(entry.args, world))
    else:
        url = "/" + _fill(entry.args, world).get("path", "")
    # the admin's views take any method: a POST is checked where the entry says who may write
    admin_write = "post" if entry.write is not None else None
    method = admin_write if key.startswith("admin") else writes(pattern)
    wrong: list[str] = []
    logins = entry.logins or ("anonymous", *demo_logins())
    for login in logins:
        client = clients[(login, api)]
        for verb, access in (("get", entry.get), (method, entry.write)):
            if verb is None or (verb != "get" and entry.write_logins is not None and login not in entry.write_logins):
                continue
            if login == "anonymous":
                expected = _expected_anonymous(entry, key, verb)
            elif access is None:
                expected = {"405"}
            else:
                expected = {access.expected(login)}
            got = _verdict(_request(client, verb, url, api=api, body=_fill(entry.body, world)), api=api)
            if got == "login" and key in SIGN_OUT:
                got = "ok"  # signed out, sent to sign in again
            if got not in expected:
                wrong.append(f"{verb.upper()} {url} as {login}: {got}, expected {'/'.join(sorted(expected))}")
    return wrong


SIGN_OUT = {"logout", "admin:logout"}
_PATTERNS: dict[str, URLPattern] = {}


def _patterns() -> dict[str, URLPattern]:
    if not _PATTERNS:
        _PATTERNS.update({key: pattern for key, _route, pattern in _walk(get_resolver())})
    return _PATTERNS


# --- the configuration admin ----------------------------------------------------------------

#: The admin's model pages are checked for the administrator, one other role and anonymous
#: visitors: the site (core.admin_site.FengqiaoAdminSite) answers every signed-in member of
#: staff without the administrator role 403 before any model's view runs — the index is checked
#: for every login, and org/tests/test_admin_access.py refuses every persona on each page.
ADMIN_LOGINS = ("anonymous", "admin", "office")
ADMIN_REFUSED = ("anonymous", "office")  # a POST is checked for them; the administrator's own
# saves are in org/tests/test_admin_access.py (an empty POST to a delete page would delete)
ADMIN = frozenset({"admin"})
AUDITOR = frozenset({"auditor"})


def _admin_entries() -> dict[str, E]:
    """The admin's pages of every registered model, from what the administrator role may do
    there (org.permissions.ADMINISTRATOR_MODEL_PERMISSIONS): the list and a record's page with
    view or change, the add and delete pages with add and delete; a write is a POST."""
    from django.contrib import admin

    from fengqiao.org.permissions import ADMINISTRATOR_MODEL_PERMISSIONS

    entries: dict[str, E] = {}
    for model in admin.site._registry:
        meta = model._meta
        actions = set(ADMINISTRATOR_MODEL_PERMISSIONS.get(meta.label_lower, ()))

        def may(*needed: str, actions: set[str] = actions) -> A:
            return A(ADMIN if actions & set(needed) else NONE)

        obj = {"object_id": f"%{meta.label_lower}"}
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        read = may("view", "change")
        entries[f"{prefix}_changelist"] = E(get=read, write=read, logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED)
        entries[f"{prefix}_add"] = E(get=may("add"), write=may("add"), logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED)
        entries[f"{prefix}_history"] = E(obj, get=read, write=read, logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED)
        entries[f"{prefix}_change"] = E(
            obj, get=read, write=may("change"), logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED
        )
        entries[f"{prefix}_delete"] = E(
            obj, get=may("delete"), write=may("delete"), logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED
        )
        # the old-style address of a record's page redirects to it (unnamed)
        entries[f"admin/{meta.app_label}/{meta.model_name}/<path:object_id>/"] = E(
            {"path": f"admin/{meta.app_label}/{meta.model_name}/%{meta.label_lower}/"},
            get=A(ADMIN),
            write=A(ADMIN),
            logins=ADMIN_LOGINS,
            write_logins=ADMIN_REFUSED,
        )
    return entries


#: Every URL of the project → who may open it. Keep the keys sorted within their group.
URL_MATRIX: dict[str, E] = {
    "accountability-confirm": E(
        {"pk": "#accountability"}, get=A({"office"}, scope=ACCOUNTABILITY), write=A({"office"}, scope=ACCOUNTABILITY)
    ),
    "accountability-create": E(get=A({"office"}), write=A({"office"})),
    "accountability-detail": E({"pk": "#accountability"}, get=A(ACCOUNTABILITY, scope=ACCOUNTABILITY)),
    "accountability-dismiss": E(
        {"pk": "#accountability"}, get=A({"office"}, scope=ACCOUNTABILITY), write=A({"office"}, scope=ACCOUNTABILITY)
    ),
    "accountability-list": E(get=A(EVERYONE)),
    "api-accountability-record": E({"pk": "#accountability"}, get=A(ACCOUNTABILITY, scope=ACCOUNTABILITY)),
    "api-accountability-record-confirm": E(
        {"pk": "#accountability"}, get=None, write=A({"office"}, scope=ACCOUNTABILITY)
    ),
    "api-accountability-record-dismiss": E(
        {"pk": "#accountability"}, get=None, write=A({"office"}, scope=ACCOUNTABILITY)
    ),
    "api-accountability-records": E(get=A(EVERYONE), write=A({"office"})),
    "account-api-token": E(get=A(EVERYONE), write=A(EVERYONE)),
    "account-otp": E(get=A(EVERYONE), write=A(EVERYONE)),
    "account-password": E(get=A(EVERYONE), write=A(EVERYONE)),
    "analytics-monthly": E(get=A(COUNTY_WIDE)),
    "analytics-recount": E(get=None, write=A({"office"})),
    "analytics-report-download": E({"pk": "#report", "fmt": "pdf"}, get=A(COUNTY_WIDE)),
    "analytics-report-generate": E(get=None, write=A({"office"})),
    "analytics-scorecards": E(get=A(COUNTY_WIDE | HEADS)),
    "api-analytics-monthly": E({"month": "2026-02"}, get=A(COUNTY_WIDE)),
    "api-analytics-recount": E({"month": "2026-02"}, get=None, write=A({"office"})),
    "api-analytics-reports": E({"month": "2026-02"}, get=A(COUNTY_WIDE), write=A({"office"})),
    "api-analytics-scorecards": E({"month": "2026-02"}, get=A(COUNTY_WIDE | HEADS)),
    "api-case": E({"number": "@general"}, get=A(GENERAL, scope=GENERAL)),
    "api-case-attachment": E({"number": "@general", "token": "$attachment"}, get=A(GENERAL, scope=GENERAL)),
    "api-case-decision": E({"number": "@general"}, get=A(RECEIVING, scope=GENERAL), write=A(RECEIVING, scope=GENERAL)),
    "api-case-decision-issue": E({"number": "@general"}, get=None, write=A(RECEIVING, scope=GENERAL)),
    "api-case-deliveries": E({"number": "@fed_back"}, get=None, write=A(RECEIVING, scope=OWN)),
    # 查看送达地址明文: who may reveal on the tax bureau's own case (its staff and the office; not the
    # leader or deputy, who read it masked — cases.permissions.may_reveal)
    "api-case-delivery-reveal": E(
        {"number": "@fed_back", "pk": "#delivery"},
        get=None,
        write=A(TAX | {"office"}, scope=OWN),
        body={"reason": "电话核实送达"},
    ),
    "api-case-document-docx": E({"number": "@general", "document_id": "#notice"}, get=A(GENERAL, scope=GENERAL)),
    "api-case-document-pdf": E({"number": "@general", "document_id": "#notice"}, get=A(GENERAL, scope=GENERAL)),
    "api-case-documents": E(
        {"number": "@general"},
        get=A(GENERAL, scope=GENERAL),
        write=A(RECEIVING, scope=GENERAL),
        body={"doc_type": "receipt_notice"},
    ),
    "api-case-dossier": E({"number": "@sealed"}, get=A(OWN, scope=OWN), write=A(OWN, scope=OWN)),
    "api-case-dossier-export": E({"number": "@sealed"}, get=A(NONE, scope=OWN)),
    "api-case-dossier-verify": E({"number": "@sealed"}, get=A(OWN, scope=OWN)),
    "api-case-duplicates": E(get=None, write=A(REGISTRARS)),  # as the page's case-intake-duplicates
    "api-case-extensions": E(
        {"number": "@general"},
        get=A(GENERAL, scope=GENERAL),
        write=A(TAX | {"office"}, scope=GENERAL),
        body={"reason": "材料未齐"},
    ),
    "api-case-followup": E({"number": "@fed_back"}, get=A(OWN, scope=OWN)),
    "api-case-mediations": E({"number": "@general"}, get=A(GENERAL, scope=GENERAL), write=A(MEDIATORS, scope=GENERAL)),
    "api-case-party-correction": E(
        {"number": "@general", "party": "payer"},
        get=None,
        write=A(RECEIVING, scope=GENERAL),
        body={"name": "张叁", "reason": "证件核对更正"},
    ),
    "api-case-remedies": E({"number": "@objecting"}, get=None, write=A(RECEIVING, scope=OWN)),
    "api-case-reveal": E(
        {"number": "@general"},
        get=None,
        write=A(GENERAL - {"leader"}, scope=GENERAL),
        body={"party": "payer", "field": "phone", "reason": "回访核实"},
    ),
    "api-case-routing": E({"number": "@open"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "api-case-visits": E({"number": "@fed_back"}, get=None, write=A(RECEIVING, scope=OWN)),
    "api-cases": E(get=A(EVERYONE), write=A(REGISTRARS)),
    "api-categories": E(get=A(EVERYONE)),
    "api-consultation": E({"pk": "#consultation"}, get=A(MEETING, scope=MEETING)),
    "api-consultation-approval": E({"pk": "#consultation"}, get=None, write=A({"leader"}, scope=MEETING)),
    "api-consultation-attendance": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "api-consultation-document-docx": E({"pk": "#minuted", "document_id": "#minutes"}, get=A(MEETING, scope=MEETING)),
    "api-consultation-document-pdf": E({"pk": "#minuted", "document_id": "#minutes"}, get=A(MEETING, scope=MEETING)),
    "api-consultation-issue": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "api-consultation-minutes": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "api-consultation-resolution-task": E(
        {"pk": "#consultation", "resolution_id": "#resolution"}, get=None, write=A({"office"}, scope=MEETING)
    ),
    "api-consultation-resolutions": E(
        {"pk": "#consultation"}, get=A(MEETING, scope=MEETING), write=A({"office"}, scope=MEETING)
    ),
    "api-consultation-step": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "api-consultations": E(get=A(EVERYONE), write=A({"office"})),
    "api-decision-legal-request": E({"pk": "#decision"}, get=None, write=A(TAX | {"office"}, scope=GENERAL)),
    "api-decision-legal-reviews": E(
        {"pk": "#decision"}, get=A(GENERAL, scope=GENERAL), write=A(REVIEWERS, scope=GENERAL)
    ),
    "api-delegation-revoke": E(
        {"pk": "#delegation"}, get=None, write=A({"tax_head"}, scope={"tax_handler", "tax_head"})
    ),
    "api-delegations": E(
        get=A(HEADS | HANDLERS),
        write=A(HEADS),
    ),
    "api-discipline-transfer": E({"pk": "#transfer"}, get=A(OWN | {"discipline"}, scope=OWN | {"discipline"})),
    "api-discipline-transfers": E(get=A(EVERYONE)),
    "api-docs": E(get=A(EVERYONE), public=True),
    "api-extension-decision": E({"pk": "#extension"}, get=None, write=A({"tax_head"}, scope=GENERAL)),
    "api-followthrough-overdue": E(get=A(COUNTY_WIDE)),
    "api-followthrough-reminders": E(get=A(EVERYONE)),
    "api-followup-work": E(get=A(EVERYONE)),
    "api-hotline-work-orders": E(get=None, write=A({"office", "hotline"})),
    "api-legal-queue": E(get=A({"justice_handler", "justice_head"})),
    "api-me": E(get=A(EVERYONE)),
    "api-mediation-result": E(
        {"pk": "#mediation"}, get=None, write=A({"tax_handler", "tax_head", "office"}, scope=GENERAL)
    ),
    "api-referral": E({"pk": "#referral"}, get=A(OWN | {"hotline"}, scope=OWN | {"hotline"})),
    "api-referral-designate": E({"pk": "#referral"}, get=None, write=A({"hotline"}, scope=OWN | {"hotline"})),
    "api-referral-dispatch": E({"pk": "#referral"}, get=None, write=A({"hotline"}, scope=OWN | {"hotline"})),
    "api-referral-feedback": E({"pk": "#dispatched"}, get=None, write=A(HRSS_ANSWERS, scope=OWN | {"hotline"} | HRSS)),
    "api-referral-reject-return": E({"pk": "#referral"}, get=None, write=A({"hotline"}, scope=OWN | {"hotline"})),
    "api-referral-return": E({"pk": "#dispatched"}, get=None, write=A(HRSS_ANSWERS, scope=OWN | {"hotline"} | HRSS)),
    "api-referral-sign": E({"pk": "#dispatched"}, get=None, write=A(HRSS_ANSWERS, scope=OWN | {"hotline"} | HRSS)),
    "api-referral-transfer": E({"pk": "#referral"}, get=None, write=A(RECEIVING, scope=OWN | {"hotline"})),
    "api-referral-work-order": E({"pk": "#referral"}, get=None, write=A({"hotline"}, scope=OWN | {"hotline"})),
    "api-referrals": E(get=A(EVERYONE)),
    "api-remedy-check": E({"pk": "#remedy"}, get=None, write=A(RECEIVING, scope=OWN)),
    "api-remedy-outcome": E({"pk": "#remedy"}, get=None, write=A(RECEIVING, scope=OWN)),
    # the same schema for everyone, and generating it is the matrix's slowest request: three logins
    "api-schema": E(get=A(EVERYONE), public=True, logins=("anonymous", "clerk", "admin")),
    "api-special-request-approve": E({"pk": "#special"}, get=None, write=A({"leader"}, scope=OWN)),
    "api-special-request-decline": E({"pk": "#special"}, get=None, write=A({"leader"}, scope=OWN)),
    "api-special-request-forward": E({"pk": "#special"}, get=None, write=A({"office"}, scope=OWN)),
    "api-special-requests": E(get=A(COUNTY_WIDE)),
    "api-task": E({"pk": "#tax_task"}, get=A(GENERAL, scope=GENERAL)),
    "api-task-cancel": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "api-task-opinion": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "api-task-opinion-sign": E({"pk": "#hrss_task"}, get=None, write=A({"hrss_head", "deputy"}, scope=GENERAL)),
    "api-task-opinion-submit": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "api-task-reassign": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "api-task-reroute": E({"pk": "#tax_task"}, get=None, write=A(RECEIVING, scope=GENERAL)),
    "api-task-return": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "api-task-sign": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "api-task-transfer": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "api-tasks": E(get=A(EVERYONE)),
    "api-todo": E(get=A(EVERYONE)),
    "api-visit-record": E({"pk": "#visit"}, get=None, write=A(RECEIVING, scope=OWN)),
    "approval-queue": E(get=A(COUNTY_WIDE)),
    "archive-export": E({"number": "@sealed"}, get=A(TAX | {"office"}, scope=OWN)),
    "archive-seal": E({"number": "@general"}, get=None, write=A(RECEIVING, scope=GENERAL)),
    "archive-verify": E({"number": "@sealed"}, get=None, write=A(OWN, scope=OWN)),
    "case-attachment": E({"number": "@general", "token": "$attachment"}, get=A(GENERAL, scope=GENERAL)),
    "case-attachment-add": E(
        {"number": "@general"},
        get=None,
        write=A(RECEIVING | HRSS_ANSWERS, scope=GENERAL),
        body={"kind": "evidence", "file": "UPLOAD"},
    ),
    "case-decision": E({"number": "@general"}, get=A(RECEIVING, scope=GENERAL), write=A(RECEIVING, scope=GENERAL)),
    "case-detail": E({"number": "@general"}, get=A(GENERAL, scope=GENERAL)),
    "case-document-download": E(
        {"number": "@general", "document_id": "#notice", "fmt": "pdf"}, get=A(GENERAL, scope=GENERAL)
    ),
    "case-document-issue": E(
        {"number": "@general"}, get=None, write=A(RECEIVING, scope=GENERAL), body={"doc_type": "receipt_notice"}
    ),
    "case-intake": E(get=A(REGISTRARS), write=A(REGISTRARS)),
    "case-intake-duplicates": E(get=None, write=A(REGISTRARS)),
    "case-intake-validate": E(get=None, write=A(REGISTRARS)),
    "case-link": E({"number": "@general"}, get=None, write=A(RECEIVING, scope=OWN), body={"other": "@open"}),
    "case-list": E(get=A(EVERYONE)),
    "case-merge": E({"number": "@open"}, get=None, write=A(OWN, scope=OWN)),
    "case-party-correct": E(
        {"number": "@general", "party": "payer"}, get=A(RECEIVING, scope=GENERAL), write=A(RECEIVING, scope=GENERAL)
    ),
    # the page's 查看送达地址明文, as the API's api-case-delivery-reveal
    "followup-delivery-reveal": E(
        {"number": "@fed_back", "pk": "#delivery"},
        get=None,
        write=A(TAX | {"office"}, scope=OWN),
        body={"reason": "电话核实送达"},
    ),
    "case-reveal": E(
        {"number": "@general"},
        get=None,
        write=A(GENERAL - {"leader"}, scope=GENERAL),
        body={"party": "payer", "field": "phone", "reason": "回访核实"},
    ),
    "case-review": E({"number": "@open"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "case-route": E({"number": "@general"}, get=None, write=A(RECEIVING, scope=GENERAL)),
    "consultation-attendance": E(
        {"pk": "#consultation"}, get=A({"office"}, scope=MEETING), write=A({"office"}, scope=MEETING)
    ),
    "consultation-create": E(get=A({"office"}), write=A({"office"})),
    "consultation-decide": E({"pk": "#consultation"}, get=None, write=A({"leader"}, scope=MEETING)),
    "consultation-detail": E({"pk": "#consultation"}, get=A(MEETING, scope=MEETING)),
    "consultation-edit": E(
        {"pk": "#consultation"}, get=A({"office"}, scope=MEETING), write=A({"office"}, scope=MEETING)
    ),
    "consultation-list": E(get=A(EVERYONE)),
    "consultation-minutes": E(
        {"pk": "#consultation"}, get=A({"office"}, scope=MEETING), write=A({"office"}, scope=MEETING)
    ),
    "consultation-minutes-download": E(
        {"pk": "#minuted", "document_id": "#minutes", "fmt": "pdf"}, get=A(MEETING, scope=MEETING)
    ),
    "consultation-minutes-issue": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "consultation-resolution-add": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "consultation-resolution-task": E(
        {"pk": "#consultation", "resolution_id": "#resolution"}, get=None, write=A({"office"}, scope=MEETING)
    ),
    "consultation-step": E({"pk": "#consultation"}, get=None, write=A({"office"}, scope=MEETING)),
    "delegation-list": E(
        get=A(HEADS | HANDLERS),
        write=A(HEADS),
    ),
    "delegation-revoke": E({"pk": "#delegation"}, get=None, write=A({"tax_head"}, scope={"tax_handler", "tax_head"})),
    "discipline-transfer-list": E(
        get=A(RECEIVING | {"hrss_clerk", "hrss_head", "justice_head", "deputy", "discipline"})
    ),
    "followthrough-extension-decide": E(
        {"pk": "#extension"}, get=A({"tax_head"}, scope=GENERAL), write=A({"tax_head"}, scope=GENERAL)
    ),
    "followthrough-extension-request": E(
        {"number": "@general"},
        get=A(TAX | {"hrss_handler", "hrss_head", "office", "deputy"} | REVIEWERS, scope=GENERAL),
        write=A(TAX | {"hrss_handler", "hrss_head", "office", "deputy"} | REVIEWERS, scope=GENERAL),
    ),
    "followthrough-legal-queue": E(get=A({"justice_handler", "justice_head"})),
    "followthrough-legal-request": E({"pk": "#decision"}, get=None, write=A(TAX | {"office"}, scope=GENERAL)),
    "followthrough-legal-review": E(
        {"pk": "#decision"}, get=A(REVIEWERS, scope=GENERAL), write=A(REVIEWERS, scope=GENERAL)
    ),
    "followthrough-mediation-open": E(
        {"number": "@general"}, get=A(MEDIATORS, scope=GENERAL), write=A(MEDIATORS, scope=GENERAL)
    ),
    "followthrough-mediation-result": E(
        {"pk": "#mediation"},
        get=A({"tax_handler", "tax_head", "office"}, scope=GENERAL),
        write=A({"tax_handler", "tax_head", "office"}, scope=GENERAL),
    ),
    "followthrough-reminders": E(get=A(EVERYONE)),
    "followthrough-supervision": E(get=A(COUNTY_WIDE)),
    "followup-feedback": E({"number": "@fed_back"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "home": E(get=A(EVERYONE)),
    # 线上枫桥 (fengqiao.portal): the payer's pages are open to anyone, staff too; a case's own
    # page answers 404 to every session it was not granted (the same as an unknown number).
    "portal-home": E(get=A(EVERYONE), public=True),
    "portal-file": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    "portal-filed": E({"number": "@general"}, get=A(NONE, scope=NONE), public=True, everyone="404"),
    "portal-lookup": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    "portal-lookup-sms": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    "portal-case": E({"number": "@general"}, get=A(NONE, scope=NONE), public=True, everyone="404"),
    # 缴费人收取答复与回访 (fengqiao.portal.answers): a case's notices, consent, decision and visit
    # answer, likewise only for the session granted the case.
    "portal-document": E(
        {"number": "@general", "document_id": "1"}, get=A(NONE, scope=NONE), public=True, everyone="404"
    ),
    "portal-consent": E(  # POST only; any method of a case not granted is the uniform 404 first
        {"number": "@general"}, get=A(NONE, scope=NONE), write=A(NONE, scope=NONE), public=True, everyone="404"
    ),
    "portal-decision": E(
        {"number": "@general"}, get=A(NONE, scope=NONE), write=A(NONE, scope=NONE), public=True, everyone="404"
    ),
    "portal-visit": E(
        {"number": "@general"}, get=A(NONE, scope=NONE), write=A(NONE, scope=NONE), public=True, everyone="404"
    ),
    "healthz": E(get=A(EVERYONE), public=True),
    "login": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    # the code after the password (second factor); with no device it leads to setting one up
    "login-otp": E(get=A(EVERYONE), write=A(EVERYONE)),
    "logout": E(get=None, write=A(EVERYONE), public=True),
    "set_language": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    "todo-badge": E(get=A(EVERYONE)),
    "task-inbox": E(get=A(EVERYONE - {"hotline", "discipline", "admin", "auditor"})),
    "followup-work": E(get=A(EVERYONE)),
    "referral-desk": E(get=A(EVERYONE - {"office", "leader", "discipline", "admin", "auditor"})),
    "referral-detail": E({"pk": "#referral"}, get=A(OWN | {"hotline"}, scope=OWN | {"hotline"})),
    "referral-step": E(
        {"pk": "#referral", "step": "dispatch"}, get=None, write=A({"hotline"}, scope=OWN | {"hotline"})
    ),
    "special-forward": E({"pk": "#special"}, get=None, write=A({"office"}, scope=OWN)),
    "special-approve": E({"pk": "#special"}, get=None, write=A({"leader"}, scope=OWN)),
    "special-decline": E({"pk": "#special"}, get=None, write=A({"leader"}, scope=OWN)),
    "task-detail": E({"pk": "#tax_task"}, get=A(GENERAL, scope=GENERAL)),
    "task-sign": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "task-return": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "task-reroute": E({"pk": "#tax_task"}, get=None, write=A(RECEIVING, scope=GENERAL)),
    "task-cancel": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "task-reassign": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "task-transfer": E({"pk": "#tax_task"}, get=None, write=A({"tax_head", "office"}, scope=GENERAL)),
    "task-opinion": E({"pk": "#tax_task"}, get=None, write=A({"tax_handler", "tax_head"}, scope=GENERAL)),
    "task-opinion-sign": E({"pk": "#hrss_task"}, get=None, write=A({"hrss_head", "deputy"}, scope=GENERAL)),
    "task-opinion-send-back": E({"pk": "#hrss_task"}, get=None, write=A({"hrss_head", "deputy"}, scope=GENERAL)),
    # Only the task's own department, once signed for (the receiving department uses the case page)
    "task-attachment-add": E(
        {"pk": "#hrss_task"},
        get=None,
        write=A(HRSS_ANSWERS, scope=GENERAL),
        body={"kind": "evidence", "file": "UPLOAD"},
    ),
    "followup-visit-schedule": E({"number": "@fed_back"}, get=None, write=A(RECEIVING, scope=OWN)),
    "followup-remedy": E({"number": "@objecting"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "followup-visit": E({"pk": "#visit"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "followup-remedy-check": E({"pk": "#remedy"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    "followup-remedy-outcome": E({"pk": "#remedy"}, get=A(RECEIVING, scope=OWN), write=A(RECEIVING, scope=OWN)),
    # 审计日志 (三员分立, docs/audit.md): the 审计管理员 alone, the administrator 403 like everyone else
    "audit-records": E(get=A(AUDITOR)),
    "audit-records-export": E(get=A(AUDITOR)),
    "audit-record": E({"pk": "%audit.auditrecord"}, get=A(AUDITOR)),
    "api-audit-records": E(get=A(AUDITOR)),
    # 信息发布审批 (releases): requested by who may reveal the case, decided by the approvers
    "release-list": E(get=A(EVERYONE)),
    "release-request": E(
        get=A(EVERYONE - {"discipline", "admin", "auditor"}), write=A(EVERYONE - {"discipline", "admin", "auditor"})
    ),
    "release-detail": E({"pk": "#release"}, get=A(RELEASE_SEERS, scope=RELEASE_SEERS)),
    "release-decide": E(
        {"pk": "#release"},
        get=None,
        write=A(COUNTY_WIDE, scope=RELEASE_SEERS),
        body={"decision": "approve", "reason": "同意调卷"},
    ),
    "release-withdraw": E({"pk": "#release"}, get=None, write=A({"clerk"}, scope=RELEASE_SEERS)),
    "release-record": E({"pk": "#release"}, get=None, write=A({"clerk"}, scope=RELEASE_SEERS)),
    "api-releases": E(get=A(EVERYONE), write=A(EVERYONE)),
    "api-release": E({"pk": "#release"}, get=A(RELEASE_SEERS, scope=RELEASE_SEERS)),
    "api-release-decision": E(
        {"pk": "#release"},
        get=None,
        write=A(COUNTY_WIDE, scope=RELEASE_SEERS),
        body={"approve": True, "reason": "同意调卷"},
    ),
    "api-release-withdrawal": E({"pk": "#release"}, get=None, write=A({"clerk"}, scope=RELEASE_SEERS)),
    "api-release-record": E({"pk": "#release"}, get=None, write=A({"clerk"}, scope=RELEASE_SEERS)),
    # 网络舆情 (opinion): the 网信办 and the office record and manage, the departments concerned read
    "opinion-list": E(get=A(EVERYONE)),
    "opinion-new": E(get=A(ITEM_MANAGERS), write=A(ITEM_MANAGERS)),
    "opinion-detail": E({"pk": "#item"}, get=A(ITEM_SEERS, scope=ITEM_SEERS)),
    "opinion-find": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-link": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-lead": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-assign": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-step": E({"pk": "#item"}, get=None, write=A(ITEM_RESPONDERS, scope=ITEM_SEERS)),
    "opinion-close": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-screenshot-add": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "opinion-screenshot": E({"pk": "#item", "token": "$screenshot"}, get=A(ITEM_SEERS, scope=ITEM_SEERS)),
    "api-opinion-items": E(get=A(EVERYONE), write=A(ITEM_MANAGERS)),
    "api-opinion-item": E({"pk": "#item"}, get=A(ITEM_SEERS, scope=ITEM_SEERS)),
    "api-opinion-search": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "api-opinion-link": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "api-opinion-lead": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "api-opinion-assign": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "api-opinion-step": E({"pk": "#item"}, get=None, write=A(ITEM_RESPONDERS, scope=ITEM_SEERS)),
    "api-opinion-close": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    "api-opinion-screenshot": E({"pk": "#item"}, get=None, write=A(ITEM_MANAGERS, scope=ITEM_SEERS)),
    # the admin's own pages (its model pages: _admin_entries)
    "admin:index": E(get=A(ADMIN)),
    "admin:login": E(get=A(EVERYONE), write=A(EVERYONE), public=True),
    # GET: 405 for the administrator; anyone else is first sent to the admin's sign-in
    "admin:logout": E(get=None, write=A(EVERYONE), public=True, logins=("anonymous", "admin")),
    "admin:autocomplete": E(get=A(NONE), logins=ADMIN_LOGINS),  # 403 without its query, for the administrator too
    "admin:jsi18n": E(get=A(ADMIN), logins=ADMIN_LOGINS),
    "admin:app_list": E({"app_label": "org"}, get=A(ADMIN), logins=ADMIN_LOGINS),
    "admin:password_change": E(get=A(ADMIN), write=A(ADMIN), logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED),
    "admin:password_change_done": E(get=A(ADMIN), logins=ADMIN_LOGINS),
    "admin:view_on_site": E(
        {"content_type_id": "0", "object_id": "0"}, get=A(NONE, scope=EVERYONE - ADMIN), logins=ADMIN_LOGINS
    ),
    "admin:auth_user_password_change": E(
        {"id": "%org.staff"}, get=A(ADMIN), write=A(ADMIN), logins=ADMIN_LOGINS, write_logins=ADMIN_REFUSED
    ),
    # OTP_ADMIN_HIDE_SENSITIVE_DATA: nobody, the administrator included, reads a person's TOTP secret
    "admin:otp_totp_totpdevice_config": E({"pk": "%otp_totp.totpdevice"}, get=A(NONE), logins=ADMIN_LOGINS),
    "admin:otp_totp_totpdevice_qrcode": E({"pk": "%otp_totp.totpdevice"}, get=A(NONE), logins=ADMIN_LOGINS),
    "admin/(?P<url>.*)$": E({"path": "admin/no-such-page/"}, get=A(NONE, scope=EVERYONE - ADMIN), logins=ADMIN_LOGINS),
}
URL_MATRIX.update(_admin_entries())


def test_every_url_has_an_entry() -> None:
    """A new page or endpoint needs an entry in URL_MATRIX; an entry whose URL is gone goes."""
    urls = project_urls()
    missing = sorted(f"{key} ({urls[key]})" for key in set(urls) - set(URL_MATRIX))
    stale = sorted(set(URL_MATRIX) - set(urls))
    assert not missing, "URLs without an entry in URL_MATRIX: " + ", ".join(missing)
    assert not stale, "URL_MATRIX entries for URLs that no longer exist: " + ", ".join(stale)


def test_every_write_url_has_a_write_entry() -> None:
    """A URL that takes a POST/PUT says who may write; a read-only one has no write entry."""
    wrong = []
    for key, pattern in _patterns().items():
        entry = URL_MATRIX.get(key)
        if entry is None or key.startswith("admin"):
            continue
        if (writes(pattern) is not None) != (entry.write is not None):
            wrong.append(key)
    assert not wrong, wrong


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(k for k in project_urls() if k in URL_MATRIX))
def test_url(key: str, world: World, clients: dict[tuple[str, bool], Client]) -> None:
    """Every demo login and an anonymous visitor get what URL_MATRIX says, never a server error."""
    wrong = _check(key, URL_MATRIX[key], world, clients)
    assert not wrong, "\n".join(wrong)
