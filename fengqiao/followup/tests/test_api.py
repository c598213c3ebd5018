"""The REST API of 结果反馈 (四(四)), 跟踪回访 (四(五)) and 救济途径: the paths of issue 7 end to
end through the API (no objection → archive; objection → reconsideration → litigation →
archive; a changed outcome → handling again), the permission matrix of every endpoint
(CONVENTIONS 12), bad input keyed by field with nothing saved, and the worklist's query count
(CONVENTIONS 13)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.tokens import api_token_expires
from fengqiao.followup import services
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
from fengqiao.followup.tests.helpers import decided_general_case, decided_own_case, file_storage
from fengqiao.org.models import Staff

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db

CONSEQUENCES = {"reopen", "reopen_own", "follow_up_start"}  # never offered as steps of their own


def api(staff: Staff | None = None) -> APIClient:
    client = APIClient()
    if staff is not None:
        token, _created = Token.objects.get_or_create(user=staff)
        if api_token_expires(token) <= timezone.now():  # the tests travel months ahead: a new key
            token.delete()
            token = Token.objects.create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def post(staff: Staff | None, path: str, body: dict[str, Any] | None = None) -> Any:
    return api(staff).post(path, body or {}, format="json")


def followup(staff: Staff, case: Case) -> dict[str, Any]:
    response = api(staff).get(f"/api/v1/cases/{case.number}/followup/")
    assert response.status_code == 200, response.content
    return response.json()


def deliver(staff: Staff, case: Case, **extra: Any) -> Any:
    body = {"recipient": "payer", "method": "in_person", **extra}
    return post(staff, f"/api/v1/cases/{case.number}/deliveries/", body)


def open_visit(staff: Staff, case: Case) -> int:
    """The id of the case's visit not yet done, as the API lists it."""
    (visit,) = [v for v in followup(staff, case)["visits"] if v["done_at"] is None]
    return int(visit["id"])


def record_visit(staff: Staff, visit: int, *, objects: bool, **extra: Any) -> Any:
    body = {
        "method": "phone",
        "satisfaction": "dissatisfied" if objects else "satisfied",
        "objects_to_decision": objects,
        **extra,
    }
    return post(staff, f"/api/v1/visits/{visit}/record/", body)


def state_of(case: Case) -> str:
    case.refresh_from_db()
    return case.state


def offered(staff: Staff, case: Case) -> set[str]:
    """The step names ``GET cases/<n>/`` offers ``staff``."""
    response = api(staff).get(f"/api/v1/cases/{case.number}/")
    assert response.status_code == 200, response.content
    return {action["name"] for action in response.json()["allowed_actions"]}


# --- the paths end to end ---------------------------------------------------------------------


def test_no_objection_then_archive(naiman, intake_clerk, tax_handler, department_head, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    before = followup(intake_clerk, case)
    assert before["state"] == CaseState.DECIDED and before["may_follow_up"] is True
    assert before["deliveries"] == [] and before["archive_blocker"]

    frozen_time("2026-03-03 10:00")
    delivered = deliver(intake_clerk, case, receipt_reference="SD-2026-001", version=before["version"])
    assert delivered.status_code == 201, delivered.content
    delivery = delivered.json()
    assert delivery["recipient"] == "payer" and delivery["receipt_reference"] == "SD-2026-001"
    assert delivery["recorded_by"] == intake_clerk.username and delivery["decision"]
    assert delivery["receipt_document"]  # the 送达回证 issued with it
    assert state_of(case) == CaseState.FOLLOWING_UP

    after = followup(intake_clerk, case)
    assert after["archive_blocker"] == "尚未完成跟踪回访"
    (visit,) = after["visits"]
    assert visit["scheduled_on"] == "2026-03-10" and visit["method"] == "" and visit["by"] is None
    assert visit["party"] == "payer"  # 四(五): each visit names its party
    no_other = post(intake_clerk, f"/api/v1/cases/{case.number}/visits/", {"party": "other_party"})
    assert no_other.status_code == 400 and "party" in no_other.json()["errors"], no_other.content
    recorded = record_visit(intake_clerk, visit["id"], objects=False, notes="缴费人表示满意")
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["satisfaction"] == "satisfied" and recorded.json()["by"] == intake_clerk.username
    assert state_of(case) == CaseState.FOLLOWING_UP
    assert followup(intake_clerk, case)["archive_blocker"] is None

    sealed = post(intake_clerk, f"/api/v1/cases/{case.number}/dossier/")
    assert sealed.status_code == 201, sealed.content
    assert state_of(case) == CaseState.ARCHIVED


def test_objection_reconsideration_litigation_then_archive(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    assert deliver(intake_clerk, case).status_code == 201
    objected = record_visit(intake_clerk, open_visit(intake_clerk, case), objects=True)
    assert objected.status_code == 200 and objected.json()["objects_to_decision"] is True
    assert state_of(case) == CaseState.REMEDY_TRACKING
    assert followup(intake_clerk, case)["archive_blocker"] == "缴费人有异议，尚未记录其救济途径"

    frozen_time("2026-03-20 09:00")
    remedies = f"/api/v1/cases/{case.number}/remedies/"
    filed = post(intake_clerk, remedies, {"kind": "reconsideration", "body": "通辽市税务局", "filed_on": "2026-03-20"})
    assert filed.status_code == 201, filed.content
    reconsideration = filed.json()
    # 60 days from the delivery (2 March) is 1 May, in the Labour Day holiday → 6 May.
    assert reconsideration["statutory_deadline"] == "2026-05-06" and reconsideration["filed_in_time"] is True
    assert reconsideration["status"] == "pending" and reconsideration["next_check_on"] == "2026-04-19"
    checked = post(intake_clerk, f"/api/v1/remedies/{reconsideration['id']}/check/", {"next_check_on": "2026-04-20"})
    assert checked.status_code == 200 and checked.json()["next_check_on"] == "2026-04-20"

    frozen_time("2026-05-11 09:00")
    upheld = post(
        intake_clerk,
        f"/api/v1/remedies/{reconsideration['id']}/outcome/",
        {"outcome": "upheld", "outcome_on": "2026-05-08"},
    )
    assert upheld.status_code == 200, upheld.content
    assert upheld.json()["status"] == "ended" and upheld.json()["next_check_on"] is None
    sued = post(
        intake_clerk,
        remedies,
        {"kind": "litigation", "body": "奈曼旗人民法院", "filed_on": "2026-05-11", "previous": reconsideration["id"]},
    )
    assert sued.status_code == 201, sued.content
    litigation = sued.json()
    # 15 days after the reconsideration decision: 8 May + 15 = 23 May (a Saturday) → Monday 25 May.
    assert litigation["previous"] == reconsideration["id"]
    assert litigation["deadline_start"] == "2026-05-08"
    assert litigation["statutory_deadline"] == "2026-05-25"
    assert followup(intake_clerk, case)["archive_blocker"] == "救济途径尚未终结"
    assert post(intake_clerk, f"/api/v1/cases/{case.number}/dossier/").status_code == 400

    frozen_time("2026-08-03 09:00")
    ended = post(
        intake_clerk, f"/api/v1/remedies/{litigation['id']}/outcome/", {"outcome": "upheld", "outcome_on": "2026-07-31"}
    )
    assert ended.status_code == 200, ended.content
    shown = followup(intake_clerk, case)
    assert shown["state"] == CaseState.REMEDY_TRACKING and shown["archive_blocker"] is None
    assert [r["kind"] for r in shown["remedies"]] == ["reconsideration", "litigation"]
    sealed = post(intake_clerk, f"/api/v1/cases/{case.number}/dossier/")
    assert sealed.status_code == 201, sealed.content
    assert state_of(case) == CaseState.ARCHIVED


def test_changed_outcome_reopens_own_handling(
    naiman, intake_clerk, tax_handler, department_head, group_office, frozen_time
) -> None:
    """Deliver, object at the visit, a reconsideration changes the decision: handling again.
    At no step is anyone offered a step that only follows from a record."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    watchers = (intake_clerk, group_office)
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)
    assert deliver(intake_clerk, case).status_code == 201
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)
    assert record_visit(intake_clerk, open_visit(intake_clerk, case), objects=True).status_code == 200
    remedy = post(
        intake_clerk,
        f"/api/v1/cases/{case.number}/remedies/",
        {"kind": "reconsideration", "body": "通辽市税务局", "filed_on": "2026-03-02"},
    )
    assert remedy.status_code == 201, remedy.content
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)  # the source of reopen_own
    changed = post(
        intake_clerk,
        f"/api/v1/remedies/{remedy.json()['id']}/outcome/",
        {"outcome": "changed", "outcome_on": "2026-03-02"},
    )
    assert changed.status_code == 200, changed.content
    assert state_of(case) == CaseState.OWN_HANDLING
    assert case.events.filter(data__transition="reopen_own").exists()
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)
    assert followup(intake_clerk, case)["archive_blocker"]
    # The department writes a new decision, starting from the one the remedy changed, and issues it.
    decision_url = f"/api/v1/cases/{case.number}/decision/"
    draft = api(intake_clerk).get(decision_url).json()
    assert (draft["status"], draft["version"], draft["id"]) == ("new", 0, None)
    assert draft["request"] == "请求按实际收入核定缴费基数"
    saved = api(intake_clerk).put(
        decision_url, {**draft, "result": "support", "facts_and_reasons": "复议机关决定变更，重新核定。"}, format="json"
    )
    assert saved.status_code == 200, saved.content
    issued = post(intake_clerk, f"{decision_url}issue/", {"version": saved.json()["version"]})
    assert issued.status_code == 200, issued.content
    assert issued.json()["status"] == "issued" and issued.json()["document"]
    assert state_of(case) == CaseState.DECIDED


# --- permissions ------------------------------------------------------------------------------


def test_permission_matrix_then_a_changed_outcome_reopens_joint_handling(
    naiman,
    intake_clerk,
    tax_handler,
    department_head,
    hrss_handler,
    medical_handler,
    group_office,
    group_leader,
    outsider,
    frozen_time,
) -> None:
    """Each write on a general matter: anonymous 401, outsider 404 (the case is invisible), the
    co-handling departments, the lead handler who is not the first receiver and the leader 403
    (they see the case but do not follow it up), the group office allowed; reads, whoever sees
    the case. The walk ends with a changed outcome reopening joint handling."""
    frozen_time("2026-03-02 09:00")
    case = decided_general_case(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler)
    number = case.number
    refused = (hrss_handler, medical_handler, tax_handler, group_leader)

    def only_the_office(path: str, body: dict[str, Any], expected: int) -> dict[str, Any]:
        assert post(None, path, body).status_code == 401, path
        missing = post(outsider, path, body)
        assert missing.status_code == 404 and list(missing.json()["errors"]) == ["detail"], path
        for who in refused:
            response = post(who, path, body)
            assert response.status_code == 403, (who.username, path, response.content)
            assert list(response.json()["errors"]) == ["detail"]
        response = post(group_office, path, body)
        assert response.status_code == expected, (path, response.content)
        return response.json()

    read = f"/api/v1/cases/{number}/followup/"
    assert api().get(read).status_code == 401
    assert api(outsider).get(read).status_code == 404
    for who in refused:
        assert followup(who, case)["may_follow_up"] is False
    assert followup(group_office, case)["may_follow_up"] is True

    only_the_office(f"/api/v1/cases/{number}/deliveries/", {"recipient": "payer", "method": "post"}, 201)
    assert Delivery.objects.filter(case=case).count() == 1
    scheduled = only_the_office(f"/api/v1/cases/{number}/visits/", {"scheduled_on": "2026-03-05"}, 201)
    assert scheduled["scheduled_on"] == "2026-03-05"
    assert Visit.objects.filter(case=case).count() == 2
    visit = {"method": "visit", "satisfaction": "dissatisfied", "objects_to_decision": True}
    only_the_office(f"/api/v1/visits/{scheduled['id']}/record/", visit, 200)
    assert post(group_office, "/api/v1/visits/999999/record/", visit).status_code == 404
    remedy = only_the_office(
        f"/api/v1/cases/{number}/remedies/",
        {"kind": "reconsideration", "body": "通辽市税务局", "filed_on": "2026-03-02"},
        201,
    )
    only_the_office(f"/api/v1/remedies/{remedy['id']}/check/", {"next_check_on": "2026-03-20"}, 200)
    assert post(group_office, "/api/v1/remedies/999999/check/", {"next_check_on": "2026-03-20"}).status_code == 404
    assert followup(group_leader, case)["archive_blocker"] == "救济途径尚未终结"

    work = "/api/v1/followup/work/"
    assert api().get(work).status_code == 401
    assert api(outsider).get(work).json() == {
        "today": "2026-03-02",
        "to_notify": [],
        "to_notify_other": [],
        "to_visit_other": [],
        "visits": [],
        "remedies": [],
        "ready": [],
    }
    assert [row["case"] for row in api(group_office).get(work).json()["visits"]] == [number]

    # The reconsideration changes the decision: joint handling again, never offered as a step.
    watchers = (intake_clerk, group_office, department_head)
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)
    changed = {"outcome": "changed", "outcome_on": "2026-03-02"}
    only_the_office(f"/api/v1/remedies/{remedy['id']}/outcome/", changed, 200)
    assert state_of(case) == CaseState.JOINT_HANDLING
    assert case.events.filter(data__transition="reopen").exists()
    assert all(not offered(who, case) & CONSEQUENCES for who in watchers)


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_is_keyed_by_field_and_saves_nothing(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    version = followup(intake_clerk, case)["version"]

    def refused(response: Any, status: int, field: str) -> None:
        assert response.status_code == status, response.content
        assert list(response.json()["errors"]) == [field], response.content
        assert Delivery.objects.filter(case=case).count() == 0
        assert state_of(case) == CaseState.DECIDED

    refused(deliver(intake_clerk, case, method="pigeon"), 400, "method")
    refused(deliver(intake_clerk, case, delivered_at="2026-03-02T12:00:00+08:00"), 400, "delivered_at")
    refused(deliver(intake_clerk, case, version=version - 1), 409, "version")
    refused(deliver(intake_clerk, case, recipient_name="张\U0010fffd"), 503, "detail")  # no font draws it
    assert not Visit.objects.filter(case=case).exists()  # the rolled-back delivery scheduled nothing
    assert deliver(intake_clerk, case, version=version).status_code == 201

    visit = open_visit(intake_clerk, case)
    bad = record_visit(intake_clerk, visit, objects=True, method="fax")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["method"]
    assert Visit.objects.get(pk=visit).done_at is None and state_of(case) == CaseState.FOLLOWING_UP
    assert record_visit(intake_clerk, visit, objects=True).status_code == 200
    again = record_visit(intake_clerk, visit, objects=False)
    assert again.status_code == 409 and list(again.json()["errors"]) == ["non_field_errors"]
    assert state_of(case) == CaseState.REMEDY_TRACKING

    other = intake(intake_clerk, id_number="150525199001011232", phone="13912345678")
    foreign = Remedy.objects.create(  # another case's remedy, written directly: only its id matters
        case=other,
        kind=RemedyKind.RECONSIDERATION,
        body="通辽市税务局",
        filed_on=date(2026, 3, 1),
        deadline_start=date(2026, 3, 1),
        statutory_deadline=date(2026, 4, 30),
        recorded_by=intake_clerk,
        recorded_at=timezone.now(),
    )
    remedies = f"/api/v1/cases/{case.number}/remedies/"
    litigation = {"kind": "litigation", "body": "奈曼旗人民法院", "filed_on": "2026-03-02"}
    for body, field in (
        ({**litigation, "previous": foreign.pk}, "previous"),
        ({**litigation, "previous": 999999}, "previous"),
        ({**litigation, "kind": "appeal"}, "kind"),
        ({**litigation, "filed_on": "2026-03-03"}, "filed_on"),  # tomorrow
        ({**litigation, "body": ""}, "body"),
    ):
        response = post(intake_clerk, remedies, body)
        assert response.status_code == 400 and list(response.json()["errors"]) == [field], (body, response.content)
        assert not Remedy.objects.filter(case=case).exists()


# --- the worklist -------------------------------------------------------------------------------


def _work_rows(clerk: Staff, handler: Staff, chief: Staff, today: date) -> None:
    """Three decided cases that put one row in each list of the worklist: one still to
    deliver; one visited without objection (ready) with a further visit due; one in remedy
    tracking with a remedy to check on today."""
    cases = [decided_own_case(clerk, handler, chief) for _ in range(3)]
    _decided, ready, tracking = cases
    for case in (ready, tracking):
        services.feedback_record(case=case, actor=clerk, recipient=Recipient.PAYER, method=DeliveryMethod.POST)
        (visit,) = Visit.objects.filter(case=case)
        services.visit_record(
            visit=visit,
            actor=clerk,
            method=VisitMethod.PHONE,
            satisfaction=Satisfaction.BASICALLY,
            objects_to_decision=case is tracking,
        )
    services.visit_schedule(case=ready, actor=clerk, scheduled_on=today + timedelta(days=2))
    services.remedy_record(
        case=tracking,
        actor=clerk,
        kind=RemedyKind.LITIGATION,
        body="奈曼旗人民法院",
        filed_on=today,
        next_check_on=today,
    )


def test_worklist_query_count_does_not_grow_with_rows(
    naiman, intake_clerk, tax_handler, department_head, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    today = date(2026, 3, 2)
    client = api(intake_clerk)

    def fetch() -> tuple[int, dict[str, Any]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/followup/work/")
        assert response.status_code == 200, response.content
        return len(queries), response.json()

    _work_rows(intake_clerk, tax_handler, department_head, today)
    few, body = fetch()
    assert [len(body[key]) for key in ("to_notify", "visits", "remedies", "ready")] == [1, 1, 1, 1]
    assert body["remedies"][0]["kind"] == "litigation" and body["visits"][0]["scheduled_on"] == "2026-03-04"
    _work_rows(intake_clerk, tax_handler, department_head, today)
    many, body = fetch()
    assert [len(body[key]) for key in ("to_notify", "visits", "remedies", "ready")] == [2, 2, 2, 2]
    assert many == few


def test_the_delivery_address_is_masked_and_plain_only_through_a_recorded_reveal(
    naiman, intake_clerk, tax_handler, department_head, group_leader, frozen_time
) -> None:
    """五(三) 对缴费人的个人信息要严格保密: the API masks the number a notice was sent to for
    everyone, as the page does; the plain value comes only through a reveal with its reason,
    recorded (a reveal record and a timeline event), to whoever may reveal the case's data — not
    the leader, who reads cases masked (issue 13 §2)."""
    from fengqiao.cases.models import CaseEvent, RevealRecord

    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    made = deliver(intake_clerk, case, method="sms", address="13812345678")
    assert made.status_code == 201 and made.json()["address"] == "138****5678"
    assert followup(intake_clerk, case)["deliveries"][0]["address"] == "138****5678"
    assert followup(group_leader, case)["deliveries"][0]["address"] == "138****5678"
    delivery = made.json()["id"]
    path = f"/api/v1/cases/{case.number}/deliveries/{delivery}/reveal/"
    assert post(None, path, {"reason": "电话核实送达"}).status_code == 401
    assert post(group_leader, path, {"reason": "电话核实送达"}).status_code == 403
    short = post(intake_clerk, path, {"reason": "看"})
    assert short.status_code == 400 and list(short.json()["errors"]) == ["reason"]
    assert (
        post(
            intake_clerk, f"/api/v1/cases/{case.number}/deliveries/{delivery + 999}/reveal/", {"reason": "电话核实送达"}
        ).status_code
        == 404
    )
    # (issuing the 送达回证 recorded its own reveals: the registered phone and address it prints)
    assert not RevealRecord.objects.filter(case=case, field="delivery_address").exists()
    shown = post(intake_clerk, path, {"reason": "电话核实送达"})
    assert shown.status_code == 200 and shown.json() == {"delivery": delivery, "address": "13812345678"}
    record = RevealRecord.objects.get(case=case, field="delivery_address")
    assert (record.field, record.reason, record.staff) == ("delivery_address", "电话核实送达", intake_clerk)
    assert CaseEvent.objects.filter(case=case, kind="revealed", data__delivery=delivery).exists()


def test_the_case_page_shows_the_delivery_address_masked_and_reveals_it_with_a_reason(
    client, naiman, intake_clerk, tax_handler, department_head, group_leader, frozen_time
) -> None:
    """五(三) on the page as in the API: the 结果反馈 table shows the number a notice went to
    masked; 查看明文 with a reason shows it and records the reveal; the leader, who reads cases
    masked, has no such form and is refused (a denied audit record)."""
    from django.urls import reverse

    from fengqiao.audit.models import AuditRecord
    from fengqiao.cases.models import RevealRecord

    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    delivery = deliver(intake_clerk, case, method="sms", address="13812345678").json()["id"]
    path = reverse("followup-delivery-reveal", args=[case.number, delivery])
    client.force_login(intake_clerk)
    page = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "138****5678" in page and "13812345678" not in page and path in page
    short = client.post(path, {"reason": "看"}, HTTP_HX_REQUEST="true")
    assert short.status_code == 400 and "查看理由至少4个字" in short.content.decode()
    assert not RevealRecord.objects.filter(case=case, field="delivery_address").exists()
    shown = client.post(path, {"reason": "电话核实送达"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and "13812345678" in shown.content.decode()
    assert RevealRecord.objects.filter(case=case, field="delivery_address", staff=intake_clerk).count() == 1
    client.force_login(group_leader)
    page = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "138****5678" in page and path not in page
    assert client.post(path, {"reason": "电话核实送达"}).status_code == 403
    assert AuditRecord.objects.filter(action="reveal", result="denied", actor=group_leader, case=case).exists()
