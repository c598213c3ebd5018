"""网上受理 (四(一) 线上受理; issue 14 §1): the payer files online with the window's checks, the
case arrives at the studio as channel 网上 for the 四(二) review, nothing is half-saved, a
double submit files once and an open related case of the same payer is linked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fengqiao.cases.models import Attachment, Case, CaseLink, CaseParty, Channel, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.integrations.models import OutboxMessage
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.portal.models import OnlineIntake, PayerAccess
from fengqiao.portal.services import ALPHABET, CODE_LENGTH, clerk_on_duty
from fengqiao.portal.tests.helpers import file_online, filing, id_number, number_from, private_cache

__all__ = ["private_cache"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(naiman: Jurisdiction, persona: Any) -> Jurisdiction:
    persona("intake_clerk")  # the tax bureau's clerk at the studio: the online intake clerk on duty
    return naiman


def test_filing_registers_online_for_review(county: Jurisdiction, client: Client) -> None:
    """四(一) 线上受理 — the case arrives as channel 网上, 待审核转办, in the tax bureau
    (办税服务厅/云上服务中心), its clerk on duty the 首问责任人; the event is the payer's."""
    response = file_online(client)
    assert response.status_code == 302
    case = Case.objects.get(number=number_from(response))
    assert case.channel == Channel.ONLINE
    assert case.state == CaseState.REGISTERED
    assert case.receiving_department.code == "tax"
    assert case.owner.has_role(Role.INTAKE_CLERK)
    event = case.events.get(kind=EventKind.REGISTERED)
    assert event.actor_id is None and event.data["by"] == "payer"
    assert case.payer.name == "赵敏" and case.payer.id_number == id_number(1)


def test_payer_gets_number_and_query_code_at_once(county: Jurisdiction, client: Client) -> None:
    """Issue 14 §1: the case number and a query code on the page, and an SMS through the outbox."""
    number = number_from(file_online(client))
    page = client.get(f"/payer/filed/{number}/")
    assert page.status_code == 200
    code = PayerAccess.objects.get(case__number=number).query_code
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    text = page.content.decode()
    assert number in text and code in text
    sms = OutboxMessage.objects.get(event_type="portal.filed")
    assert sms.channel == "sms" and code in sms.payload["text"] and number in sms.payload["text"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "150525198001010011", "校验"),  # GB 11643 check character (0 is right)
        ("phone", "1391234567", "手机"),
        ("township", "999999999", "不是有效的选项"),
        ("categories", ["99"], "不是有效的选项"),
        ("summary", "", "请填写"),
        ("payer_name", "", "请填写"),
        ("id_number", "", "公民身份号码"),
    ],
)
def test_invalid_field_error_beside_it(
    county: Jurisdiction, client: Client, field: str, value: Any, message: str
) -> None:
    """The window's checks (cases.forms.IntakeForm), each error beside its field, tied with
    aria-describedby; nothing saved."""
    response = file_online(client, **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'id="err-{field}"', 1)
    assert len(error) == 2, html
    assert message in error[1].split("</p>", 1)[0]
    assert f'aria-describedby="err-{field}' in html  # the input names its error
    assert not Case.objects.exists() and not CaseParty.objects.exists()


def test_employer_needs_credit_code(county: Jurisdiction, client: Client) -> None:
    """四(一) 用人单位: a valid unified social credit code (GB 32100 check character)."""
    response = file_online(client, payer_kind="employer", id_number="", credit_code="91150525MA0N00000X")
    assert response.status_code == 400
    assert 'id="err-credit_code"' in response.content.decode()
    assert not Case.objects.exists()


def test_attachment_limits_as_at_the_window(county: Jurisdiction, client: Client, settings: Any) -> None:
    """Attachments: the window's allowed types, content check and size (cases.services.attachment_check)."""
    fake = SimpleUploadedFile("证明.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = file_online(client, attachments=[fake])
    assert response.status_code == 400
    assert "内容与扩展名不符" in response.content.decode()
    settings.FENGQIAO_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 " + b"x" * 100, content_type="application/pdf")
    response = file_online(client, attachments=[big])
    assert response.status_code == 400 and "超过大小上限" in response.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_attachment_stored_with_the_case(county: Jurisdiction, client: Client) -> None:
    """四(一) 登记材料: the payer's file is the case's attachment; its event is the payer's (design:
    actor None, ``by: payer``)."""
    pdf = SimpleUploadedFile("缴费凭证.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    number = number_from(file_online(client, attachments=[pdf]))
    attachment = Attachment.objects.get(case__number=number)
    assert attachment.original_name == "缴费凭证.pdf"
    event = attachment.case.events.get(kind=EventKind.ATTACHMENT)
    assert event.actor_id is None and event.data["by"] == "payer"


def test_nothing_half_saved(county: Jurisdiction, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: a failure after the attachment was stored leaves no case, no party, no
    attachment row and no stored file."""
    import fengqiao.portal.services as services

    stored: list[str] = []
    real = services.intake_write

    def failing(**kwargs: Any) -> Case:
        case = real(**kwargs)
        stored.extend(a.file.name for a in case.written_rows["attachments"])
        raise RuntimeError("the SMS gateway's row could not be written")

    monkeypatch.setattr(services, "intake_write", failing)
    pdf = SimpleUploadedFile("缴费凭证.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.raise_request_exception = False
    response = file_online(client, attachments=[pdf])
    assert response.status_code == 500
    assert stored
    storage = Attachment._meta.get_field("file").storage
    assert not any(storage.exists(name) for name in stored)
    assert not Case.objects.exists() and not CaseParty.objects.exists() and not Attachment.objects.exists()


def test_double_submit_files_once(county: Jurisdiction, client: Client) -> None:
    """The same form sent twice (the same submission key; its ALTCHA already used) makes one case."""
    body = filing(1)
    first = client.post("/payer/file/", body)
    second = client.post("/payer/file/", body)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_related_open_case_is_linked_and_not_told(county: Jurisdiction, client: Client, intake_clerk: Staff) -> None:
    """The window's duplicate check (cases.selectors.duplicates_find): the same payer's open
    case in the same or a related category is linked (CaseLink); the filer is told nothing."""
    earlier = intake(intake_clerk, id_number=id_number(7), categories=("04",))
    other_payer = intake(intake_clerk, id_number=id_number(8), categories=("04",))
    response = file_online(client, 7)
    number = number_from(response)
    case = Case.objects.get(number=number)
    assert set(CaseLink.objects.filter(case=case).values_list("other__number", flat=True)) == {earlier.number}
    assert not CaseLink.objects.filter(other=other_payer).exists()
    for page in (client.get(f"/payer/filed/{number}/"), client.get(f"/payer/cases/{number}/")):
        assert earlier.number not in page.content.decode()


def test_closed_case_is_not_linked(county: Jurisdiction, client: Client, intake_clerk: Staff) -> None:
    """Only an open case is a duplicate (docs/portal.md): an informed (closed) one is not linked."""
    informed = intake(
        intake_clerk,
        id_number=id_number(9),
        outcome="inform",
        informed_department=Department.objects.get(jurisdiction=county, code="hrss"),
    )
    assert informed.state == CaseState.INFORMED
    number = number_from(file_online(client, 9))
    assert not CaseLink.objects.filter(case__number=number).exists()


def test_clerk_on_duty_rule(county: Jurisdiction, persona: Any) -> None:
    """首问责任人 of an online filing: the online department's intake clerk with the fewest open
    cases, the lowest id among equals (docs/portal.md)."""
    first = persona("intake_clerk")
    department = first.department
    second = Staff.objects.create(username="clerk2", department=department)
    second.roles.create(role=Role.INTAKE_CLERK)
    assert clerk_on_duty(department) == first
    intake(first)
    assert clerk_on_duty(department) == second


def test_online_department_configurable(county: Jurisdiction, client: Client) -> None:
    """网上受理部门 per county (OnlineIntake); the tax bureau when none is set (四(一))."""
    hrss = Department.objects.get(jurisdiction=county, code="hrss")
    hrss_clerk = Staff.objects.create(username="hrss_clerk2", department=hrss)
    hrss_clerk.roles.create(role=Role.INTAKE_CLERK)
    OnlineIntake.objects.create(jurisdiction=county, department=hrss)
    number = number_from(file_online(client))
    case = Case.objects.get(number=number)
    assert case.receiving_department == hrss and case.owner == hrss_clerk


def test_name_conflict_not_told(county: Jurisdiction, client: Client, intake_clerk: Staff) -> None:
    """A known ID number filed under another name: registered as filed, the earlier name never
    shown to the filer (五(三))."""
    intake(intake_clerk, id_number=id_number(11), name="钱多多")
    response = file_online(client, 11, payer_name="赵敏")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "钱" not in page.content.decode()


def test_a_province_installation_asks_the_county_first(county: Jurisdiction, client: Client) -> None:
    """One system for many counties: the payer first chooses the county (its 联合处置工作室 receives
    the dispute, 四(一)); the choice travels with the form, and the filing lands in that county."""
    from fengqiao.org.models import JurisdictionLevel

    other = Jurisdiction.objects.create(code="150526", name="库伦旗", level=JurisdictionLevel.COUNTY, kind="旗")
    choice = client.get("/payer/file/")
    assert choice.status_code == 200
    page = choice.content.decode()
    assert f"?county={county.code}" in page and f"?county={other.code}" in page
    assert 'name="payer_name"' not in page
    form = client.get(f"/payer/file/?county={county.code}").content.decode()
    assert f'name="county" value="{county.code}"' in form and "奈曼旗" in form
    assert 'name="payer_name"' not in client.get("/payer/file/?county=999999").content.decode()
    response = client.post("/payer/file/", filing(county=county.code))
    assert response.status_code == 302
    assert Case.objects.get(number=number_from(response)).jurisdiction == county
