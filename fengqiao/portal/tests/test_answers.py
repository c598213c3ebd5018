"""缴费人收取答复与回访 (issue 14): the notices addressed to the payer, electronic delivery of the
decision (四(四) 结果反馈) and the payer's own answer to the follow-up visit (四(五) 跟踪回访),
each reaching the records exactly as staff's path does."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import Action, AuditRecord
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.workflow import TransitionError
from fengqiao.core import calendar
from fengqiao.documents import registry
from fengqiao.documents.services import document_issue
from fengqiao.followup import selectors, services
from fengqiao.followup.models import (
    Delivery,
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401
from fengqiao.org.models import Staff
from fengqiao.portal import access, answers
from fengqiao.portal.models import PayerAccess
from fengqiao.portal.tests.helpers import private_cache, without_token  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(naiman: Any, intake_clerk: Staff, tax_handler: Staff, department_head: Staff) -> Case:
    return decided_own_case(intake_clerk, tax_handler, department_head)


@pytest.fixture
def twin(naiman: Any, intake_clerk: Staff, tax_handler: Staff, department_head: Staff) -> Case:
    """A second case decided the same way: the staff path, to compare the payer's with."""
    return decided_own_case(intake_clerk, tax_handler, department_head)


def granted(client: Client, case: Case) -> Client:
    """This browser session was granted ``case`` (as after the right number and code)."""
    session = client.session
    session[access.SESSION_KEY] = [case.pk]
    session[access.SEEN_KEY] = int(time.time())
    session.save()
    return client


def _same(html: bytes) -> str:
    """A page's text without its per-response CSRF token."""
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", without_token(html.decode()))
    return re.sub(r"/payer/cases/[^\"]*", "", text)  # the page's own address (its sign-in link)


def consent(client: Client, case: Case) -> None:
    response = client.post(reverse("portal-consent", args=[case.number]))
    assert response.status_code == 302


def staff_deliver(case: Case, clerk: Staff) -> Delivery:
    return services.feedback_record(case=case, actor=clerk, recipient=Recipient.PAYER, method=DeliveryMethod.IN_PERSON)


def kinds(case: Case) -> list[tuple[str, str]]:
    """The timeline after the decision, as (kind, transition) pairs — without who acted."""
    events = CaseEvent.objects.filter(
        case=case,
        kind__in=[EventKind.FEEDBACK, EventKind.TRANSITION, EventKind.VISIT, EventKind.REMEDY, EventKind.DOCUMENT],
    )
    return [
        (e.kind, e.data.get("transition", e.data.get("doc_type", "")))
        for e in events.order_by("seq")
        if not e.data.get("e_delivery_consent")
    ]


def test_documents_listed_are_exactly_the_payer_addressed_ones_4_4(
    decided: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(四)、四(一): the 受理告知书 and, once delivered, the 处理意见书 — never the 登记表 (internal,
    personal data) nor the 送达回证."""
    document_issue(doc_type=registry.RECEIPT_NOTICE, case=decided, actor=intake_clerk)
    internal = document_issue(doc_type=registry.INTAKE_FORM, case=decided, actor=intake_clerk)
    assert [d.doc_type for d in answers.payer_documents(decided)] == [registry.RECEIPT_NOTICE]
    staff_deliver(decided, intake_clerk)
    listed = {d.doc_type for d in answers.payer_documents(decided)}
    assert listed == {registry.RECEIPT_NOTICE, registry.DECISION_NOTICE}
    page = granted(client, decided).get(reverse("portal-case", args=[decided.number])).content.decode()
    receipt = Delivery.objects.get(case=decided).receipt_document
    assert receipt is not None and receipt.number not in page and internal.number not in page
    assert "处理意见书" in page and "受理告知书" in page
    for hidden in (internal, receipt):  # a listed id only: the uniform 404 otherwise
        assert client.get(reverse("portal-document", args=[decided.number, hidden.pk])).status_code == 404


def test_the_inform_notice_is_listed_for_an_informed_case_4_1(naiman: Any, intake_clerk: Staff, client: Client) -> None:
    """四(一): a matter outside the department's duty — the 告知书 saying where to go is the
    payer's, and there is no decision or visit to show."""
    case = intake(
        intake_clerk,
        outcome=IntakeOutcome.INFORM,
        informed_department=naiman.departments.get(code="hrss"),
        informed_note="请携带身份证原件。",
    )
    notice = document_issue(doc_type=registry.INFORM_NOTICE, case=case, actor=intake_clerk)
    assert answers.payer_documents(case) == [notice]
    page = granted(client, case).get(reverse("portal-case", args=[case.number])).content.decode()
    assert reverse("portal-document", args=[case.number, notice.pk]) in page
    assert reverse("portal-decision", args=[case.number]) not in page
    assert reverse("portal-visit", args=[case.number]) not in page
    assert reverse("portal-consent", args=[case.number]) not in page  # no decision will come


def test_download_is_the_stored_pdf_recorded_in_the_audit_trail_4_4(
    decided: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(四): the payer's copy is the stored document; each download is an audit record with
    no staff user."""
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=decided, actor=intake_clerk)
    response = granted(client, decided).get(reverse("portal-document", args=[decided.number, notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == notice.pdf.open("rb").read()  # type: ignore[attr-defined]
    record = AuditRecord.objects.filter(action=Action.DOWNLOAD, case=decided).latest("seq")
    assert record.actor_id is None and record.actor_name == "缴费人"
    assert record.object_id == str(notice.pk) and record.detail["by"] == "payer"


def test_consent_then_opening_the_decision_is_one_delivery_as_staffs_4_4(
    decided: Case, twin: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(四) 结果反馈: with consent, opening the decision is the payer's delivery — one 网上送达
    with its 送达回证 — and the case moves to follow-up exactly as staff's delivery moves it."""
    granted(client, decided)
    consent(client, decided)
    assert PayerAccess.objects.get(case=decided).e_delivery_consent_at is not None
    assert CaseEvent.objects.filter(case=decided, data__e_delivery_consent=True, actor=None).count() == 1
    url = reverse("portal-decision", args=[decided.number])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # opening again records nothing new
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    delivery = Delivery.objects.get(case=decided)
    assert delivery.method == DeliveryMethod.ONLINE and delivery.recorded_by is None
    assert delivery.receipt_document is not None
    assert delivery.receipt_document.doc_type == registry.DELIVERY_RECEIPT
    assert delivery.receipt_document.issued_by is None

    staff_deliver(twin, intake_clerk)
    decided.refresh_from_db()
    twin.refresh_from_db()
    assert (decided.state, decided.due_on, decided.version) == (twin.state, twin.due_on, twin.version)
    assert decided.state == CaseState.FOLLOWING_UP
    assert kinds(decided) == kinds(twin)
    assert Visit.objects.filter(case=decided, done_at__isnull=True).count() == 1
    by_payer = CaseEvent.objects.filter(case=decided, data__by="payer", actor=None)
    assert {e.data.get("transition") for e in by_payer} >= {"notify", "follow_up_start"}
    assert answers.payer_documents(decided)[-1].doc_type == registry.DECISION_NOTICE


def test_without_consent_nothing_is_recorded_and_the_page_says_how_it_comes_4_4(decided: Case, client: Client) -> None:
    """四(四): without the payer's consent the decision is delivered by staff in writing; the
    page says so and opening records nothing."""
    url = reverse("portal-decision", args=[decided.number])
    response = granted(client, decided).get(url)
    assert response.status_code == 200 and "书面形式送达" in response.content.decode()
    assert client.post(url).status_code == 302
    decided.refresh_from_db()
    assert decided.state == CaseState.DECIDED
    assert not Delivery.objects.filter(case=decided).exists()


def test_satisfied_answer_makes_the_case_archivable_as_staffs_4_5(
    decided: Case, twin: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(五) 跟踪回访: the payer's own answer, without objection, lets the case be archived exactly
    as a visit recorded by staff does; the page then shows the answer and no form."""
    for case in (decided, twin):
        staff_deliver(case, intake_clerk)
    granted(client, decided)
    url = reverse("portal-visit", args=[decided.number])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"satisfaction": Satisfaction.SATISFIED, "objects_to_decision": "0", "notes": "办得快", "version": ""}
    )
    assert response.status_code == 302
    services.visit_record(
        visit=Visit.objects.get(case=twin),
        actor=intake_clerk,
        method=VisitMethod.PHONE,
        satisfaction=Satisfaction.SATISFIED,
        objects_to_decision=False,
    )
    decided.refresh_from_db()
    twin.refresh_from_db()
    assert selectors.archive_blocker(decided) is None and selectors.archive_blocker(twin) is None
    assert (decided.state, decided.archive_ready) == (twin.state, twin.archive_ready)
    assert kinds(decided) == kinds(twin)
    visit = Visit.objects.get(case=decided)
    assert (visit.method, visit.by_id, visit.notes) == (VisitMethod.PAYER, None, "办得快")
    page = client.get(reverse("portal-case", args=[decided.number])).content.decode()
    assert "您的答复已记录" in page and "办得快" in page and url not in page
    assert client.get(url).status_code == 302  # the form is gone


def test_objection_with_remedy_is_tracked_as_staffs_4_4_4_5(
    decided: Case, twin: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(四)、四(五): the payer objects and names the 行政复议 applied for: remedy tracking with the
    statutory deadline, exactly as staff's visit and remedy record it."""
    for case in (decided, twin):
        staff_deliver(case, intake_clerk)
    today = calendar.local_day(timezone.now())
    response = granted(client, decided).post(
        reverse("portal-visit", args=[decided.number]),
        {
            "satisfaction": Satisfaction.DISSATISFIED,
            "objects_to_decision": "1",
            "kind": RemedyKind.RECONSIDERATION,
            "body": "通辽市税务局",
            "filed_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    services.visit_record(
        visit=Visit.objects.get(case=twin),
        actor=intake_clerk,
        method=VisitMethod.VISIT,
        satisfaction=Satisfaction.DISSATISFIED,
        objects_to_decision=True,
    )
    services.remedy_record(
        case=twin, actor=intake_clerk, kind=RemedyKind.RECONSIDERATION, body="通辽市税务局", filed_on=today
    )
    decided.refresh_from_db()
    twin.refresh_from_db()
    assert decided.state == twin.state == CaseState.REMEDY_TRACKING
    mine, staffs = Remedy.objects.get(case=decided), Remedy.objects.get(case=twin)
    fields = ("kind", "body", "filed_on", "deadline_start", "statutory_deadline", "filed_in_time", "next_check_on")
    assert [getattr(mine, f) for f in fields] == [getattr(staffs, f) for f in fields]
    assert mine.statutory_deadline > today and mine.recorded_by is None
    assert selectors.archive_blocker(decided) == selectors.archive_blocker(twin) == "救济途径尚未终结"
    assert kinds(decided) == kinds(twin)
    page = client.get(reverse("portal-case", args=[decided.number])).content.decode()
    assert "行政复议" in page and "通辽市税务局" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"objects_to_decision": "0"}, "satisfaction", "该字段是必填项"),
        ({"satisfaction": "satisfied"}, "objects_to_decision", "该字段是必填项"),
        ({"satisfaction": "dissatisfied", "objects_to_decision": "1"}, "kind", "请选择救济途径"),
        (
            {
                "satisfaction": "dissatisfied",
                "objects_to_decision": "1",
                "kind": "reconsideration",
                "filed_on": "2026-03-01",
            },
            "body",
            "请填写受理机关",
        ),
        (
            {"satisfaction": "dissatisfied", "objects_to_decision": "1", "kind": "litigation", "body": "法院"},
            "filed_on",
            "请填写申请/起诉日期",
        ),
        (
            {
                "satisfaction": "dissatisfied",
                "objects_to_decision": "1",
                "kind": "litigation",
                "body": "法院",
                "filed_on": "2999-01-01",
            },
            "filed_on",
            "申请日期",
        ),
        ({"satisfaction": "satisfied", "objects_to_decision": "0", "kind": "litigation"}, "kind", "无需选择"),
    ],
)
def test_invalid_answer_errors_beside_the_field_and_nothing_saved_4_5(
    decided: Case, intake_clerk: Staff, client: Client, data: dict[str, str], field: str, message: str
) -> None:
    """四(五): a wrong answer is shown beside its field (tied by aria-describedby); nothing of it
    is saved — the visit stays open, no remedy, the case where it was."""
    staff_deliver(decided, intake_clerk)
    decided.refresh_from_db()
    version = decided.version
    response = granted(client, decided).post(reverse("portal-visit", args=[decided.number]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="err-{field}"' in html and message in html
    assert Visit.objects.get(case=decided).done_at is None
    assert not Remedy.objects.filter(case=decided).exists()
    decided.refresh_from_db()
    assert decided.version == version


def test_a_second_answer_or_a_stale_page_loses_no_update_4_5(
    decided: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(五): two answers from pages of the same version — the first is recorded, the second
    changes nothing; a page older than the case's version is refused as stale (threads at once:
    test_answers_concurrency.py)."""
    staff_deliver(decided, intake_clerk)
    decided.refresh_from_db()
    url = reverse("portal-visit", args=[decided.number])
    first = {"satisfaction": "satisfied", "objects_to_decision": "0", "version": str(decided.version)}
    second = {**first, "satisfaction": "dissatisfied", "objects_to_decision": "1", "kind": "none"}
    with pytest.raises(TransitionError) as stale:
        services.visit_answer_by_payer(
            case=decided, satisfaction="satisfied", objects_to_decision=False, expected_version=decided.version - 1
        )
    assert stale.value.code == "stale"
    assert granted(client, decided).post(url, first).status_code == 302
    visit = Visit.objects.get(case=decided)
    with pytest.raises(TransitionError) as again:
        services.visit_answer_by_payer(
            case=decided, satisfaction="dissatisfied", objects_to_decision=True, expected_version=decided.version
        )
    assert again.value.code == "state"
    assert client.post(url, second).status_code == 302  # no visit left to answer: back to the page
    visit.refresh_from_db()
    assert (visit.satisfaction, visit.objects_to_decision) == (Satisfaction.SATISFIED, False)
    assert Visit.objects.filter(case=decided, done_at__isnull=False).count() == 1


def test_the_staff_pages_show_the_payers_own_records(decided: Case, intake_clerk: Staff, client: Client) -> None:
    """四(四)、四(五): the case page and the follow-up API show the payer's e-delivery and answer
    with no recorder (缴费人网上签收 / 缴费人本人)."""
    granted(client, decided)
    consent(client, decided)
    client.post(reverse("portal-decision", args=[decided.number]))
    client.post(
        reverse("portal-visit", args=[decided.number]), {"satisfaction": "basically", "objects_to_decision": "0"}
    )
    staff = Client()
    staff.force_login(intake_clerk)
    page = staff.get(reverse("case-detail", args=[decided.number])).content.decode()
    assert "缴费人网上签收" in page and "缴费人本人" in page and "缴费人网上答复" in page


def test_ungranted_session_gets_the_uniform_404(decided: Case, twin: Case, intake_clerk: Staff, client: Client) -> None:
    """五(三): another case's number, or one that does not exist, answers as the access contract
    does — the same 404 whatever the number."""
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=decided, actor=intake_clerk)
    granted(client, twin)
    unknown = client.get(reverse("portal-decision", args=["NOPE-0000"]))
    assert unknown.status_code == 404
    for name, args in (
        ("portal-document", [decided.number, notice.pk]),
        ("portal-decision", [decided.number]),
        ("portal-visit", [decided.number]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404 and _same(response.content) == _same(unknown.content)
    for name in ("portal-consent", "portal-decision", "portal-visit"):
        assert client.post(reverse(name, args=[decided.number])).status_code == 404
    assert PayerAccess.objects.filter(case=decided, e_delivery_consent_at__isnull=False).count() == 0


def test_no_internal_data_on_the_answer_pages(decided: Case, intake_clerk: Staff, client: Client) -> None:
    """五(三): no staff names, no internal documents on the payer's pages."""
    staff_deliver(decided, intake_clerk)
    granted(client, decided)
    for url in (reverse("portal-case", args=[decided.number]), reverse("portal-visit", args=[decided.number])):
        html = client.get(url).content.decode()
        assert intake_clerk.name not in html and intake_clerk.username not in html
        assert "书面意见" not in html and "会议纪要" not in html and "送达回证" not in html


def test_an_archived_case_reads_documents_but_refuses_consent_and_answers_4_7(
    decided: Case, intake_clerk: Staff, client: Client
) -> None:
    """四(七): the sealed case's notices stay readable; consenting and answering are refused
    (409, the archive's message) and nothing is saved."""
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=decided, actor=intake_clerk)
    staff_deliver(decided, intake_clerk)
    Case.objects.filter(pk=decided.pk).update(state=CaseState.ARCHIVED, _via_workflow=True)
    granted(client, decided)
    assert client.get(reverse("portal-document", args=[decided.number, notice.pk])).status_code == 200
    events = CaseEvent.objects.filter(case=decided).count()
    for name, data in (
        ("portal-consent", {}),
        ("portal-decision", {}),
        ("portal-visit", {"satisfaction": "satisfied", "objects_to_decision": "0"}),
    ):
        response = client.post(reverse(name, args=[decided.number]), data)
        assert response.status_code == 409 and "案件已归档" in response.content.decode()
    assert CaseEvent.objects.filter(case=decided).count() == events
    assert Visit.objects.get(case=decided).done_at is None


def test_query_counts_of_the_answer_pages(
    decided: Case, intake_clerk: Staff, client: Client, django_assert_max_num_queries: Any
) -> None:
    """The pages read a fixed number of rows, whatever the case holds (measured: the status page
    15 with A's part, the visit form 6, the decision served 18 with its audit record, a
    document 12)."""
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=decided, actor=intake_clerk)
    staff_deliver(decided, intake_clerk)
    granted(client, decided)
    for name, args, most in (
        ("portal-case", [decided.number], 16),
        ("portal-visit", [decided.number], 7),
        ("portal-decision", [decided.number], 18),
        ("portal-document", [decided.number, notice.pk], 12),
    ):
        with django_assert_max_num_queries(most):
            assert client.get(reverse(name, args=args)).status_code == 200
