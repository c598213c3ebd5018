"""REST API of 四(一) 一站受理 and 四(二) 审核转办: outcomes and classifications, input errors
naming their field with nothing saved, the permission matrix of every endpoint (CONVENTIONS 12),
list query counts (13), masked personal data, stale pages, reveals, and the OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases import services
from fengqiao.cases.models import Attachment, Case, CaseEvent, EventKind, Payer, RevealRecord
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import DEFAULT_ID, intake
from fengqiao.cases.workflow import TransitionError
from fengqiao.core.api import exception_handler
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
ID_NUMBER = "150525199001011237"
PDF = b"%PDF-1.4\n%fengqiao test\n"

Api = Callable[[Staff], APIClient]


@pytest.fixture
def api() -> Api:
    """``api(staff)`` — an API client authenticated with the person's token."""

    def client_for(staff: Staff) -> APIClient:
        token, _created = Token.objects.get_or_create(user=staff)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def file_storage(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def body(**overrides: Any) -> dict[str, Any]:
    """A valid registration as the API takes it."""
    data: dict[str, Any] = {
        "payer_kind": "person",
        "payer_name": "张三",
        "payer_group": "flexible",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "大沁他拉镇团结路8号",
        "channel": "window",
        "received_at": timezone.localtime().isoformat(),
        "township": "150525100",
        "categories": ["04"],
        "summary": "对2026年灵活就业人员养老保险缴费金额有异议",
        "claims": "按实际收入核定缴费基数",
        "disputed_amount": "1234.50",
        "outcome": IntakeOutcome.REVIEW,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def url(number: str, action: str = "") -> str:
    return f"/api/v1/cases/{number}/" + (f"{action}/" if action else "")


def nothing_saved(cases_before: int = 0, payers_before: int = 0) -> bool:
    return Case.objects.count() == cases_before and Payer.objects.count() == payers_before


# --- The error shape ------------------------------------------------------------------------


def test_anonymous_gets_401_in_the_one_error_shape(anonymous: APIClient, naiman) -> None:
    response = anonymous.get("/api/v1/cases/")
    assert response.status_code == 401
    assert set(response.json()) == {"errors"}
    assert response.json()["errors"]["detail"]
    assert response.has_header("WWW-Authenticate")


def test_django_errors_from_services_map_to_400_and_409() -> None:
    fields = exception_handler(ValidationError({"township": ["不属于本旗县。"], "__all__": ["整体错误"]}), {})
    assert fields is not None and fields.status_code == 400
    assert fields.data == {"errors": {"township": ["不属于本旗县。"], "non_field_errors": ["整体错误"]}}
    plain = exception_handler(ValidationError("整体错误"), {})
    assert plain is not None and plain.status_code == 400
    assert plain.data == {"errors": {"non_field_errors": ["整体错误"]}}
    stale = exception_handler(TransitionError("已被他人更新", code="stale"), {})
    assert stale is not None and stale.status_code == 409 and stale.data == {"errors": {"version": ["已被他人更新"]}}
    state = exception_handler(TransitionError("状态不对", code="state"), {})
    assert state is not None and state.status_code == 409
    guard = exception_handler(TransitionError("请填写理由", code="guard"), {})
    assert guard is not None and guard.status_code == 400


# --- Categories -----------------------------------------------------------------------------


def test_categories(api: Api, anonymous: APIClient, intake_clerk, hrss_handler) -> None:
    assert anonymous.get("/api/v1/categories/").status_code == 401
    for who in (intake_clerk, hrss_handler):
        response = api(who).get("/api/v1/categories/")
        assert response.status_code == 200
        rows = response.json()
        assert len(rows) == 10
        assert rows[3] == {
            "code": "04",
            "name": "缴费金额",
            "description": "用人单位或个人因社会保险费缴费金额产生争议的",
        }


# --- Intake (四(一)) ------------------------------------------------------------------------


def test_register_own(api: Api, intake_clerk) -> None:
    response = api(intake_clerk).post("/api/v1/cases/", body(outcome=IntakeOutcome.OWN), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == CaseState.OWN_HANDLING
    assert data["intake_outcome"] == IntakeOutcome.OWN
    assert data["owner"]["username"] == intake_clerk.username  # 首问责任人
    assert data["receiving_department"]["code"] == "tax"
    assert data["due_on"] and data["overdue"] is False
    assert data["disputed_amount"] == "1234.50"
    assert data["categories"] == ["04"]
    assert [d["role"] for d in data["departments"]] == ["receiving"]
    # 四(一) own handling gives the receiving department its own task (fengqiao.handling).
    assert [e["kind"] for e in data["timeline"]] == [EventKind.REGISTERED, EventKind.TASK]
    case = Case.objects.get(number=data["number"])
    assert case.owner == intake_clerk and case.payer.id_number == ID_NUMBER


def test_register_inform_names_the_department(api: Api, intake_clerk) -> None:
    client = api(intake_clerk)
    missing = client.post("/api/v1/cases/", body(outcome=IntakeOutcome.INFORM), format="json")
    assert missing.status_code == 400
    assert "informed_department" in missing.json()["errors"]
    assert nothing_saved()

    response = client.post(
        "/api/v1/cases/",
        body(outcome=IntakeOutcome.INFORM, informed_department="hrss", informed_note="请前往人社局"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == CaseState.INFORMED
    assert data["informed_department"] == {"code": "hrss", "name": data["informed_department"]["name"]}
    assert [e["kind"] for e in data["timeline"]] == [EventKind.REGISTERED, EventKind.INFORMED]
    # Closed: the only step left is 案卷归档 (四(七), fengqiao.archive).
    assert [a["name"] for a in data["allowed_actions"]] == ["archive"]


def test_register_review(api: Api, intake_clerk) -> None:
    response = api(intake_clerk).post("/api/v1/cases/", body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == CaseState.REGISTERED
    assert {a["name"] for a in data["allowed_actions"]} >= {"route_general", "route_major", "route_unclear"}


def test_register_multipart_with_an_attachment(api: Api, intake_clerk, file_storage: Path) -> None:
    upload = SimpleUploadedFile("缴费凭证.pdf", PDF, content_type="application/pdf")
    response = api(intake_clerk).post(
        "/api/v1/cases/",
        {**body(categories=["04", "03"]), "attachments": [upload], "attachment_kind": "evidence"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["categories"] == ["03", "04"]
    [attachment] = data["attachments"]
    assert attachment["name"] == "缴费凭证.pdf"
    assert attachment["size"] == len(PDF) and attachment["kind"] == "evidence" and len(attachment["sm3"]) == 64
    stored = Attachment.objects.get()
    assert attachment["download_url"] == f"/api/v1/cases/{data['number']}/attachments/{stored.token}/"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": ID_NUMBER[:-1] + "0"}, "id_number"),  # wrong check character
        ({"categories": ["04", "99"]}, "categories"),  # unknown category code
        ({"township": None}, "township"),  # missing
        ({"township": "110101001"}, "township"),  # not a township of this county
        ({"phone": "12345"}, "phone"),
        ({"received_at": "昨天"}, "received_at"),
    ],
)
def test_invalid_input_names_the_field_and_saves_nothing(
    api: Api, intake_clerk, overrides: dict[str, Any], field: str
) -> None:
    response = api(intake_clerk).post("/api/v1/cases/", body(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(m, str) and m for m in errors[field])
    assert nothing_saved()


def test_wrong_check_character_is_explained_in_chinese(api: Api, intake_clerk) -> None:
    response = api(intake_clerk).post("/api/v1/cases/", body(id_number=ID_NUMBER[:-1] + "0"), format="json")
    [message] = response.json()["errors"]["id_number"]
    assert "公民身份号码" in message and "校验码" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("big.pdf", PDF + b"0" * 2048),  # over the 1 KiB limit set below
        ("setup.exe", b"MZ\x90\x00"),  # a type not allowed
        ("fake.pdf", b"MZ\x90\x00not a pdf"),  # content does not match the extension
    ],
)
def test_refused_attachments_save_nothing(api: Api, intake_clerk, settings: Any, name: str, content: bytes) -> None:
    settings.FENGQIAO_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile(name, content)
    response = api(intake_clerk).post("/api/v1/cases/", {**body(), "attachments": [upload]}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["attachments"]
    assert name in errors["attachments"][0]
    assert nothing_saved() and Attachment.objects.count() == 0


def test_register_permissions(
    api: Api, anonymous: APIClient, intake_clerk, group_office, hrss_handler, group_leader, outsider
) -> None:
    assert anonymous.post("/api/v1/cases/", body(), format="json").status_code == 401
    for who in (hrss_handler, group_leader, outsider):  # no intake role
        response = api(who).post("/api/v1/cases/", body(), format="json")
        assert response.status_code == 403
        assert response.json()["errors"]["detail"]
    assert nothing_saved()
    for who in (intake_clerk, group_office):
        assert api(who).post("/api/v1/cases/", body(), format="json").status_code == 201


# --- List -----------------------------------------------------------------------------------


def test_list_is_scoped_to_what_the_caller_may_see(
    api: Api, anonymous: APIClient, intake_clerk, tax_handler, hrss_handler, group_leader, outsider
) -> None:
    case = intake(intake_clerk)
    assert anonymous.get("/api/v1/cases/").status_code == 401
    seen = {}
    for who in (intake_clerk, tax_handler, hrss_handler, group_leader, outsider):
        response = api(who).get("/api/v1/cases/")
        assert response.status_code == 200
        seen[who.username] = [row["number"] for row in response.json()["results"]]
    assert seen == {
        intake_clerk.username: [case.number],
        tax_handler.username: [case.number],  # same (receiving) department
        hrss_handler.username: [],  # another department, not involved
        group_leader.username: [case.number],  # county-wide, read-only
        outsider.username: [],
    }


def test_list_row(api: Api, intake_clerk) -> None:
    case = intake(intake_clerk, categories=("04", "03"))
    response = api(intake_clerk).get("/api/v1/cases/")
    assert response.json()["count"] == 1
    [row] = response.json()["results"]
    assert row["number"] == case.number
    assert row["state"] == CaseState.REGISTERED and row["state_label"] == "待审核转办"
    assert row["township"] == {"code": "150525100", "name": case.township.name}
    assert row["payer"]["name"] == "张三" and row["payer"]["kind"] == "person"
    assert row["payer"]["id_masked"] == "1505" + "*" * 10 + DEFAULT_ID[-4:]
    assert row["categories"] == ["03", "04"]
    assert row["version"] == case.version and row["overdue"] is False


def test_list_filters(api: Api, intake_clerk, frozen_time) -> None:
    frozen_time("2026-03-02 10:00")
    own = intake(intake_clerk, outcome=IntakeOutcome.OWN, categories=("03",))
    review = intake(intake_clerk)
    client = api(intake_clerk)

    def numbers(**params: str) -> list[str]:
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.json()
        return [r["number"] for r in response.json()["results"]]

    assert numbers(state=CaseState.OWN_HANDLING) == [own.number]
    assert numbers(view="review") == [review.number]
    assert numbers(category="03") == [own.number]
    assert numbers(q=review.number) == [review.number]
    assert set(numbers(received_from="2026-03-02", received_to="2026-03-02")) == {own.number, review.number}
    assert numbers(received_from="2026-03-03") == []
    frozen_time("2026-03-20 10:00")
    assert set(numbers(view="overdue")) == {own.number, review.number}


@pytest.mark.parametrize(
    "params",
    [{"received_from": "2026-13-01"}, {"received_to": "昨天"}, {"view": "everything"}, {"state": "lost"}],
)
def test_list_bad_parameters_are_named(api: Api, intake_clerk, params: dict[str, str]) -> None:
    response = api(intake_clerk).get("/api/v1/cases/", params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(params)


def test_list_query_count_does_not_grow_with_the_rows(api: Api, intake_clerk, group_leader) -> None:
    for who in (intake_clerk, group_leader):
        client = api(who)
        client.get("/api/v1/cases/")  # warm-up (content types, token)
    for _ in range(3):
        intake(intake_clerk, categories=("04", "03"))
    counts = []
    for rows in (3, 13):
        while Case.objects.count() < rows:
            intake(intake_clerk, categories=("04", "03"))
        for who in (intake_clerk, group_leader):
            client = api(who)
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/v1/cases/")
            assert response.json()["count"] == rows
            counts.append((who.username, len(queries)))
    assert counts[:2] == counts[2:], counts


# --- Personal data --------------------------------------------------------------------------


def test_no_plaintext_personal_data_in_list_or_detail(api: Api, intake_clerk, group_leader) -> None:
    case = intake(
        intake_clerk,
        id_number=ID_NUMBER,
        phone=PHONE,
        address="大沁他拉镇团结路8号",
    )
    for who in (intake_clerk, group_leader):
        client = api(who)
        for path in ("/api/v1/cases/", url(case.number)):
            text = client.get(path).content.decode()
            for secret in (ID_NUMBER, PHONE, "19900101", "团结路"):
                assert secret not in text, (path, secret)
    detail = api(intake_clerk).get(url(case.number)).json()
    assert detail["payer"]["id_masked"] == "1505**********1237"
    assert detail["payer"]["phone_masked"] == "138****5678"


# --- Detail ---------------------------------------------------------------------------------


def test_detail_permissions(api: Api, anonymous: APIClient, intake_clerk, hrss_handler, group_leader, outsider) -> None:
    case = intake(intake_clerk)
    assert anonymous.get(url(case.number)).status_code == 401
    for who in (hrss_handler, outsider):  # another department; no department at all
        hidden = api(who).get(url(case.number))
        missing = api(who).get(url("150525-2026-999999"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()  # a hidden case and a missing one look alike
    leader = api(group_leader).get(url(case.number))
    assert leader.status_code == 200
    assert leader.json()["allowed_actions"] == []  # may read, not act
    clerk = api(intake_clerk).get(url(case.number))
    assert clerk.status_code == 200
    data = clerk.json()
    assert data["summary"] and data["claims"] == "按实际收入核定缴费基数"
    assert data["timeline"][0]["actor"] == str(intake_clerk)
    assert data["timeline"][0]["to_state"] == CaseState.REGISTERED
    assert data["links"] == [] and data["merged_into"] is None and data["other_party"] is None


def test_detail_shows_links(api: Api, intake_clerk) -> None:
    first = intake(intake_clerk)
    second = intake(intake_clerk, link_to=[first])
    assert api(intake_clerk).get(url(first.number)).json()["links"] == [second.number]
    assert api(intake_clerk).get(url(second.number)).json()["links"] == [first.number]


def test_detail_query_count_does_not_grow_with_attachments_links_and_events(
    api: Api, intake_clerk, file_storage: Path
) -> None:
    case = intake(intake_clerk)
    client = api(intake_clerk)
    client.get(url(case.number))  # warm-up

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(case.number)).status_code == 200
        return len(captured)

    before = queries()
    for n in range(3):
        upload = SimpleUploadedFile(f"证据{n}.pdf", PDF, content_type="application/pdf")
        services.attachment_add(case=case, actor=intake_clerk, upload=upload, kind="evidence")
        intake(intake_clerk, link_to=[case])
    detail = client.get(url(case.number)).json()
    assert len(detail["attachments"]) == 3 and len(detail["links"]) == 3
    assert queries() == before


# --- Routing (四(二)) -----------------------------------------------------------------------


def test_routing_proposal_permissions(
    api: Api, anonymous: APIClient, intake_clerk, department_head, group_office, hrss_handler, group_leader
) -> None:
    case = intake(intake_clerk, categories=("04",))
    path = url(case.number, "routing")
    assert anonymous.get(path).status_code == 401
    assert api(hrss_handler).get(path).status_code == 404  # cannot see the case
    assert api(group_leader).get(path).status_code == 403  # sees it, may not route
    for who in (intake_clerk, department_head, group_office):
        response = api(who).get(path)
        assert response.status_code == 200
    data = response.json()
    assert data["version"] == case.version
    assert data["proposal"]["lead"]["code"] == "tax"
    assert [d["code"] for d in data["proposal"]["co"]] == ["hrss", "medical"]
    assert data["proposal"]["bases"]
    assert {"tax", "hrss", "medical"} <= {d["code"] for d in data["departments"]}


def test_route_general_with_lead_and_co(api: Api, intake_clerk, hrss_handler) -> None:
    case = intake(intake_clerk)
    response = api(intake_clerk).post(
        url(case.number, "routing"),
        {"classification": "general", "lead_department": "tax", "co_departments": ["hrss", "medical"], "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["state"] == CaseState.JOINT_HANDLING and data["classification"] == "general"
    assert {(d["code"], d["role"]) for d in data["departments"]} == {
        ("tax", "receiving"),
        ("tax", "lead"),
        ("hrss", "co"),
        ("medical", "co"),
    }
    assert data["version"] == 2
    assert EventKind.ROUTED in [e["kind"] for e in data["timeline"]]
    # The co-handling department now sees the case, but routing is not theirs.
    assert api(hrss_handler).get(url(case.number)).status_code == 200
    refused = api(hrss_handler).post(
        url(case.number, "routing"), {"classification": "major", "reason": "重大"}, format="json"
    )
    assert refused.status_code == 403
    assert api(hrss_handler).get(url(case.number, "routing")).status_code == 403


def test_route_major_with_reason(api: Api, intake_clerk) -> None:
    case = intake(intake_clerk)
    client = api(intake_clerk)
    missing = client.post(url(case.number, "routing"), {"classification": "major"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    response = client.post(
        url(case.number, "routing"),
        {"classification": "major", "reason": "涉及群体性缴费争议，影响较大", "version": case.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["state"] == CaseState.AWAITING_APPROVAL
    assert data["classification_reason"] == "涉及群体性缴费争议，影响较大"


def test_route_unclear_with_reason(api: Api, intake_clerk, group_office) -> None:
    case = intake(intake_clerk)
    response = api(group_office).post(
        url(case.number, "routing"), {"classification": "unclear", "reason": "职责不清，报送旗政府办"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == CaseState.REFERRED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"classification": "general", "co_departments": ["hrss"]}, "lead_department"),
        ({"classification": "general", "lead_department": "tax"}, "co_departments"),
        ({"classification": "general", "lead_department": "tax", "co_departments": ["nowhere"]}, "co_departments"),
        ({"classification": "urgent", "reason": "x"}, "classification"),
    ],
)
def test_route_invalid_names_the_field(api: Api, intake_clerk, payload: dict[str, Any], field: str) -> None:
    case = intake(intake_clerk)
    response = api(intake_clerk).post(url(case.number, "routing"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and case.version == 1


def test_route_from_a_stale_page_is_409(api: Api, intake_clerk, department_head) -> None:
    case = intake(intake_clerk)
    version = api(intake_clerk).get(url(case.number, "routing")).json()["version"]
    first = api(department_head).post(
        url(case.number, "routing"),
        {"classification": "major", "reason": "重大疑难", "version": version},
        format="json",
    )
    assert first.status_code == 200
    second = api(intake_clerk).post(
        url(case.number, "routing"),
        {"classification": "unclear", "reason": "职责不清", "version": version},
        format="json",
    )
    assert second.status_code == 409
    assert list(second.json()["errors"]) == ["version"]
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_APPROVAL  # the first decision stands


def test_route_in_the_wrong_state_is_409(api: Api, intake_clerk) -> None:
    case = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    response = api(intake_clerk).post(
        url(case.number, "routing"), {"classification": "major", "reason": "重大疑难"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"]["non_field_errors"]
    case.refresh_from_db()
    assert case.state == CaseState.OWN_HANDLING


def test_route_permissions(api: Api, anonymous: APIClient, intake_clerk, hrss_handler, group_leader) -> None:
    case = intake(intake_clerk)
    payload = {"classification": "major", "reason": "重大疑难"}
    path = url(case.number, "routing")
    assert anonymous.post(path, payload, format="json").status_code == 401
    assert api(hrss_handler).post(path, payload, format="json").status_code == 404
    assert api(group_leader).post(path, payload, format="json").status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert api(intake_clerk).post(path, payload, format="json").status_code == 200


# --- Reveal (五(三)) ------------------------------------------------------------------------


def test_reveal_is_recorded(api: Api, intake_clerk) -> None:
    case = intake(intake_clerk, id_number=ID_NUMBER)
    response = api(intake_clerk).post(
        url(case.number, "reveal"),
        {"party": "payer", "field": "id_number", "reason": "核对缴费记录需要"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"value": ID_NUMBER}
    assert response["Cache-Control"] == "no-store"
    record = RevealRecord.objects.get()
    assert (record.case, record.staff, record.field, record.reason) == (
        case,
        intake_clerk,
        "id_number",
        "核对缴费记录需要",
    )
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REVEALED).count() == 1


def test_reveal_permissions_and_errors(
    api: Api, anonymous: APIClient, intake_clerk, hrss_handler, group_leader
) -> None:
    case = intake(intake_clerk)
    path = url(case.number, "reveal")
    payload = {"party": "payer", "field": "phone", "reason": "电话回访需要"}
    assert anonymous.post(path, payload, format="json").status_code == 401
    assert api(hrss_handler).post(path, payload, format="json").status_code == 404
    assert api(group_leader).post(path, payload, format="json").status_code == 403  # reads masked data only
    # 查看明文 without a reason (issue 11): the answer names the field.
    empty = api(intake_clerk).post(path, {**payload, "reason": ""}, format="json")
    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["reason"]
    short = api(intake_clerk).post(path, {**payload, "reason": "看"}, format="json")
    assert short.status_code == 400 and "reason" in short.json()["errors"]
    no_other = api(intake_clerk).post(path, {**payload, "party": "other_party"}, format="json")
    assert no_other.status_code == 400 and "party" in no_other.json()["errors"]
    assert RevealRecord.objects.count() == 0
    assert api(intake_clerk).post(path, payload, format="json").json() == {"value": "13812345678"}


# --- Duplicates -----------------------------------------------------------------------------


def test_duplicates(api: Api, anonymous: APIClient, intake_clerk, hrss_handler) -> None:
    case = intake(intake_clerk, id_number=DEFAULT_ID, categories=("04",))
    intake(intake_clerk, id_number=ID_NUMBER, categories=("04",))  # someone else
    path = "/api/v1/cases/duplicates/"
    params = {"kind": "person", "id_number": DEFAULT_ID, "categories": "03"}  # 03 is related to 04
    assert anonymous.post(path, params, format="json").status_code == 401
    response = api(intake_clerk).post(path, params, format="json")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()] == [case.number]
    assert DEFAULT_ID not in response.content.decode()
    assert api(intake_clerk).post(path, {**params, "categories": "08"}, format="json").json() == []  # unrelated matter
    # the intake's own check, as on the page: a handler registers nothing, so may not search (403)
    assert api(hrss_handler).post(path, params, format="json").status_code == 403
    # 五(三): the ID number never travels in the URL, where access logs keep it
    assert api(intake_clerk).get(path, params).status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "person", "id_number": DEFAULT_ID[:-1] + "0"}, "id_number"),
        ({"kind": "person", "id_number": DEFAULT_ID, "categories": "04,99"}, "categories"),
        ({"kind": "robot"}, "kind"),
    ],
)
def test_duplicates_bad_parameters_are_named(api: Api, intake_clerk, params: dict[str, str], field: str) -> None:
    response = api(intake_clerk).post("/api/v1/cases/duplicates/", params, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


# --- OpenAPI --------------------------------------------------------------------------------


def test_openapi_schema_is_valid_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/cases/", "/api/v1/cases/{number}/routing/", "/api/v1/cases/duplicates/"):
        assert f"{path}:" in text


def test_attachment_download_through_the_api_with_a_token(client, intake_clerk, hrss_handler, settings, tmp_path):
    """The API returns the files to token clients who may see the case, and 404 to others."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.authtoken.models import Token

    from fengqiao.cases.services import attachment_add

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    case = intake(intake_clerk)
    attachment = attachment_add(
        case=case, actor=intake_clerk, upload=SimpleUploadedFile("证据.pdf", b"%PDF-1.4 x"), kind="evidence"
    )
    url = f"/api/v1/cases/{case.number}/attachments/{attachment.token}/"
    mine = Token.objects.create(user=intake_clerk)
    detail = client.get(f"/api/v1/cases/{case.number}/", HTTP_AUTHORIZATION=f"Token {mine.key}").json()
    assert detail["attachments"][0]["download_url"] == url
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {mine.key}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 x"
    theirs = Token.objects.create(user=hrss_handler)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {theirs.key}").status_code == 404
    assert client.get(url).status_code == 401
