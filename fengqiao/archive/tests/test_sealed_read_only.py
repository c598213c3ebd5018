"""四(七) 案件归档 — a sealed case is read-only (issue 11 §3).

Once the dossier is sealed nothing is added to the case or changed in it: no document (not
even a second original of the 受理登记表 or 受理告知书 outside the dossier), attachment, link,
task, visit, remedy, extension, mediation, referral or consultation. Reading is still
allowed and recorded (查看明文, downloads, verifying and exporting the dossier). One guard,
``fengqiao.cases.models.sealed_check``, refuses; ``CaseEvent`` and ``Case`` consult it on save,
so a write that forgot the guard still cannot record its step. Tested through the services,
the pages and the API, each time checking that nothing was half-saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.archive.services import dossier_seal
from fengqiao.cases.models import Case, CaseEvent, CaseSealed, EventKind, RevealRecord
from fengqiao.cases.services import attachment_add, case_link, personal_data_reveal
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents import registry
from fengqiao.documents.services import document_download, document_issue
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Row counts of every model of the project, and each case's version: what a refused
    write must leave exactly as it was."""
    counts: dict[str, Any] = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("fengqiao.")
    }
    counts["case versions"] = sorted(Case.objects.values_list("pk", "version"))
    return counts


@pytest.fixture
def sealed(informed_case: Case, intake_clerk: Staff) -> Case:
    dossier_seal(case=informed_case, actor=intake_clerk)
    return Case.objects.get(pk=informed_case.pk)


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("补充.pdf", b"%PDF-1.4\n% late\n%%EOF\n", content_type="application/pdf")


def writes(case: Case, clerk: Staff, office: Staff, naiman: Any) -> dict[str, Callable[[], Any]]:
    """Every kind of write of a case, with input that would be accepted on an open case."""
    from fengqiao.followup.services import visit_schedule
    from fengqiao.handling.followthrough.extensions import extension_request
    from fengqiao.handling.models import TaskKind
    from fengqiao.handling.services import task_create
    from fengqiao.meetings.services import ConsultationData, consultation_create
    from fengqiao.referrals.services import referral_create

    other = intake(clerk)
    hrss = naiman.departments.get(code="hrss")
    return {
        "受理登记表": lambda: document_issue(doc_type=registry.INTAKE_FORM, case=case, actor=clerk),
        "受理告知书": lambda: document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=clerk),
        "告知书第二份原件": lambda: document_issue(doc_type=registry.INFORM_NOTICE, case=case, actor=clerk),
        "案卷封面": lambda: document_issue(doc_type=registry.DOSSIER_COVER, case=case, actor=clerk),
        "卷内目录": lambda: document_issue(doc_type=registry.DOSSIER_CONTENTS, case=case, actor=clerk),
        "更正告知书": lambda: document_issue(
            doc_type=registry.INFORM_NOTICE,
            case=case,
            actor=clerk,
            replaces=case.documents.filter(doc_type=registry.INFORM_NOTICE).latest("version"),
        ),
        "上传附件": lambda: attachment_add(case=case, actor=clerk, upload=_upload(), kind="evidence"),
        "关联案件": lambda: case_link(case=case, other=other, actor=clerk, note="同一缴费人"),
        "交办任务": lambda: task_create(case=case, department=hrss, kind=TaskKind.JOINT_OPINION, actor=office),
        "安排回访": lambda: visit_schedule(case=case, actor=clerk),
        "申请延期": lambda: extension_request(
            case=case, actor=clerk, reason="材料未齐", new_due_on=timezone.localdate() + timedelta(days=30)
        ),
        "报送办理": lambda: referral_create(case=case, actor=clerk, reason="职责不清"),
        "安排会商": lambda: consultation_create(
            actor=office,
            data=ConsultationData(
                kind="general",
                topic="缴费基数争议",
                starts_at=timezone.now() + timedelta(days=3),
                place="会议室",
                cases=[case],
            ),
        ),
    }


WRITES = [
    "受理登记表",
    "受理告知书",
    "告知书第二份原件",
    "案卷封面",
    "卷内目录",
    "更正告知书",
    "上传附件",
    "关联案件",
    "交办任务",
    "安排回访",
    "申请延期",
    "报送办理",
    "安排会商",
]


@pytest.mark.parametrize("write", WRITES)
def test_a_sealed_case_refuses_every_write(write, sealed, intake_clerk, group_office, naiman) -> None:
    """四(七): after sealing nothing is added or changed; the refusal names the archive."""
    call = writes(sealed, intake_clerk, group_office, naiman)[write]
    before = snapshot()
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        call()
    assert before == snapshot(), f"{write}: something was saved on a sealed case"
    # The archive's message, not a step's own state check (issue 11: sealed is checked first).
    assert isinstance(refused.value, CaseSealed), refused.value


def test_no_step_is_recorded_on_a_sealed_case_even_by_a_write_that_forgot_the_guard(sealed, intake_clerk) -> None:
    """The backstop: the timeline refuses any event but reading on an archived case, one by
    one and in bulk, and the case row refuses to be saved."""
    with pytest.raises(CaseSealed):
        CaseEvent.objects.create(case=sealed, at=timezone.now(), actor=intake_clerk, kind=EventKind.NOTE, summary="x")
    with pytest.raises(CaseSealed):
        CaseEvent.objects.bulk_create(
            [CaseEvent(case=sealed, at=timezone.now(), actor=intake_clerk, kind=EventKind.CONSULTATION, summary="x")]
        )
    with pytest.raises(CaseSealed):
        CaseEvent.objects.create(
            case_id=sealed.pk, at=timezone.now(), actor=intake_clerk, kind=EventKind.TASK, summary="x"
        )
    sealed.summary = "改写"
    with pytest.raises(CaseSealed):
        sealed.save()


def test_reading_a_sealed_case_is_still_allowed_and_recorded(sealed, intake_clerk) -> None:
    """Reading is what the mechanism allows after archiving: 查看明文 and downloading a form
    with personal data are recorded as before (五(三))."""
    value = personal_data_reveal(case=sealed, actor=intake_clerk, party="payer", field="phone", reason="回访核实")
    assert value == "13812345678"
    document = sealed.documents.get(doc_type=registry.INFORM_NOTICE)
    assert document_download(document=document, case=sealed, actor=intake_clerk, fmt="pdf").file
    assert RevealRecord.objects.filter(case=sealed, reason="回访核实").exists()
    assert sealed.events.filter(kind=EventKind.REVEALED).exists()


def api(staff: Staff) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=staff)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_refuses_writes_on_a_sealed_case(sealed, intake_clerk) -> None:
    """The API answers 409 (the case's state no longer allows it) and saves nothing."""
    before = snapshot()
    base = f"/api/v1/cases/{sealed.number}"
    for url, body in [
        (f"{base}/documents/", {"doc_type": registry.RECEIPT_NOTICE}),
        (f"{base}/documents/", {"doc_type": registry.INTAKE_FORM}),
        (f"{base}/documents/", {"doc_type": registry.DOSSIER_COVER}),
        (f"{base}/extensions/", {"reason": "材料未齐", "new_due_on": "2099-01-04"}),
    ]:
        response = api(intake_clerk).post(url, body, format="json")
        assert response.status_code in (400, 403, 409), (url, response.status_code, response.content)
        assert response.status_code != 201
    assert before == snapshot()
    assert api(intake_clerk).get(f"{base}/documents/").status_code == 200


# Forms a sealed case's page may still offer: reading (查看明文) and the dossier's own actions.
READ_ONLY_FORMS = re.compile(r"/(reveal|verify|export)/|^/logout/$")


def test_the_case_page_of_a_sealed_case_offers_no_write(
    sealed, client_for, intake_clerk, group_office, department_head
) -> None:
    """The page no longer offers 受理登记表, 受理告知书, 案卷封面, 卷内目录, corrections, uploads,
    links or any other step; posting to them anyway changes nothing."""
    for staff in (intake_clerk, group_office):
        page = client_for(staff).get(f"/cases/{sealed.number}/").content.decode()
        actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
        actions += re.findall(r'<form[^>]*action="([^"]+)"[^>]*method="post"', page)
        offered = [a for a in actions if not READ_ONLY_FORMS.search(a)]
        assert offered == [], (staff, offered)
        assert 'name="doc_type"' not in page
    before = snapshot()
    clerk = client_for(intake_clerk)
    number = sealed.number
    clerk.post(f"/cases/{number}/documents/", {"doc_type": registry.RECEIPT_NOTICE})
    clerk.post(f"/cases/{number}/documents/", {"doc_type": registry.INTAKE_FORM})
    clerk.post(f"/cases/{number}/attachments/", {"kind": "evidence", "file": _upload()})
    clerk.post(f"/cases/{number}/link/", {"other": intake(intake_clerk).number})
    after = snapshot()
    # The link attempt registered one new case (the other one) before posting: discount it.
    assert after["cases.Case"] == before["cases.Case"] + 1
    assert [v for v in after["case versions"] if v[0] == sealed.pk] == [
        v for v in before["case versions"] if v[0] == sealed.pk
    ]
    for label in ("documents.IssuedDocument", "cases.Attachment", "cases.CaseLink"):
        if label in before:
            assert after[label] == before[label], label
    assert (
        sealed.events.exclude(kind__in=[EventKind.REVEALED, EventKind.ARCHIVED])
        .filter(at__gt=sealed.state_changed_at)
        .count()
        == 0
    )
    assert Case.objects.get(pk=sealed.pk).state == CaseState.ARCHIVED
