"""五(三) and 等保 2.0 安全审计 (GB/T 22239-2019 8.1.4.3): every sign-in and failed sign-in, case
view, reveal of personal data, download, export and administrative change is recorded — who,
when, from where, what, and the result — and never with the personal data itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.cases.models import Attachment, Case, RoutingRule
from fengqiao.cases.services import attachment_add
from fengqiao.cases.tests.helpers import DEFAULT_ID, intake

pytestmark = pytest.mark.django_db

IP = "10.20.30.40"


def newest(action: str) -> AuditRecord:
    found = AuditRecord.objects.filter(action=action).order_by("-id").first()
    assert found is not None, f"no {action} record"
    return found


def no_personal_data() -> None:
    """No record holds the payer's ID number, phone or address (helpers.intake's values)."""
    for row in AuditRecord.objects.values_list("summary", "detail", "object_id"):
        text = str(row)
        for value in (DEFAULT_ID, "13812345678", "团结路"):
            assert value not in text, row


def token_client(staff) -> APIClient:
    token, _created = Token.objects.get_or_create(user=staff)
    client = APIClient(REMOTE_ADDR=IP)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_sign_in_failed_sign_in_and_sign_out_are_recorded(client, intake_clerk) -> None:
    from fengqiao.testing.personas import PASSWORD

    url = reverse("login")
    client.post(url, {"username": "p_clerk", "password": "wrong-password"}, REMOTE_ADDR=IP)
    failed = newest(Action.SIGN_IN_FAILED)
    assert (failed.actor_id, failed.actor_name, failed.result, failed.ip) == (None, "p_clerk", Result.FAILED, IP)
    assert "wrong-password" not in str(failed.detail) + failed.summary

    client.post(url, {"username": "p_clerk", "password": PASSWORD}, REMOTE_ADDR=IP)
    signed_in = newest(Action.SIGN_IN)
    assert (signed_in.actor_id, signed_in.result, signed_in.ip) == (intake_clerk.pk, Result.OK, IP)
    # In the clerk's county's chain, not the system's.
    assert signed_in.stream == intake_clerk.department.jurisdiction_id

    client.post(reverse("logout"), REMOTE_ADDR=IP)
    assert newest(Action.SIGN_OUT).actor_id == intake_clerk.pk


def test_a_case_view_is_one_record_on_the_page_and_in_the_api(client_for, intake_clerk) -> None:
    case = intake(intake_clerk, address="大沁他拉镇团结路8号")
    c = client_for(intake_clerk)
    assert c.get(reverse("case-detail", args=[case.number]), REMOTE_ADDR=IP).status_code == 200
    viewed = AuditRecord.objects.filter(action=Action.CASE_VIEW)
    assert viewed.count() == 1
    row = viewed.get()
    assert (row.actor_id, row.case_id, row.object_id, row.ip, row.result) == (
        intake_clerk.pk,
        case.pk,
        case.number,
        IP,
        Result.OK,
    )
    assert row.detail == {"via": "page"} and row.stream == case.jurisdiction_id

    assert token_client(intake_clerk).get(reverse("api-case", args=[case.number])).status_code == 200
    api_row = newest(Action.CASE_VIEW)
    assert (api_row.detail, api_row.ip, api_row.actor_id) == ({"via": "api"}, IP, intake_clerk.pk)
    no_personal_data()


def test_a_refused_case_view_is_recorded_denied(client_for, intake_clerk, hrss_handler) -> None:
    """A case another department may not see answers 404 as if it did not exist; the trail
    keeps the attempt as denied (tied to the case), and a number that is no case as failed."""
    case = intake(intake_clerk)
    c = client_for(hrss_handler)
    assert c.get(reverse("case-detail", args=[case.number]), REMOTE_ADDR=IP).status_code == 404
    denied = newest(Action.CASE_VIEW)
    assert (denied.result, denied.actor_id, denied.case_id, denied.ip) == (Result.DENIED, hrss_handler.pk, case.pk, IP)
    assert c.get(reverse("case-detail", args=["NO-SUCH-1"])).status_code == 404
    missing = newest(Action.CASE_VIEW)
    assert (missing.result, missing.case_id, missing.object_id) == (Result.FAILED, None, "NO-SUCH-1")
    assert token_client(hrss_handler).get(reverse("api-case", args=[case.number])).status_code == 404
    assert newest(Action.CASE_VIEW).result == Result.DENIED


def test_a_reveal_is_recorded_with_the_reveal_record_and_a_refusal_as_denied(
    client_for, intake_clerk, group_leader
) -> None:
    case = intake(intake_clerk)
    c = client_for(intake_clerk)
    data = {"party": "payer", "field": "id_number", "reason": "核对参保登记信息"}
    response = c.post(reverse("case-reveal", args=[case.number]), data, REMOTE_ADDR=IP)
    assert response.status_code == 200
    row = newest(Action.REVEAL)
    assert (row.actor_id, row.case_id, row.ip, row.result) == (intake_clerk.pk, case.pk, IP, Result.OK)
    assert row.detail == {"fields": ["payer.id_number"], "via": "reveal"}

    # The leader reads masked (docs/cases.md): refused, and the refusal stays in the trail
    # although the reveal's transaction rolled back.
    refused = client_for(group_leader).post(reverse("case-reveal", args=[case.number]), data, REMOTE_ADDR=IP)
    assert refused.status_code == 403
    denied = newest(Action.REVEAL)
    assert (denied.result, denied.actor_id, denied.case_id) == (Result.DENIED, group_leader.pk, case.pk)
    api_refused = token_client(group_leader).post(reverse("api-case-reveal", args=[case.number]), data, format="json")
    assert api_refused.status_code == 403
    assert AuditRecord.objects.filter(action=Action.REVEAL, result=Result.DENIED).count() == 2
    no_personal_data()


def test_an_attachment_download_is_recorded_on_the_page_and_in_the_api(
    settings, tmp_path, client_for, intake_clerk
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    case = intake(intake_clerk)
    upload = SimpleUploadedFile("张三身份证.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = attachment_add(case=case, actor=intake_clerk, upload=upload, kind="evidence")
    assert isinstance(attachment, Attachment)
    url = reverse("case-attachment", args=[case.number, attachment.token])
    assert client_for(intake_clerk).get(url, REMOTE_ADDR=IP).status_code == 200
    row = newest(Action.DOWNLOAD)
    assert (row.actor_id, row.case_id, row.object_type, row.object_id, row.ip) == (
        intake_clerk.pk,
        case.pk,
        "attachment",
        str(attachment.pk),
        IP,
    )
    assert "张三" not in row.summary + str(row.detail)  # a file's name can hold a person's
    api_url = reverse("api-case-attachment", args=[case.number, attachment.token])
    assert token_client(intake_clerk).get(api_url).status_code == 200
    assert AuditRecord.objects.filter(action=Action.DOWNLOAD, case=case).count() == 2


def test_the_analysis_export_is_recorded(client_for, group_office) -> None:
    response = client_for(group_office).get(reverse("analytics-monthly") + "?format=xlsx", REMOTE_ADDR=IP)
    assert response.status_code == 200
    row = newest(Action.EXPORT)
    assert (row.actor_id, row.object_type, row.object_id, row.ip) == (group_office.pk, "export", "analysis_xlsx", IP)
    assert row.detail["format"] == "xlsx"


def test_admin_changes_are_recorded_with_the_fields_never_their_values(client_for, administrator, naiman) -> None:
    c = client_for(administrator)
    # A password reset in the admin (工作人员 → 密码 → 重置).
    target = get_user_model().objects.create_user(username="someone", password="Old-pass-2026!")
    new_password = "N3w-Secret-pass!"
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    response = c.post(url, {"password1": new_password, "password2": new_password}, REMOTE_ADDR=IP)
    assert response.status_code == 302, response.content.decode()[:1000]
    reset = newest(Action.PASSWORD)
    assert (reset.actor_id, reset.object_type, reset.object_id, reset.ip) == (
        administrator.pk,
        "org.staff",
        str(target.pk),
        IP,
    )
    assert new_password not in str(reset.detail) + reset.summary
    # A deletion of a routing rule.
    rule = RoutingRule.objects.first()
    assert rule is not None
    response = c.post(reverse("admin:cases_routingrule_delete", args=[rule.pk]), {"post": "yes"}, REMOTE_ADDR=IP)
    assert response.status_code == 302
    deleted = newest(Action.ADMIN_CHANGE)
    assert (deleted.object_type, deleted.object_id, deleted.detail["do"]) == (
        "cases.routingrule",
        str(rule.pk),
        "delete",
    )


def test_case_page_costs_one_record_more(client_for, intake_clerk, django_assert_max_num_queries) -> None:
    """The view's record is the head's lock, the insert and the head's update (with the
    savepoint around them): the page's other statements are unchanged."""
    case = intake(intake_clerk)
    c = client_for(intake_clerk)
    c.get(reverse("case-detail", args=[case.number]))  # warm-up: the chain's head exists
    assert Case.objects.filter(pk=case.pk).exists()
    before = AuditRecord.objects.count()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        c.get(reverse("case-detail", args=[case.number]))
    assert AuditRecord.objects.count() == before + 1
    audit = [q["sql"] for q in ctx.captured_queries if "audit_" in q["sql"]]
    assert len(audit) == 3, audit  # SELECT … FOR UPDATE of the head, INSERT, UPDATE of the head
