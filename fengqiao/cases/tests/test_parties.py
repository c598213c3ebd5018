"""Parties as registered (issue 11 §3 "A person is never renamed behind another case").

四(一) registers 缴费人基本情况、联系方式 with each case; 五(三) keeps personal data confidential.
A second registration of the same ID number under another name must leave the first case as
it was; the clerk is warned (the earlier name masked); correcting a person's details is an
explicit, recorded step that never touches a sealed (archived) case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.models import Case, CaseNumbering, CaseParty, EventKind, Payer, PayerGroup, PayerKind
from fengqiao.cases.services import PayerData, case_register, mask_name, party_correct
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.tests.helpers import intake, intake_data

pytestmark = pytest.mark.django_db

ID = "150525199001011237"
CODE = "91150525MA0N1234X5"


def correct(case: Case, actor: Any, **changes: str) -> list[Case]:
    p = case.payer
    values = {"name": p.name, "phone": p.phone, "address": p.address, "contact_name": p.contact_name}
    return party_correct(case=case, party="payer", actor=actor, reason="身份证件核对后更正", **{**values, **changes})


def test_second_registration_with_another_name_leaves_the_first_case_unchanged(intake_clerk) -> None:
    """Issue 11 §3: registering a known ID number with another name, phone and address used to
    overwrite the one shared payer row, renaming the person on every other case."""
    first = intake(intake_clerk, id_number=ID, name="张三", phone="13812345678", address="大沁他拉镇团结路8号")
    events_before = first.events.count()
    second = intake(
        intake_clerk, id_number=ID, name="张叁", phone="13900001111", address="八仙筒镇", name_confirmed=True
    )
    first = Case.objects.select_related("payer").get(pk=first.pk)
    assert (first.payer.name, first.payer.phone, first.payer.address) == ("张三", "13812345678", "大沁他拉镇团结路8号")
    assert (second.payer.name, second.payer.phone, second.payer.address) == ("张叁", "13900001111", "八仙筒镇")
    assert first.payer.identity_id == second.payer.identity_id == Payer.objects.get().pk
    assert Payer.objects.get().name == "张三"  # the identity changes only by correction
    assert first.events.count() == events_before and first.version == 1


def test_known_id_with_another_name_is_refused_until_the_clerk_confirms(intake_clerk) -> None:
    """The warning at intake names the earlier name masked (五(三)) and nothing is half-saved."""
    intake(intake_clerk, id_number=ID, name="张三丰")
    counts = (Case.objects.count(), CaseParty.objects.count(), CaseNumbering.objects.get().last)
    with pytest.raises(ValidationError) as refused:
        case_register(actor=intake_clerk, data=intake_data(intake_clerk, id_number=ID, name="李四"))
    message = refused.value.message_dict["payer_name"][0]
    assert "张**" in message and "张三丰" not in message
    assert (Case.objects.count(), CaseParty.objects.count(), CaseNumbering.objects.get().last) == counts
    # The same name (or a confirmed difference) registers without a word.
    intake(intake_clerk, id_number=ID, name="张三丰")


def test_mask_name() -> None:
    assert [mask_name(n) for n in ("张三", "欧阳修文", "奈曼旗大沁他拉镇宏达商贸有限公司")] == [
        "张*",
        "欧***",
        "奈曼旗大**********公司",
    ]


def test_intake_page_warns_of_a_known_id_with_another_name(client_for, intake_clerk) -> None:
    intake(intake_clerk, id_number=ID, name="张三")
    c = client_for(intake_clerk)
    post = {
        "payer_kind": "person",
        "payer_name": "李四",
        "payer_group": "flexible",
        "id_number": ID,
        "phone": "13812345678",
        "channel": "window",
        "received_at": "2026-02-13T09:30",
        "township": "150525100",
        "categories": ["04"],
        "summary": "缴费基数有异议",
        "outcome": IntakeOutcome.REVIEW,
    }
    warned = c.post(reverse("case-intake"), post)
    html = warned.content.decode()
    assert warned.status_code == 200 and "张*" in html and 'name="name_confirmed"' in html
    assert Case.objects.count() == 1
    done = c.post(reverse("case-intake"), {**post, "name_confirmed": "on"})
    assert done.status_code == 302 and Case.objects.count() == 2


def test_api_names_the_field_of_a_known_id_with_another_name(client_for, intake_clerk) -> None:
    from rest_framework.test import APIClient

    intake(intake_clerk, id_number=ID, name="张三")
    api = APIClient()
    api.force_authenticate(intake_clerk)
    payload = {
        "payer_kind": "person",
        "payer_name": "李四",
        "payer_group": "flexible",
        "id_number": ID,
        "phone": "13812345678",
        "channel": "window",
        "received_at": "2026-02-13T09:30:00+08:00",
        "township": "150525100",
        "categories": ["04"],
        "summary": "缴费基数有异议",
        "outcome": "review",
    }
    refused = api.post("/api/v1/cases/", payload, format="json")
    assert refused.status_code == 400, refused.content
    errors = refused.json()["errors"]
    assert list(errors) == ["payer_name"] and "张*" in errors["payer_name"][0]
    created = api.post("/api/v1/cases/", {**payload, "name_confirmed": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["payer"]["name"] == "李四"


def test_correction_is_recorded_on_each_open_case_and_leaves_closed_ones(intake_clerk, naiman) -> None:
    """更正当事人信息 is an explicit step: the identity and every open case of the person take
    it, each with a 信息变更 event; a closed case keeps what it registered."""
    closed = intake(
        intake_clerk,
        id_number=ID,
        outcome=IntakeOutcome.INFORM,
        informed_department=naiman.departments.get(code="hrss"),
    )
    a = intake(intake_clerk, id_number=ID)
    b = intake(intake_clerk, id_number=ID, outcome=IntakeOutcome.OWN)
    changed = correct(a, intake_clerk, name="张叁", phone="13900001111")
    assert {c.pk for c in changed} == {a.pk, b.pk}
    for case in (a, b):
        case = Case.objects.select_related("payer").get(pk=case.pk)
        assert (case.payer.name, case.payer.phone) == ("张叁", "13900001111")
        event = case.events.get(kind=EventKind.CHANGED)
        assert event.actor == intake_clerk and event.data["reason"] == "身份证件核对后更正"
        assert event.data["fields"] == ["name", "phone"] and "13900001111" not in str(event.data)
    closed = Case.objects.select_related("payer").get(pk=closed.pk)
    assert closed.state == CaseState.INFORMED and closed.payer.name == "张三"
    assert not closed.events.filter(kind=EventKind.CHANGED).exists()
    assert Payer.objects.get().name == "张叁"
    with pytest.raises(ValidationError) as refused:  # a closed case: the correction starts elsewhere
        correct(closed, intake_clerk, name="王五")
    assert "已办结" in str(refused.value)


def test_correction_refuses_a_sealed_case_and_never_touches_one(intake_clerk, naiman, settings, tmp_path: Path) -> None:
    """四(七): a sealed dossier is final. Issue 11: correcting never touches a sealed case."""
    from fengqiao.archive.services import dossier_seal

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    sealed = intake(
        intake_clerk,
        id_number=ID,
        outcome=IntakeOutcome.INFORM,
        informed_department=naiman.departments.get(code="hrss"),
    )
    dossier_seal(case=sealed, actor=intake_clerk)
    sealed.refresh_from_db()
    assert sealed.state == CaseState.ARCHIVED
    events = sealed.events.count()
    with pytest.raises(ValidationError) as refused:
        correct(sealed, intake_clerk, name="张叁")
    assert "归档" in str(refused.value)
    open_case = intake(intake_clerk, id_number=ID)
    correct(open_case, intake_clerk, name="张叁")
    sealed = Case.objects.select_related("payer").get(pk=sealed.pk)
    assert sealed.payer.name == "张三" and sealed.events.count() == events


def test_correction_page_and_api(client_for, intake_clerk, hrss_handler) -> None:
    case = intake(intake_clerk, id_number=ID)
    url = reverse("case-party-correct", args=[case.number, "payer"])
    assert client_for(hrss_handler).get(url).status_code == 404  # cannot see the case
    c = client_for(intake_clerk)
    assert c.get(url).status_code == 200
    bad = c.post(url, {"name": "张叁", "phone": "13812345678", "reason": "", "version": case.version})
    assert bad.status_code == 200 and "更正理由" in bad.content.decode()
    ok = c.post(url, {"name": "张叁", "phone": "13812345678", "reason": "证件核对", "version": case.version})
    assert ok.status_code == 302
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(intake_clerk)
    path = f"/api/v1/cases/{case.number}/parties/payer/correction/"
    missing = api.post(path, {"name": "张叁丰", "phone": "13812345678"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = api.post(path, {"name": "张叁丰", "phone": "13812345678", "reason": "证件核对更正"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["cases"] == [case.number]
    assert Case.objects.select_related("payer").get(pk=case.pk).payer.name == "张叁丰"


def test_intake_of_a_known_person_stays_within_its_queries(intake_clerk) -> None:
    """The party copy costs one insert per party; a known identity is read once, never written."""
    intake(intake_clerk, id_number=ID)
    data = intake_data(intake_clerk, id_number=ID)
    with CaptureQueriesContext(connection) as queries:
        case_register(actor=intake_clerk, data=data)
    payer_writes = [q["sql"] for q in queries if "cases_payer" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert payer_writes == []
    assert len(queries) <= 30, [q["sql"] for q in queries]


def _panel_post(**overrides: Any) -> dict[str, Any]:
    return {
        "payer_kind": "person",
        "payer_name": "李四",
        "id_number": ID,
        "categories": ["04"],
        **overrides,
    }


def test_the_live_panel_warns_of_a_known_id_with_another_name_before_submitting(
    client_for, intake_clerk, django_assert_num_queries
) -> None:
    """Issue 11 §3: a clerk who enters a known ID number with another name is warned at intake
    (the earlier name masked as 五(三) allows), already in the live duplicates panel, with the
    confirmation the registration asks for next to it; the same name gives no warning."""
    earlier = intake(intake_clerk, id_number=ID, name="张三")
    c = client_for(intake_clerk)
    url = reverse("case-intake-duplicates")
    c.post(url, _panel_post(), HTTP_HX_REQUEST="true")  # the session and the user are loaded once
    # Constant, whatever the number of cases: the session, the user and roles, the categories
    # chosen, the duplicates and their categories, and one look-up of the known name.
    with django_assert_num_queries(9):
        panel = c.post(url, _panel_post(), HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert panel.status_code == 200
    assert "张*" in html and "张三" not in html and "“李四”" in html
    assert 'name="name_confirmed"' in html and "checked" not in html.split('name="name_confirmed"')[1][:40]
    assert earlier.number in html  # the duplicate itself is listed as before
    # A tick survives a refresh of the panel (another category chosen), and is what the
    # registration needs.
    ticked = c.post(url, _panel_post(name_confirmed="on", categories=["03"]), HTTP_HX_REQUEST="true")
    assert 'name="name_confirmed" id="id_name_confirmed" checked' in ticked.content.decode()
    same = c.post(url, _panel_post(payer_name="张三"), HTTP_HX_REQUEST="true").content.decode()
    assert 'name="name_confirmed"' not in same and "不一致" not in same
    unknown = c.post(url, _panel_post(id_number="11010519491231002X"), HTTP_HX_REQUEST="true").content.decode()
    assert "不一致" not in unknown


def test_the_live_panel_warns_of_an_employer_and_of_the_other_party(client_for, intake_clerk) -> None:
    """The same for a credit code, the payer's or the other party's (四(一) 争议另一方)."""
    employer = PayerData(
        kind=PayerKind.EMPLOYER, name="奈曼旗宏达商贸有限公司", payer_group=PayerGroup.EMPLOYER, credit_code=CODE
    )
    intake(intake_clerk, id_number=ID, name="张三", other_party=employer)
    c = client_for(intake_clerk)
    url = reverse("case-intake-duplicates")
    as_payer = c.post(
        url,
        {"payer_kind": "employer", "payer_name": "奈曼旗宏达商贸公司", "credit_code": CODE, "categories": ["04"]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "统一社会信用代码" in as_payer and "奈曼旗大" not in as_payer and "宏达商贸有限公司" not in as_payer
    assert 'name="name_confirmed"' in as_payer
    as_other = c.post(
        url,
        _panel_post(payer_name="张三", other_kind="employer", other_name="宏达公司", other_credit_code=CODE),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "“宏达公司”" in as_other and 'name="name_confirmed"' in as_other


def test_the_intake_page_shows_the_confirmation_once_after_a_refused_submit(client_for, intake_clerk) -> None:
    """After a submit refused for another name, the page shows the warning in the panel with
    one confirmation box; ticking it registers (the earlier case unchanged)."""
    earlier = intake(intake_clerk, id_number=ID, name="张三")
    c = client_for(intake_clerk)
    post = {
        **_panel_post(),
        "payer_group": "flexible",
        "phone": "13812345678",
        "channel": "window",
        "received_at": "2026-02-13T09:30",
        "township": "150525100",
        "summary": "缴费基数有异议",
        "outcome": IntakeOutcome.REVIEW,
    }
    html = c.post(reverse("case-intake"), post).content.decode()
    assert html.count('name="name_confirmed"') == 1
    assert 'id="name-conflict"' in html
    assert c.post(reverse("case-intake"), {**post, "name_confirmed": "on"}).status_code == 302
    earlier.refresh_from_db()
    assert earlier.payer.name == "张三"
