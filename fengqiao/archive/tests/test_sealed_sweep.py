"""四(七) 案件归档 — every write URL of every app refuses a sealed case cleanly (issue 11 §3).

``test_sealed_read_only`` calls the services; this module posts to every page view and API
endpoint that writes a case (cases, handling, followthrough, followup, meetings, referrals,
documents, archive) for cases whose dossier is sealed, with input that would be accepted on
an open case, and checks that the answer is never a server error, that a page shows the
archive's message and leads back, that the API answers 409 ``{"errors": {...}}``, and that
nothing was saved.

The cases are brought to the stage each step needs (tasks, an opinion to sign, a decision,
an extension, a mediation, a consultation with a resolution, a referral, a visit, a remedy)
and then put into the archived state directly: the guard (``cases.models.sealed_check``)
reads only the case's state, and sealing a real dossier is tested in ``test_seal`` and
``test_sealed_read_only``. ``test_every_write_url_is_swept`` fails when a new write URL is
added without a row here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.archive.tests.test_sealed_read_only import snapshot
from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents import registry
from fengqiao.handling import services as handling
from fengqiao.handling.followthrough.extensions import extension_request
from fengqiao.handling.followthrough.mediation import mediation_open
from fengqiao.handling.models import Task
from fengqiao.handling.tests.handling_helpers import decision_draft, general_case, head, major_case, task_of, worker
from fengqiao.org.models import Jurisdiction, Staff

pytestmark = pytest.mark.django_db

SEALED_MESSAGE = "案件已归档"
BACK = "http://testserver/cases/?view=mine"  # the page the form was posted from


@dataclass
class World:
    """Cases at the stages the write steps need, all of them archived."""

    general: Case  # joint handling: tasks, an opinion to sign, a decision draft, extension, mediation
    major: Case  # 报请专案处理 waiting for the office
    referred: Case  # 职责不清: the referral to the hotline office
    decided: Case  # the decision fed back: a visit waiting
    objecting: Case  # the payer objects: a remedy tracked
    hrss_task: Task
    tax_task: Task
    ids: dict[str, int]


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("补充.pdf", b"%PDF-1.4\n% late\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def world(
    naiman: Jurisdiction,
    intake_clerk: Staff,
    tax_handler: Staff,
    department_head: Staff,
    hrss_handler: Staff,
    group_office: Staff,
    group_leader: Staff,
    settings: Any,
    tmp_path: Any,
    frozen_time: Any,
) -> World:
    from fengqiao.core import calendar
    from fengqiao.followup.models import DeliveryMethod, Recipient, RemedyKind, Satisfaction, Visit, VisitMethod
    from fengqiao.followup.services import feedback_record, remedy_record, visit_record
    from fengqiao.followup.tests.helpers import decided_own_case
    from fengqiao.meetings import services as meetings
    from fengqiao.referrals.models import Referral

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    frozen_time("2026-02-13 10:00")
    general = general_case(intake_clerk, naiman)
    tax_task = task_of(general, "tax")
    hrss_task = task_of(general, "hrss")
    handling.task_sign(task=hrss_task, actor=hrss_handler)
    handling.opinion_save(
        task=hrss_task, actor=hrss_handler, facts="人社局查明：基数核定无误。", text="维持核定。", basis="社会保险法"
    )
    handling.opinion_submit(task=hrss_task, actor=hrss_handler)
    decision = decision_draft(general, intake_clerk)
    general.refresh_from_db()
    assert general.due_on is not None
    extension = extension_request(
        case=general, actor=intake_clerk, reason="材料未齐", new_due_on=calendar.add_working_days(general.due_on, 3).day
    )
    mediation = mediation_open(
        case=general,
        actor=tax_handler,
        mediator=tax_handler,
        held_at=timezone.now() + timedelta(days=1),
        parties="缴费人张三",
    )
    consultation = meetings.consultation_create(
        actor=group_office,
        data=meetings.ConsultationData(
            kind="general",
            topic="缴费基数争议",
            starts_at=timezone.now() - timedelta(hours=1),
            place="会议室",
            cases=(general,),
        ),
    )
    meetings.consultation_hold(consultation=consultation, actor=group_office)
    resolution = meetings.resolution_add(
        consultation=consultation, actor=group_office, department=hrss_task.department, text="出具解释", case=general
    )
    major = major_case(intake_clerk)
    special = major.special_requests.get()
    referred = case_review(
        case=intake(intake_clerk, id_number="150525199001010011"),
        actor=intake_clerk,
        classification=Classification.UNCLEAR,
        reason="职责不清",
    )
    referral = Referral.objects.get(case=referred)
    decided = decided_own_case(intake_clerk, tax_handler, department_head)
    feedback_record(
        case=decided, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.SMS, address="13812345678"
    )
    visit = Visit.objects.get(case=decided)
    objecting = decided_own_case(intake_clerk, tax_handler, department_head)
    feedback_record(
        case=objecting, actor=intake_clerk, recipient=Recipient.PAYER, method=DeliveryMethod.SMS, address="13812345678"
    )
    visit_record(
        visit=Visit.objects.get(case=objecting),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    remedy = remedy_record(
        case=objecting,
        actor=intake_clerk,
        kind=RemedyKind.RECONSIDERATION,
        body="奈曼旗人民政府",
        filed_on=timezone.localdate(),
    )
    ids = {
        "decision": decision.pk,
        "extension": extension.pk,
        "mediation": mediation.pk,
        "consultation": consultation.pk,
        "resolution": resolution.pk,
        "special": special.pk,
        "referral": referral.pk,
        "visit": visit.pk,
        "remedy": remedy.pk,
    }
    Case.objects.filter(pk__in=[general.pk, major.pk, referred.pk, decided.pk, objecting.pk]).update(
        state=CaseState.ARCHIVED,
        _via_workflow=True,  # the test sets the state the guard reads
    )
    return World(
        general=Case.objects.get(pk=general.pk),
        major=Case.objects.get(pk=major.pk),
        referred=Case.objects.get(pk=referred.pk),
        decided=Case.objects.get(pk=decided.pk),
        objecting=Case.objects.get(pk=objecting.pk),
        hrss_task=Task.objects.get(pk=hrss_task.pk),
        tax_task=Task.objects.get(pk=tax_task.pk),
        ids=ids,
    )


@dataclass(frozen=True)
class Write:
    """One write URL: who posts, to which object of the world, with what body."""

    actor: str  # a persona key, or "dept:role" (handling_helpers.worker)
    target: str  # how the URL's arguments are filled (see ``_kwargs``)
    body: dict[str, Any]
    method: str = "post"


def _future(days: int = 10) -> str:
    """A day ``days`` after today, worked out when the request is made (time is frozen)."""
    return f"@+{days}"


TODAY = "@+0"


REMEDY_ROWS = '[{"route": "行政复议", "body": "奈曼旗人民政府", "period": "六十日", "basis": "行政复议法第二十条"}]'
DECISION = {
    "request": "请求按实际收入核定缴费基数",
    "facts_and_reasons": "经联合核查，核定符合规定。",
    "result": "explain",
    "legal_basis": "《中华人民共和国社会保险法》第六十条",
    "version": 1,
}

# Page views (POST) that write a case, by URL name.
PAGE_WRITES: dict[str, Write] = {
    "case-review": Write("intake_clerk", "general", {"classification": "general", "lead_department": "tax"}),
    "case-party-correct": Write(
        "intake_clerk", "general:payer", {"name": "张叁", "phone": "13812345678", "reason": "证件核对", "version": 1}
    ),
    "case-attachment-add": Write("intake_clerk", "general", {"kind": "evidence", "file": "UPLOAD"}),
    "case-link": Write("intake_clerk", "general", {"other": "OTHER"}),
    "case-merge": Write("intake_clerk", "general", {"other": "OTHER", "reason": "同一争议"}),
    "case-document-issue": Write("intake_clerk", "general", {"doc_type": registry.RECEIPT_NOTICE}),
    "task-sign": Write("tax_handler", "tax_task", {"version": 1}),
    "task-return": Write("tax_handler", "tax_task", {"reason": "不属本部门职责", "version": 1}),
    "task-reroute": Write("group_office", "tax_task", {"department": "hrss", "reason": "改由人社局", "version": 1}),
    "task-cancel": Write("group_office", "tax_task", {"reason": "重复交办", "version": 1}),
    "task-reassign": Write("department_head", "tax_task", {"assignee": "p_tax", "reason": "休假", "version": 1}),
    "task-transfer": Write("group_office", "tax_task", {"department": "finance", "reason": "属财政局", "version": 1}),
    "task-opinion": Write(
        "tax_handler", "tax_task", {"facts": "查明", "text": "维持", "basis": "社会保险法", "version": 0}
    ),
    "task-opinion-sign": Write("hrss:department_head", "hrss_task", {"version": 1}),
    "task-opinion-send-back": Write("hrss:department_head", "hrss_task", {"reason": "请补充事实", "version": 1}),
    "task-attachment-add": Write("tax_handler", "tax_task", {"kind": "evidence", "file": "UPLOAD"}),
    "special-forward": Write("group_office", "special", {"note": "请组长审批"}),
    "special-approve": Write("group_leader", "special", {"member_units": ["tax"]}),
    "special-decline": Write("group_leader", "special", {"reason": "不属重大事项"}),
    "case-decision": Write("intake_clerk", "general", {**DECISION, "remedies": REMEDY_ROWS, "action": "save"}),
    "case-route": Write("intake_clerk", "general", {"lead_department": "tax", "co_departments": ["hrss"]}),
    "followthrough-extension-request": Write("intake_clerk", "general", {"reason": "材料未齐", "new_due_on": "@DUE+5"}),
    "followthrough-extension-decide": Write("department_head", "extension", {"approve": "on", "version": 1}),
    "followthrough-mediation-open": Write(
        "tax_handler",
        "general",
        {"mediator": "p_tax", "held_at": _future(2) + " 09:00", "parties": "缴费人张三", "place": "调解室"},
    ),
    "followthrough-mediation-result": Write(
        "tax_handler", "mediation", {"result": "agreement", "agreement": "协议", "decision_result": "explain"}
    ),
    "followthrough-legal-review": Write("intake_clerk", "decision", {"opinion": "合法", "approved": "on"}),
    "followthrough-legal-request": Write("intake_clerk", "decision", {"note": "请把关"}),
    "followup-feedback": Write(
        "intake_clerk", "decided", {"recipient": "payer", "method": "sms", "address": "13812345678"}
    ),
    "followup-visit-schedule": Write("intake_clerk", "decided", {"party": "payer", "scheduled_on": _future(3)}),
    "followup-remedy": Write(
        "intake_clerk",
        "objecting",
        {"kind": "litigation", "body": "奈曼旗人民法院", "filed_on": TODAY},
    ),
    "followup-visit": Write(
        "intake_clerk", "visit", {"method": "phone", "satisfaction": "satisfied", "notes": "满意", "party": "payer"}
    ),
    "followup-remedy-check": Write("intake_clerk", "remedy", {"next_check_on": _future(5), "notes": "审理中"}),
    "followup-remedy-outcome": Write("intake_clerk", "remedy", {"outcome": "upheld", "outcome_on": TODAY}),
    "consultation-create": Write(
        "group_office",
        "-",
        {
            "kind": "general",
            "topic": "缴费基数争议",
            "starts_at": _future(3) + " 09:00",
            "place": "会议室",
            "cases": "GENERAL",
        },
    ),
    "consultation-edit": Write(
        "group_office",
        "consultation",
        {"kind": "general", "topic": "改题", "starts_at": _future(3) + " 09:00", "place": "会议室", "cases": "GENERAL"},
    ),
    "consultation-step": Write("group_office", "consultation", {"action": "hold", "version": 1}),
    "consultation-decide": Write("group_leader", "consultation", {"decision": "approve"}),
    "consultation-attendance": Write("group_office", "consultation", {}),
    "consultation-minutes": Write(
        "group_office", "consultation", {"discussion": "听取意见。", "conclusions": "维持。", "version": 1}
    ),
    "consultation-resolution-add": Write(
        "group_office", "consultation", {"department": "hrss", "case": "GENERAL", "text": "出具解释", "make_task": "on"}
    ),
    "consultation-resolution-task": Write("group_office", "consultation:resolution", {}),
    "consultation-minutes-issue": Write("group_office", "consultation", {}),
    "referral-step": Write("hotline_officer", "referral:dispatch", {"department": "hrss", "version": 1}),
    "archive-seal": Write("intake_clerk", "general", {}),
}

# API endpoints that write a case, by URL name.
API_WRITES: dict[str, Write] = {
    "api-case-routing": Write("intake_clerk", "general", {"classification": "general", "lead_department": "tax"}),
    "api-case-party-correction": Write(
        "intake_clerk", "general:payer", {"name": "张叁丰", "phone": "13812345678", "reason": "证件核对更正"}
    ),
    "api-case-documents": Write("intake_clerk", "general", {"doc_type": registry.RECEIPT_NOTICE}),
    "api-case-extensions": Write("intake_clerk", "general", {"reason": "材料未齐", "new_due_on": "@DUE+5"}),
    "api-extension-decision": Write("department_head", "extension", {"approve": True}),
    "api-case-mediations": Write(
        "tax_handler",
        "general",
        {"mediator": "p_tax", "held_at": _future(2) + "T09:00:00+08:00", "parties": "缴费人张三"},
    ),
    "api-mediation-result": Write(
        "tax_handler", "mediation", {"result": "agreement", "agreement": "协议", "decision_result": "explain"}
    ),
    "api-decision-legal-reviews": Write("intake_clerk", "decision", {"opinion": "合法", "approved": True}),
    "api-decision-legal-request": Write("intake_clerk", "decision", {"note": "请把关"}),
    "api-consultations": Write(
        "group_office",
        "-",
        {
            "kind": "general",
            "topic": "缴费基数争议",
            "starts_at": _future(3) + "T09:00:00+08:00",
            "place": "会议室",
            "cases": ["GENERAL"],
        },
    ),
    "api-consultation-step": Write("group_office", "consultation", {"action": "hold"}),
    "api-consultation-approval": Write("group_leader", "consultation", {"approve": True}),
    "api-consultation-attendance": Write("group_office", "consultation", {"attendees": []}, "put"),
    "api-consultation-minutes": Write(
        "group_office", "consultation", {"discussion": "听取意见。", "conclusions": "维持。"}, "put"
    ),
    "api-consultation-resolutions": Write(
        "group_office", "consultation", {"department": "hrss", "case": "GENERAL", "text": "出具解释"}
    ),
    "api-consultation-resolution-task": Write("group_office", "consultation:resolution", {}),
    "api-consultation-issue": Write("group_office", "consultation", {}),
    "api-task-sign": Write("tax_handler", "tax_task", {}),
    "api-task-return": Write("tax_handler", "tax_task", {"reason": "不属本部门职责"}),
    "api-task-reroute": Write("group_office", "tax_task", {"department": "hrss", "reason": "改由人社局"}),
    "api-task-cancel": Write("group_office", "tax_task", {"reason": "重复交办"}),
    "api-task-reassign": Write("department_head", "tax_task", {"assignee": "p_tax", "reason": "休假"}),
    "api-task-transfer": Write("group_office", "tax_task", {"department": "finance", "reason": "属财政局"}),
    "api-task-opinion": Write(
        "tax_handler", "tax_task", {"facts": "查明", "text": "维持", "basis": "社会保险法"}, "put"
    ),
    "api-task-opinion-submit": Write("hrss_handler", "hrss_task", {}),
    "api-task-opinion-sign": Write("hrss:department_head", "hrss_task", {}),
    "api-case-decision": Write(
        "intake_clerk",
        "general",
        {**DECISION, "remedies": [{"route": "行政复议", "body": "奈曼旗人民政府", "period": "六十日", "basis": "x"}]},
        "put",
    ),
    "api-case-decision-issue": Write("intake_clerk", "general", {}),
    "api-special-request-forward": Write("group_office", "special", {"note": "请组长审批"}),
    "api-special-request-approve": Write("group_leader", "special", {"member_units": ["tax"]}),
    "api-special-request-decline": Write("group_leader", "special", {"reason": "不属重大事项"}),
    "api-referral-work-order": Write("hotline_officer", "referral", {"work_order": "GD-9"}),
    "api-referral-dispatch": Write("hotline_officer", "referral", {"department": "hrss"}),
    "api-referral-designate": Write("hotline_officer", "referral", {"department": "hrss"}),
    "api-referral-reject-return": Write("hotline_officer", "referral", {"reason": "理由不成立"}),
    "api-referral-sign": Write("hotline_officer", "referral", {}),
    "api-referral-return": Write("hotline_officer", "referral", {"reason": "不属本部门"}),
    "api-referral-feedback": Write("hotline_officer", "referral", {"opinion": "已处理"}),
    "api-referral-transfer": Write("intake_clerk", "referral", {"reason": "涉嫌违纪"}),
    "api-case-dossier": Write("intake_clerk", "general", {}),
    "api-case-deliveries": Write(
        "intake_clerk", "decided", {"recipient": "payer", "method": "sms", "address": "13812345678"}
    ),
    "api-case-visits": Write("intake_clerk", "decided", {"party": "payer"}),
    "api-visit-record": Write("intake_clerk", "visit", {"method": "phone", "satisfaction": "satisfied"}),
    "api-case-remedies": Write(
        "intake_clerk", "objecting", {"kind": "litigation", "body": "奈曼旗人民法院", "filed_on": TODAY}
    ),
    "api-remedy-check": Write("intake_clerk", "remedy", {"next_check_on": _future(5)}),
    "api-remedy-outcome": Write("intake_clerk", "remedy", {"outcome": "upheld", "outcome_on": TODAY}),
}

# Write URLs that concern no single case, or only read one (查看明文, export, verify are allowed
# after archiving and recorded as reading, 四(七)).
# The payer's pages (issue 14): the payer is no staff, so the middleware (which answers staff)
# leaves them to the views, which refuse a sealed case themselves with the archive's message
# (409) — swept in fengqiao/portal/tests/test_answers.py (…_an_archived_case_reads_documents…).
PAYER_WRITES = {"portal-consent", "portal-decision", "portal-visit"}

NOT_CASE_WRITES = {
    "login",
    "account-password",
    "account-api-token",
    "account-otp",
    "login-otp",
    "case-intake",
    "case-intake-validate",
    "case-intake-duplicates",
    "api-case-duplicates",  # a POST that reads: the ID number in the body, not the URL (五(三))
    "case-reveal",
    "delegation-list",
    "delegation-revoke",
    "analytics-report-generate",
    "analytics-recount",
    "archive-verify",
    "archive-export",
    "api-cases",
    "api-case-reveal",
    "api-case-delivery-reveal",  # a reveal reads (and records the reveal), on a sealed case too
    "followup-delivery-reveal",  # the page's same reveal
    "api-delegations",
    "api-delegation-revoke",
    "api-hotline-work-orders",
    "api-analytics-reports",
    "api-analytics-recount",
    "api-case-dossier-verify",
    # 信息发布审批 (五(三)): a request, its decision, withdrawal and record write no case — and a
    # sealed case's dossier is what a release is asked for.
    "release-request",
    "release-decide",
    "release-withdraw",
    "release-record",
    "api-releases",
    "api-release-decision",
    "api-release-withdrawal",
    "api-release-record",
    # 责任追究 (五(四)): a record names a case but never writes it — entering, confirming and
    # dismissing one is the same for a sealed case (a failure found after archiving still counts).
    "accountability-create",
    "accountability-confirm",
    "accountability-dismiss",
    "api-accountability-records",
    "api-accountability-record-confirm",
    "api-accountability-record-dismiss",
    # 网络舆情 (三(二)9): an item's writes change the item; a link to a sealed case records the
    # link on the item only (the sealed timeline gets no entry), and a lead case is a new case.
    "opinion-new",
    "opinion-find",
    "opinion-link",
    "opinion-lead",
    "opinion-assign",
    "opinion-step",
    "opinion-close",
    "opinion-screenshot-add",
    "api-opinion-items",
    "api-opinion-search",
    "api-opinion-link",
    "api-opinion-lead",
    "api-opinion-assign",
    "api-opinion-step",
    "api-opinion-close",
    "api-opinion-screenshot",
    # 线上枫桥 (issue 14): filing makes a new case; a lookup and an SMS-code request write only the
    # failure count and the code (fengqiao.portal.models), never the case, sealed or not.
    "portal-file",
    "portal-lookup",
    "portal-lookup-sms",
}


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def write_urls() -> set[str]:
    """Every named URL of the project's own views that accepts a write: DRF views with
    post/put/patch/delete, page views that handle POST."""
    import inspect

    found = set()
    for _route, pattern in _walk(get_resolver()):
        callback = pattern.callback
        if not callback.__module__.startswith("fengqiao.") or callback.__module__.endswith(".admin"):
            continue
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None:
            writes = any(hasattr(view_class, m) for m in ("post", "put", "patch", "delete"))
        else:
            writes = "POST" in inspect.getsource(inspect.unwrap(callback)) or "require_POST" in inspect.getsource(
                callback
            )
            writes = writes or _is_require_post(callback)
        if writes and pattern.name:
            found.add(pattern.name)
    return found


def _is_require_post(callback: Any) -> bool:
    # ``require_POST`` leaves no trace but its closure: the allowed methods.
    for cell in getattr(callback, "__closure__", None) or ():
        value = cell.cell_contents
        if isinstance(value, list | tuple) and "POST" in value:
            return True
    wrapped = getattr(callback, "__wrapped__", None)
    return _is_require_post(wrapped) if wrapped is not None else False


def test_every_write_url_is_swept() -> None:
    """A new write URL needs a row in PAGE_WRITES / API_WRITES (or NOT_CASE_WRITES)."""
    missing = write_urls() - set(PAGE_WRITES) - set(API_WRITES) - NOT_CASE_WRITES - PAYER_WRITES
    assert missing == set(), sorted(missing)


def _actor(key: str, naiman: Jurisdiction, persona: Any) -> Staff:
    if ":" in key:
        code, role = key.split(":")
        return head(naiman, code) if role == "department_head" else worker(naiman, code, role)
    return persona(key)


def _kwargs(target: str, world: World) -> dict[str, Any]:
    name, _sep, extra = target.partition(":")
    if name == "-":
        return {}
    if name in ("general", "major", "referred", "decided", "objecting"):
        kwargs: dict[str, Any] = {"number": getattr(world, name).number}
        if extra:
            kwargs["party"] = extra
        return kwargs
    if name in ("tax_task", "hrss_task"):
        return {"pk": getattr(world, name).pk}
    kwargs = {"pk": world.ids[name]}
    if extra == "resolution":
        kwargs["resolution_id"] = world.ids["resolution"]
    elif extra:
        kwargs["step"] = extra
    return kwargs


def _day(value: str, world: World) -> str:
    """``@+n rest`` is today plus n days; ``@DUE+n`` the general case's deadline plus n working days."""
    from fengqiao.core import calendar

    head_, _sep, rest = value.partition(" ")
    head_, _t, tail = head_.partition("T")
    if head_.startswith("@DUE+"):
        assert world.general.due_on is not None
        day = calendar.add_working_days(world.general.due_on, int(head_[5:])).day
    else:
        day = timezone.localdate() + timedelta(days=int(head_[2:]))
    text = day.isoformat() + (f"T{tail}" if _t else "")
    return f"{text} {rest}" if rest else text


def _body(body: dict[str, Any], world: World, other: Case | None) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            return _day(value, world)
        if value == "UPLOAD":
            return _upload()
        if value == "GENERAL":
            return world.general.number
        if value == "OTHER":
            return other.number if other else ""
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return {key: fill(value) for key, value in body.items()}


def _sealed_cases(world: World) -> list[Case]:
    return [world.general, world.major, world.referred, world.decided, world.objecting]


def _check_unchanged(before: dict[str, Any], world: World, name: str) -> None:
    after = snapshot()
    assert after == before, f"{name}: something was saved on a sealed case"
    for case in _sealed_cases(world):
        assert Case.objects.get(pk=case.pk).state == CaseState.ARCHIVED


def _app_of(name: str) -> str:
    """The app whose view answers URL ``name`` (cases, handling, followup, …)."""
    for _route, pattern in _walk(get_resolver()):
        if pattern.name == name:
            return pattern.callback.__module__.split(".")[1]
    raise LookupError(name)


def _by_app(table: dict[str, Write]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for name in sorted(table):
        groups.setdefault(_app_of(name), []).append(name)
    return sorted(groups.items())


# A consultation may hold several cases: its own steps answer with the meeting's state, and a
# step on a sealed case among them is refused by its service (the archive's message, or the
# meeting's state first). Everything else acts on one case and is refused before its view.
SEVERAL_CASES = {name for name in [*PAGE_WRITES, *API_WRITES] if "consultation" in name}


@pytest.mark.parametrize(("app", "names"), _by_app(PAGE_WRITES), ids=lambda v: v if isinstance(v, str) else "")
def test_every_page_write_on_a_sealed_case_shows_a_message_and_leads_back(
    app: str, names: list[str], world: World, naiman: Jurisdiction, persona: Any, intake_clerk: Staff
) -> None:
    """四(七): posting any page form for a sealed case shows the archive's message and leads
    back (a redirect), never a server error, and saves nothing."""
    from django.urls import reverse

    for name in names:
        write = PAGE_WRITES[name]
        other = intake(intake_clerk, outcome=IntakeOutcome.OWN) if "OTHER" in write.body.values() else None
        url = reverse(name, kwargs=_kwargs(write.target, world))
        client = Client()
        client.force_login(_actor(write.actor, naiman, persona))
        before = snapshot()
        response = client.post(url, _body(write.body, world, other), HTTP_REFERER=BACK)
        assert response.status_code < 500, (name, response.status_code)
        _check_unchanged(before, world, name)
        if name in SEVERAL_CASES:
            continue
        assert response.status_code == 302, (name, response.status_code, response.content.decode()[:2000])
        assert response["Location"] == BACK, (name, response["Location"])  # back to the page of the form
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(SEALED_MESSAGE in m for m in shown), (name, shown)


@pytest.mark.parametrize(("app", "names"), _by_app(API_WRITES), ids=lambda v: v if isinstance(v, str) else "")
def test_every_api_write_on_a_sealed_case_answers_409(
    app: str, names: list[str], world: World, naiman: Jurisdiction, persona: Any
) -> None:
    """四(七): every API write for a sealed case answers 409 ``{"errors": {...}}`` naming the
    archive, and saves nothing."""
    from django.urls import reverse

    for name in names:
        write = API_WRITES[name]
        url = reverse(name, kwargs=_kwargs(write.target, world))
        api = APIClient()
        token, _created = Token.objects.get_or_create(user=_actor(write.actor, naiman, persona))
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        before = snapshot()
        response = getattr(api, write.method)(url, _body(write.body, world, None), format="json")
        assert response.status_code < 500, (name, response.status_code)
        _check_unchanged(before, world, name)
        errors = response.json()["errors"]
        if name in SEVERAL_CASES:
            assert 400 <= response.status_code < 500, (name, response.status_code)
            continue
        assert response.status_code == 409, (name, response.status_code, errors)
        assert any(SEALED_MESSAGE in m for messages in errors.values() for m in messages), (name, errors)


def test_an_htmx_write_on_a_sealed_case_is_sent_back_by_hx_redirect(world, intake_clerk, client_for) -> None:
    """An htmx form (e.g. the decision editor's parts) is not swapped with a whole page: the
    browser is sent back by ``HX-Redirect``, where the message shows."""
    from django.urls import reverse

    url = reverse("case-attachment-add", args=[world.general.number])
    response = client_for(intake_clerk).post(url, {"kind": "evidence", "file": _upload()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("case-detail", args=[world.general.number])


def test_a_case_one_may_not_see_is_not_told_sealed(world, medical_handler, client_for) -> None:
    """The sealed answer never tells someone who may not see the case that it exists: the
    view answers as for any case one may not see (404)."""
    from django.urls import reverse

    c = client_for(medical_handler)
    assert c.post(reverse("followup-visit-schedule", args=[world.decided.number]), {}).status_code == 404
    api = APIClient()
    token, _created = Token.objects.get_or_create(user=medical_handler)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post(reverse("api-case-visits", args=[world.decided.number]), {}, format="json").status_code == 404


def test_reading_a_sealed_case_is_not_refused(world, intake_clerk, client_for) -> None:
    """查看明文 stays open after archiving (recorded, 五(三))."""
    from django.urls import reverse

    response = client_for(intake_clerk).post(
        reverse("case-reveal", args=[world.general.number]),
        {"party": "payer", "field": "phone", "reason": "回访核实"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "13812345678" in response.content.decode()
