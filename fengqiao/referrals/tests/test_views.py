"""The staff pages of 报送办理: each path through the UI with the personas who may act, and the
refusals for those who may not (CONVENTIONS 12); list query counts (CONVENTIONS 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fengqiao.cases.states import CaseState
from fengqiao.referrals.models import ReferralStatus
from fengqiao.referrals.tests.helpers import dept, feedback_fields, referral_of, referred_case

pytestmark = pytest.mark.django_db

START = "2026-03-02 10:00"


def _step(client: Any, referral: Any, step: str, **data: Any) -> Any:
    referral.refresh_from_db()
    return client.post(reverse("referral-step", args=[referral.pk, step]), {"version": referral.version, **data})


def _feedback_post(referral: Any) -> dict[str, Any]:
    fields = feedback_fields(referral.case)
    fields["remedies"] = "\n".join(f"{r['kind']}|{r['body']}|{r['deadline']}" for r in fields["remedies"])
    return fields


def test_dispatched_and_handled_through_the_pages(client_for, intake_clerk, hotline_officer, hrss_handler, frozen_time):
    frozen_time(START)
    case = referred_case(intake_clerk)
    referral = referral_of(case)
    office = client_for(hotline_officer)
    page = office.get(reverse("referral-desk"))
    assert page.status_code == 200 and case.number in page.content.decode()
    detail = office.get(reverse("referral-detail", args=[referral.pk]))
    assert detail.status_code == 200 and "派单" in detail.content.decode()
    assert _step(office, referral, "work_order", work_order_number="NM-9").status_code == 302
    assert _step(office, referral, "dispatch", department="hrss", kind="complaint").status_code == 302
    handler = client_for(hrss_handler)
    assert _step(handler, referral, "sign").status_code == 302
    response = _step(handler, referral, "feedback", **_feedback_post(referral))
    assert response.status_code == 302, response.content.decode()[:2000]
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.status == ReferralStatus.ANSWERED and case.state == CaseState.DECIDED


def test_returned_redispatched_designated_through_the_pages(
    client_for, persona, intake_clerk, hotline_officer, frozen_time
):
    from fengqiao.handling.tests.handling_helpers import worker

    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    office = client_for(hotline_officer)
    county = hotline_officer.jurisdiction
    for code in ("hrss", "medical", "finance"):
        office = client_for(hotline_officer)
        assert _step(office, referral, "dispatch", department=code).status_code == 302
        dept_client = client_for(worker(county, code))
        assert _step(dept_client, referral, "return", reason="不属本部门职责").status_code == 302
    office = client_for(hotline_officer)
    refused = _step(office, referral, "dispatch", department="justice")
    assert refused.status_code == 400 and "指定" in refused.content.decode()
    assert _step(office, referral, "designate", department="hrss").status_code == 302
    referral.refresh_from_db()
    assert referral.designated and referral.department is not None and referral.department.code == "hrss"


def test_refused_and_transferred_through_the_pages(
    client_for, intake_clerk, hotline_officer, hrss_handler, discipline_liaison, frozen_time
) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    referral = referral_of(case)
    assert _step(client_for(hotline_officer), referral, "dispatch", department="hrss").status_code == 302
    assert _step(client_for(hrss_handler), referral, "return", reason="不属本部门职责").status_code == 302
    assert _step(client_for(hotline_officer), referral, "reject_return", reason="理由不成立").status_code == 302
    frozen_time("2026-03-05 10:00")
    clerk = client_for(intake_clerk)
    assert "移交纪委监委" in clerk.get(reverse("referral-detail", args=[referral.pk])).content.decode()
    assert _step(clerk, referral, "transfer", note="拒不签收").status_code == 302
    liaison = client_for(discipline_liaison)
    page = liaison.get(reverse("discipline-transfer-list"))
    assert page.status_code == 200 and case.number in page.content.decode()
    letter = referral.transfer.letter
    assert letter is not None
    pdf = liaison.get(reverse("case-document-download", args=[case.number, letter.pk, "pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    case_page = liaison.get(reverse("case-detail", args=[case.number]))
    assert case_page.status_code == 200 and "报送办理" in case_page.content.decode()


def test_anonymous_is_sent_to_sign_in(client, intake_clerk, frozen_time) -> None:
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    for url in (
        reverse("referral-desk"),
        reverse("referral-detail", args=[referral.pk]),
        reverse("discipline-transfer-list"),
    ):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("who,status", [("outsider", 404), ("medical_handler", 404), ("hrss_handler", 200)])
def test_referral_page_is_scoped(who, status, persona, client_for, intake_clerk, hotline_officer, frozen_time):
    from fengqiao.referrals import services

    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    hrss = dept("hrss", hotline_officer.jurisdiction)
    services.referral_dispatch(referral=referral, actor=hotline_officer, department=hrss)
    assert client_for(persona(who)).get(reverse("referral-detail", args=[referral.pk])).status_code == status


def test_who_may_read_but_not_act_gets_403(client_for, intake_clerk, hotline_officer, group_office, frozen_time):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    # The receiving department and the group office see the referral but may not dispatch it.
    for staff in (intake_clerk, group_office):
        client = client_for(staff)
        assert client.get(reverse("referral-detail", args=[referral.pk])).status_code == 200
        assert _step(client, referral, "dispatch", department="hrss").status_code == 403
    # The hotline office may not sign for it.
    assert _step(client_for(hotline_officer), referral, "sign").status_code == 403


@pytest.mark.parametrize("who", ["outsider", "group_leader"])
def test_desk_and_transfer_list_refuse_other_roles(who, persona, client_for) -> None:
    client = client_for(persona(who))
    assert client.get(reverse("referral-desk")).status_code == 403
    assert client.get(reverse("discipline-transfer-list")).status_code == 403


def test_nav_items(client_for, hotline_officer, discipline_liaison) -> None:
    assert "热线办" in client_for(hotline_officer).get(reverse("home")).content.decode()
    assert "移交线索" in client_for(discipline_liaison).get(reverse("home")).content.decode()


def test_desk_query_count_does_not_grow(client_for, intake_clerk, hotline_officer, frozen_time) -> None:
    frozen_time(START)
    referred_case(intake_clerk)
    client = client_for(hotline_officer)
    url = reverse("referral-desk") + "?view=all"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(3):
        referred_case(intake_clerk, id_number=["150525199001010015", "150525199202020011", "15052519930303001X"][n])
    with CaptureQueriesContext(connection) as four:
        page = client.get(url)
    assert page.content.decode().count("/referrals/") >= 4
    assert len(four) == len(one)


@pytest.mark.parametrize("who", ["hotline_officer", "intake_clerk"])
def test_case_page_shows_the_referral(who, persona, client_for, intake_clerk, frozen_time) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    page = client_for(persona(who)).get(reverse("case-detail", args=[case.number]))
    assert page.status_code == 200
    assert reverse("referral-detail", args=[referral_of(case).pk]) in page.content.decode()
