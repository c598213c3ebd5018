"""Online items (issue 15): recording, linking to cases, the lead case, the high-risk alert,
the overdue response's reminder and escalation, scope, masking, bad input, list cost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.models import CaseEvent, Channel, DisputeCategory, EventKind, PayerKind
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake, intake_data
from fengqiao.core.todo import todo_for
from fengqiao.handling.followthrough.deadlines import deadline_jobs_run, escalation_day, reminder_day
from fengqiao.integrations.models import OutboxMessage
from fengqiao.opinion import services
from fengqiao.opinion.models import (
    ItemAttachment,
    ItemCase,
    ItemNotice,
    ItemStatus,
    LinkHow,
    NoticeKind,
    OnlineItem,
    RiskLevel,
    StepKind,
)
from fengqiao.org.models import Department, Jurisdiction, Staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def dept(county: Jurisdiction, code: str) -> Department:
    return Department.objects.get(jurisdiction=county, code=code)


# --- recording, and the lead case -------------------------------------------------------------------


def test_the_cyberspace_office_records_an_item_numbered_per_county_with_screenshots_encrypted(
    naiman: Jurisdiction, cyberspace: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    shot = SimpleUploadedFile("截图.png", PNG, content_type="image/png")
    item = make_item(screenshots=[shot], categories=list(DisputeCategory.objects.filter(code="04")))
    second = make_item()
    assert item.number.startswith(f"舆-{naiman.code}-") and item.number.endswith("-0001")
    assert second.number.endswith("-0002")
    attachment = ItemAttachment.objects.get(item=item)
    with attachment.file.storage.raw.open(attachment.file.name, "rb") as raw:
        assert PNG not in raw.read()  # encrypted at rest
    assert attachment.file.open("rb").read() == PNG
    assert [e.kind for e in item.events.all()] == ["recorded", "attachment"]
    assert item.response_due_on is None and item.status == ItemStatus.OPEN


def test_an_item_becomes_a_lead_case_at_the_studio_with_the_clerk_on_duty_as_first_receiver(
    naiman: Jurisdiction, cyberspace: Staff, intake_clerk: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    item = make_item()
    data = intake_data(intake_clerk, id_number="150525199001010027")
    case = services.lead_case_open(item=item, actor=cyberspace, data=data)
    assert case.channel == Channel.PUBLIC_OPINION
    assert case.owner == intake_clerk  # 首问责任人: the online intake department's clerk on duty
    assert case.receiving_department.code == "tax"
    assert case.state == CaseState.REGISTERED  # 待审核转办
    link = ItemCase.objects.get(item=item)
    assert (link.case, link.how, link.linked_by) == (case, LinkHow.LEAD, cyberspace)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LINKED, data__online_item=item.pk).exists()
    assert item.events.filter(kind="lead").exists()


def test_a_clerk_of_the_office_role_who_may_register_opens_it_in_the_clerks_own_name(
    naiman: Jurisdiction, cyberspace: Staff, intake_clerk: Staff, group_office: Staff
) -> None:
    department, owner = services.lead_owner(actor=intake_clerk, county=naiman)
    assert (department.code, owner) == ("tax", intake_clerk)
    department, owner = services.lead_owner(actor=cyberspace, county=naiman)
    assert owner == intake_clerk  # the 网信办 registers nothing at the window itself


# --- links ----------------------------------------------------------------------------------------


def test_linking_by_number_by_payer_and_by_the_duplicate_rules(
    naiman: Jurisdiction, cyberspace: Staff, intake_clerk: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    first = intake(intake_clerk, id_number="150525199001010027", categories=("04",))
    other = intake(intake_clerk, id_number="150525199001010035", categories=("04",))
    item = make_item()
    assert services.cases_by_number(county=naiman, number=first.number) == [first]
    assert services.cases_by_number(county=naiman, number="no-such") == []
    by_payer = services.cases_by_payer(county=naiman, kind=PayerKind.PERSON, id_number="150525199001010027")
    assert by_payer == [first]
    alike = services.cases_by_duplicate_rules(
        county=naiman,
        kind=PayerKind.PERSON,
        id_number="150525199001010035",
        categories=list(DisputeCategory.objects.filter(code="04")),
    )
    assert alike == [other]
    services.item_link(item=item, actor=cyberspace, case=first, how=LinkHow.NUMBER)
    services.item_link(item=item, actor=cyberspace, case=other, how=LinkHow.DUPLICATE)
    assert sorted(item.case_links.values_list("how", flat=True)) == ["duplicate", "number"]
    with pytest.raises(ValidationError) as refused:
        services.item_link(item=item, actor=cyberspace, case=first, how=LinkHow.PAYER)
    assert "number" in refused.value.message_dict
    assert CaseEvent.objects.filter(case=first, kind=EventKind.LINKED, data__item_number=item.number).exists()
    with pytest.raises(ValidationError) as missing:
        services.cases_by_payer(county=naiman, kind=PayerKind.PERSON, id_number="")
    assert "id_number" in missing.value.message_dict


def test_the_item_and_the_case_link_both_ways_on_the_pages(
    naiman: Jurisdiction,
    cyberspace: Staff,
    intake_clerk: Staff,
    make_item: Callable[..., OnlineItem],
    client_for: Callable[[Staff], Client],
) -> None:
    case = intake(intake_clerk)
    item = make_item()
    client = client_for(cyberspace)
    found = client.post(reverse("opinion-find", args=[item.pk]), {"how": "number", "number": case.number})
    assert case.number in found.content.decode()
    client.post(reverse("opinion-link", args=[item.pk]), {"number": case.number, "how": "number"})
    assert ItemCase.objects.filter(item=item, case=case).exists()
    clerk_page = client_for(intake_clerk).get(reverse("case-detail", args=[case.number])).content.decode()
    assert item.number in clerk_page  # on the case's timeline


# --- the response, the alert, the daily job -----------------------------------------------------------


def test_a_high_risk_item_alerts_the_office_and_the_leader_at_once(
    naiman: Jurisdiction, cyberspace: Staff, office: Staff, leader: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    item = make_item(risk=RiskLevel.HIGH)
    notice = ItemNotice.objects.get(item=item, kind=NoticeKind.ALERT)
    assert set(notice.recipients.all()) == {office, leader}
    messages = OutboxMessage.objects.filter(event_type="opinion.alert")
    assert sorted(m.recipient for m in messages) == ["13900000001", "13900000002"]
    assert all(item.number in m.payload["text"] for m in messages)
    for person in (office, leader):
        rows = [row for row in todo_for(person).items if row.source == "opinion.alert"]
        assert [row.case_number for row in rows] == [item.number]
    # a medium item raised to high alerts once too; the same item again does not
    medium = make_item()
    services.item_assign(item=medium, actor=cyberspace, department=dept(naiman, "hrss"), risk=RiskLevel.HIGH)
    assert ItemNotice.objects.filter(item=medium, kind=NoticeKind.ALERT).count() == 1


def test_an_overdue_response_is_reminded_and_escalated_by_the_daily_job(
    naiman: Jurisdiction,
    cyberspace: Staff,
    office: Staff,
    leader: Staff,
    hrss_handler_o: Staff,
    hrss_head_o: Staff,
    make_item: Callable[..., OnlineItem],
    frozen_time: Callable[[str], Any],
) -> None:
    frozen_time("2026-03-02 10:00")
    item = make_item(responsible_department=dept(naiman, "hrss"))
    due = services.response_due(risk=RiskLevel.MEDIUM, start=item.recorded_at.date())
    assert item.response_due_on == due
    report = deadline_jobs_run(today=due)
    assert not ItemNotice.objects.filter(item=item).exists()
    report = deadline_jobs_run(today=reminder_day(due))
    reminder = ItemNotice.objects.get(item=item, kind=NoticeKind.REMINDER)
    assert set(reminder.recipients.all()) == {hrss_handler_o, hrss_head_o}
    assert report.reminders >= 1
    report = deadline_jobs_run(today=escalation_day(due))
    escalation = ItemNotice.objects.get(item=item, kind=NoticeKind.ESCALATION)
    assert set(escalation.recipients.all()) == {hrss_head_o, office, leader}
    assert report.escalations >= 1
    again = deadline_jobs_run(today=escalation_day(due) + timedelta(days=1))
    assert ItemNotice.objects.filter(item=item).count() == 2 and again.escalations == 0
    assert [e.kind for e in item.events.filter(actor=None)] == ["reminder", "escalation"]
    assert OutboxMessage.objects.filter(event_type="opinion.escalation").count() == 3


def test_a_closed_item_is_not_reminded(
    naiman: Jurisdiction, cyberspace: Staff, hrss_handler_o: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    item = make_item(responsible_department=dept(naiman, "hrss"))
    services.step_record(item=item, actor=hrss_handler_o, kind=StepKind.VERIFY, text="已核实，情况属实")
    item.refresh_from_db()
    assert item.status == ItemStatus.RESPONDING
    services.item_close(item=item, actor=cyberspace, summary="已回应并处置")
    assert item.response_due_on is not None
    deadline_jobs_run(today=escalation_day(item.response_due_on))
    assert not ItemNotice.objects.filter(item=item).exclude(kind=NoticeKind.ALERT).exists()
    with pytest.raises(ValidationError):
        services.step_record(item=item, actor=hrss_handler_o, kind=StepKind.RESPOND, text="再回应")


# --- scope and masking ------------------------------------------------------------------------------


def test_scope_a_department_not_concerned_gets_404_a_concerned_one_reads_but_may_not_manage(
    naiman: Jurisdiction,
    cyberspace: Staff,
    intake_clerk: Staff,
    hrss_handler_o: Staff,
    medical_handler_o: Staff,
    tax_handler: Staff,
    make_item: Callable[..., OnlineItem],
    client_for: Callable[[Staff], Client],
) -> None:
    item = make_item(responsible_department=dept(naiman, "hrss"))
    detail = reverse("opinion-detail", args=[item.pk])
    assert client_for(medical_handler_o).get(detail).status_code == 404
    assert client_for(medical_handler_o).get(reverse("api-opinion-item", args=[item.pk])).status_code == 404
    assert client_for(hrss_handler_o).get(detail).status_code == 200
    assert client_for(hrss_handler_o).post(reverse("opinion-close", args=[item.pk]), {}).status_code == 403
    assert client_for(hrss_handler_o).post(reverse("opinion-new"), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.item_link(item=item, actor=hrss_handler_o, case=intake(intake_clerk), how=LinkHow.NUMBER)
    # a department reads the items linked to a case it works on (the tax bureau receives the case)
    assert client_for(tax_handler).get(detail).status_code == 404
    case = intake(intake_clerk)
    services.item_link(item=item, actor=cyberspace, case=case, how=LinkHow.NUMBER)
    assert client_for(tax_handler).get(detail).status_code == 200


def test_personal_data_in_the_summary_is_masked_for_those_without_the_reveal_right(
    naiman: Jurisdiction,
    cyberspace: Staff,
    office: Staff,
    leader: Staff,
    hrss_handler_o: Staff,
    make_item: Callable[..., OnlineItem],
    client_for: Callable[[Staff], Client],
) -> None:
    item = make_item(responsible_department=dept(naiman, "hrss"))
    detail = reverse("opinion-detail", args=[item.pk])
    for reader in (hrss_handler_o, leader):
        page = client_for(reader).get(detail).content.decode()
        assert "150525198503150013" not in page and "13812345678" not in page
        assert "1505**********0013" in page or "150525********0013" in page
        api = client_for(reader).get(reverse("api-opinion-item", args=[item.pk])).json()
        assert "150525198503150013" not in api["summary"] and "13812345678" not in api["summary"]
    for reader in (cyberspace, office):
        assert "150525198503150013" in client_for(reader).get(detail).content.decode()


# --- bad input ---------------------------------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, Any]:
    values = {
        "platform": "weibo",
        "url": "https://weibo.com/1234567890/AbCdEf",
        "seen_at": "2026-03-02 09:00",
        "summary": "网民反映社保费征缴争议",
        "risk": "medium",
        "views": "100",
        "reposts": "5",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("platform", "myspace"),
        ("platform", None),
        ("url", "not a link"),
        ("url", "javascript:alert(1)"),
        ("seen_at", "2099-01-01 10:00"),
        ("seen_at", "昨天"),
        ("seen_at", "2020-05-01 10:00"),  # before the mechanism (奈政字〔2024〕123号)
        ("summary", ""),
        ("views", "-1"),
        ("reposts", "很多"),
        ("risk", "extreme"),
        ("responsible_department", "no_such"),
        ("screenshots", SimpleUploadedFile("x.png", b"MZ\x90\x00not a png", content_type="image/png")),
        ("screenshots", SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream")),
    ],
)
def test_bad_input_is_named_by_its_field_and_nothing_is_half_saved(
    naiman: Jurisdiction,
    cyberspace: Staff,
    client_for: Callable[[Staff], Client],
    frozen_time: Callable[[str], Any],
    field: str,
    value: Any,
) -> None:
    frozen_time("2026-03-02 10:00")
    data = _form(**{field: value})
    response = client_for(cyberspace).post(reverse("opinion-new"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not OnlineItem.objects.exists() and not ItemAttachment.objects.exists()
    api = client_for(cyberspace).post(reverse("api-opinion-items"), data, format="multipart")
    assert api.status_code == 400 and field in api.json()["errors"], api.content
    assert not OnlineItem.objects.exists()


def test_a_failure_after_a_screenshot_was_stored_removes_the_file(
    naiman: Jurisdiction, cyberspace: Staff, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any
) -> None:
    from fengqiao.opinion.tests.conftest import item_data

    stored: list[str] = []
    real = services._screenshot_store

    def store(**kwargs: Any) -> ItemAttachment:
        attachment = real(**kwargs)
        stored.append(attachment.file.name)
        raise RuntimeError("disk full after the first file")

    monkeypatch.setattr(services, "_screenshot_store", store)
    shot = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    with pytest.raises(RuntimeError):
        services.item_record(actor=cyberspace, data=item_data(screenshots=[shot]))
    from django.core.files.storage import default_storage

    assert stored and not default_storage.exists(stored[0])
    assert not OnlineItem.objects.exists()


# --- the list's cost ----------------------------------------------------------------------------------


def test_the_list_costs_the_same_statements_for_two_items_and_for_eight(
    naiman: Jurisdiction,
    cyberspace: Staff,
    intake_clerk: Staff,
    make_item: Callable[..., OnlineItem],
    client_for: Callable[[Staff], Client],
) -> None:
    case = intake(intake_clerk)
    categories = list(DisputeCategory.objects.filter(code__in=["04", "05"]))

    def add(n: int) -> None:
        for _ in range(n):
            item = make_item(categories=categories, responsible_department=dept(naiman, "hrss"))
            services.item_link(item=item, actor=cyberspace, case=case, how=LinkHow.NUMBER)

    client = client_for(cyberspace)
    add(2)
    client.get(reverse("opinion-list"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("opinion-list")).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("opinion-list"))
    assert page.content.decode().count(case.number) == 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as api:
        assert len(client.get(reverse("api-opinion-items")).json()) == 8
    assert len(api) <= len(few) + 2


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_records_links_responds_and_closes(
    naiman: Jurisdiction,
    cyberspace: Staff,
    intake_clerk: Staff,
    hrss_handler_o: Staff,
    client_for: Callable[[Staff], Client],
) -> None:
    case = intake(intake_clerk, id_number="150525199001010023")
    client = client_for(cyberspace)
    created = client.post(
        reverse("api-opinion-items"),
        {
            "platform": "wechat",
            "url": "https://mp.weixin.qq.com/s/abc",
            "seen_at": "2026-01-05T09:00:00+08:00",
            "summary": "公众号文章质疑缴费基数",
            "risk": "low",
            "categories": ["04"],
            "responsible_department": "hrss",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    found = client.post(
        reverse("api-opinion-search", args=[pk]),
        {"how": "payer", "payer_kind": "person", "id_number": "150525199001010023"},
        content_type="application/json",
    )
    assert found.status_code == 200, found.content.decode()
    assert [row["number"] for row in found.json()] == [case.number]
    assert found.json()[0]["payer"] != "张三"
    linked = client.post(
        reverse("api-opinion-link", args=[pk]), {"number": case.number, "how": "payer"}, content_type="application/json"
    )
    assert linked.json()["cases"][0]["how"] == "payer"
    step = client_for(hrss_handler_o).post(
        reverse("api-opinion-step", args=[pk]),
        {"kind": "respond", "text": "已在评论区回应"},
        content_type="application/json",
    )
    assert step.status_code == 200 and step.json()["status"] == "responding"
    closed = client_for(cyberspace).post(
        reverse("api-opinion-close", args=[pk]), {"closing_summary": "已处置"}, content_type="application/json"
    )
    assert closed.json()["status"] == "closed"
    again = client_for(cyberspace).post(
        reverse("api-opinion-close", args=[pk]), {"closing_summary": "再办结"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_an_item_links_to_a_sealed_case_without_touching_its_dossier(
    naiman: Jurisdiction, cyberspace: Staff, intake_clerk: Staff, make_item: Callable[..., OnlineItem]
) -> None:
    from fengqiao.cases.models import Case

    case = intake(intake_clerk)
    Case.objects.filter(pk=case.pk).update(state=CaseState.ARCHIVED, _via_workflow=True)
    case.refresh_from_db()
    events = case.events.count()
    services.item_link(item=make_item(), actor=cyberspace, case=case, how=LinkHow.NUMBER)
    assert ItemCase.objects.filter(case=case).exists() and case.events.count() == events


def test_the_lead_case_form_on_the_item_page_checks_as_the_window_does(
    naiman: Jurisdiction,
    cyberspace: Staff,
    intake_clerk: Staff,
    make_item: Callable[..., OnlineItem],
    client_for: Callable[[Staff], Client],
) -> None:
    from fengqiao.cases.models import Case

    item = make_item()
    url = reverse("opinion-lead", args=[item.pk])
    data = {
        "payer_kind": "person",
        "payer_name": "李四",
        "payer_group": "flexible",
        "id_number": "150525199001011234",  # wrong check character
        "township": "150525100",
        "categories": ["04"],
        "summary": "网民反映缴费基数过高",
    }
    client = client_for(cyberspace)
    refused = client.post(url, data)
    assert refused.status_code == 400 and "id_number" in refused.context["lead_form"].errors
    assert not Case.objects.exists() and not ItemCase.objects.exists()
    client.post(url, {**data, "id_number": "150525199001011237"})
    case = Case.objects.get()
    assert (case.channel, case.owner, case.payer.name) == (Channel.PUBLIC_OPINION, intake_clerk, "李四")
    page = client.get(reverse("opinion-detail", args=[item.pk])).content.decode()
    assert case.number in page
