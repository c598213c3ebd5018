"""五(四) 严格责任追究 on the pages and the API: who reads which records (the office, the leaders and
the 纪委监委 liaison all of the county; a department head those naming the department), the
person's name shown to the county-wide readers only, bad input per field, the to-do entry and
the list's query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.accountability import services
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.accountability.tests.helpers import dept
from fengqiao.core.todo import todo_for

pytestmark = pytest.mark.django_db


def _enter(
    office, county, code="tax", person=None, facts="超期未办结，经督办仍未办理", **extra
) -> AccountabilityRecord:
    return services.record_enter(
        actor=office,
        data=services.RecordData(
            department=dept(code, county), person=person, failure=Failure.MANUAL, facts=facts, **extra
        ),
    )


@pytest.fixture
def records(group_office, tax_handler, naiman) -> dict[str, AccountabilityRecord]:
    return {
        "tax": _enter(group_office, naiman, person=tax_handler),
        "hrss": _enter(group_office, naiman, code="hrss"),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("group_office", {"tax", "hrss"}),
        ("group_leader", {"tax", "hrss"}),
        ("discipline_liaison", {"tax", "hrss"}),
        ("department_head", {"tax"}),  # 税务部门负责人
        ("tax_handler", set()),
        ("intake_clerk", set()),
        ("hotline_officer", set()),
        ("outsider", set()),
    ],
)
def test_scope(who, sees, persona, records, client_for) -> None:
    """五(四) with 五(三): the office, the leaders and the liaison read all records of the county, a
    department's head those naming it; anyone else none, and a hidden record is a 404."""
    client = client_for(persona(who))
    for key, record in records.items():
        page = client.get(reverse("accountability-detail", args=[record.pk]))
        api = client.get(reverse("api-accountability-record", args=[record.pk]))
        expected = 200 if key in sees else 404
        assert (page.status_code, api.status_code) == (expected, expected), key
    listed = {r["department"] for r in client.get(reverse("api-accountability-records")).json()}
    assert listed == sees


@pytest.mark.parametrize(
    ("who", "shown"), [("group_office", True), ("discipline_liaison", True), ("department_head", False)]
)
def test_the_persons_name_is_shown_to_the_county_wide_readers_only(who, shown, persona, records, client_for) -> None:
    """五(三)(四): a person named in a record is named to the office, the leaders and the liaison."""
    client = client_for(persona(who))
    record = records["tax"]
    page = client.get(reverse("accountability-detail", args=[record.pk])).content.decode()
    assert ("税务经办人" in page) is shown
    assert ("税务经办人" in client.get(reverse("accountability-list")).content.decode()) is shown
    person = client.get(reverse("api-accountability-record", args=[record.pk])).json()["person"]
    assert (person == "税务经办人") is shown


def test_the_office_confirms_and_dismisses_on_the_pages(records, group_office, client_for) -> None:
    """五(四): confirm with the decision taken; dismiss with a reason — a blank one is refused
    beside its field and nothing changes."""
    client = client_for(group_office)
    tax, hrss = records["tax"], records["hrss"]
    refused = client.post(reverse("accountability-dismiss", args=[hrss.pk]), {"reason": "", "version": 1})
    assert refused.status_code == 400 and "请写明不予追究的理由" in refused.content.decode()
    hrss.refresh_from_db()
    assert hrss.status == RecordStatus.PROPOSED
    done = client.post(reverse("accountability-confirm", args=[tax.pk]), {"decision": "通报批评", "version": 1})
    assert done.status_code == 302
    tax.refresh_from_db()
    assert (tax.status, tax.decision) == (RecordStatus.CONFIRMED, "通报批评")
    stale = client.post(reverse("accountability-dismiss", args=[hrss.pk]), {"reason": "有正当理由", "version": 9})
    assert stale.status_code == 302
    hrss.refresh_from_db()
    assert hrss.status == RecordStatus.PROPOSED


@pytest.mark.parametrize("who", ["group_leader", "discipline_liaison", "department_head"])
def test_readers_may_not_decide(who, persona, records, client_for) -> None:
    """五(四): reading a record is not deciding it (403)."""
    client = client_for(persona(who))
    record = records["tax"]
    assert client.post(reverse("accountability-confirm", args=[record.pk]), {"decision": "x"}).status_code == 403
    api = client.post(
        reverse("api-accountability-record-dismiss", args=[record.pk]), {"reason": "x"}, "application/json"
    )
    assert api.status_code == 403
    assert client.get(reverse("accountability-create")).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("department", "0", "选择一个有效的选项"),
        ("failure", "nonsense", "选择一个有效的选项"),
        ("facts", "", "请写明事实"),
        ("case", "150525-2026-9999", "找不到案件"),
        ("item", "舆-150525-2026-9999", "找不到舆情"),
        ("person", "PERSON_OF_HRSS", "责任人须为责任部门的工作人员"),
    ],
)
def test_hand_entry_page_names_the_bad_field(
    field, value, message, group_office, hrss_handler, client_for, naiman
) -> None:
    """五(四) 人工录入: a bad field is refused beside it; nothing is saved."""
    data = {
        "department": dept("tax", naiman).pk,
        "failure": Failure.MANUAL,
        "facts": "经核查属实",
        "case": "",
        "item": "",
    }
    data[field] = hrss_handler.pk if value == "PERSON_OF_HRSS" else value
    page = client_for(group_office).post(reverse("accountability-create"), data)
    assert page.status_code == 200
    body = page.content.decode()
    assert message in body
    assert f'id="err-{field}"' in body and body.index(message) > body.index(f'id="f-{field}"')
    assert not AccountabilityRecord.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("department", "nowhere"),
        ("failure", "nonsense"),
        ("facts", ""),
        ("case", "150525-2026-9999"),
        ("item", "舆-150525-2026-9999"),
        ("person", "nobody"),
    ],
)
def test_hand_entry_api_names_the_bad_field(field, value, group_office, client_for) -> None:
    """五(四) 人工录入 through the API: a 400 keyed by the field; nothing is saved."""
    body = {"department": "tax", "failure": "manual", "facts": "经核查属实", field: value}
    answer = client_for(group_office).post(reverse("api-accountability-records"), body, "application/json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not AccountabilityRecord.objects.exists()


def test_api_enters_confirms_and_refuses_a_stale_version(group_office, client_for) -> None:
    """五(四): the same services through the API; a stale version is a 409."""
    client = client_for(group_office)
    made = client.post(
        reverse("api-accountability-records"),
        {"department": "hrss", "failure": "manual", "facts": "未按期回复报送单"},
        "application/json",
    )
    assert made.status_code == 201 and made.json()["status"] == RecordStatus.PROPOSED
    pk = made.json()["id"]
    url = reverse("api-accountability-record-confirm", args=[pk])
    assert client.post(url, {"decision": "约谈", "version": 5}, "application/json").status_code == 409
    assert client.post(url, {"decision": ""}, "application/json").status_code == 400
    done = client.post(url, {"decision": "约谈", "version": 1}, "application/json")
    assert done.status_code == 200 and done.json()["status"] == RecordStatus.CONFIRMED


def test_proposals_wait_in_the_offices_to_do_list(records, group_office, group_leader) -> None:
    """五(四): each proposal waits on the group office until it is decided."""
    rows = [i for i in todo_for(group_office).items if i.source == "accountability.decide"]
    assert len(rows) == 2 and all("/accountability/" in i.url for i in rows)
    assert not [i for i in todo_for(group_leader).items if i.source == "accountability.decide"]
    services.record_dismiss(record=records["tax"], actor=group_office, reason="已另案处理")
    assert len([i for i in todo_for(group_office).items if i.source == "accountability.decide"]) == 1


def test_list_filters(records, group_office, client_for) -> None:
    """五(四): the list filters by status, failure and department."""
    client = client_for(group_office)
    services.record_confirm(record=records["tax"], actor=group_office, decision="通报批评")
    assert [
        r["department"] for r in client.get(reverse("api-accountability-records") + "?status=confirmed").json()
    ] == ["tax"]
    assert [r["department"] for r in client.get(reverse("api-accountability-records") + "?department=hrss").json()] == [
        "hrss"
    ]
    assert client.get(reverse("api-accountability-records") + "?failure=opinion_incident").json() == []
    page = client.get(reverse("accountability-list") + "?status=proposed&department=hrss")
    assert page.status_code == 200 and page.content.decode().count("/accountability/") >= 2


def test_list_query_count_does_not_grow(group_office, tax_handler, naiman, client_for) -> None:
    """CONVENTIONS 13: the list page and the API list read the same statements for 1 or 5 rows."""
    _enter(group_office, naiman, person=tax_handler)
    client = client_for(group_office)
    urls = [reverse("accountability-list"), reverse("api-accountability-records")]
    for url in urls:
        client.get(url)
    before = []
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        before.append(len(one))
    for _n in range(4):
        _enter(group_office, naiman, code="hrss", person=None)
    for url, n in zip(urls, before, strict=True):
        with CaptureQueriesContext(connection) as five:
            assert client.get(url).status_code == 200
        assert len(five) == n, url
