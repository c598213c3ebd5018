"""Following a case (issue 14 §1, §2): the number with the query code or with a one-time SMS
code; the status page in plain words, with no staff data; every failure answers the same."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.cases.models import Case, CaseEvent, EventKind, PayerKind
from fengqiao.cases.services import PayerData, case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.integrations.models import OutboxMessage
from fengqiao.org.models import Department, Jurisdiction, Staff
from fengqiao.portal.models import LookupFailure, OneTimeCode
from fengqiao.portal.services import query_code_of
from fengqiao.portal.tests.helpers import id_number, private_cache, without_token

__all__ = ["private_cache"]

pytestmark = pytest.mark.django_db

OTHER_NAME = "某某劳务派遣有限公司"

OPINION = "内部书面意见：建议核减缴费基数"


@pytest.fixture
def case(naiman: Jurisdiction, intake_clerk: Staff, persona: Any) -> Case:
    """A window case with another party, routed for joint handling, and an internal event."""
    from fengqiao.core.identifiers import validate_social_credit_code

    other = PayerData(kind=PayerKind.EMPLOYER, name=OTHER_NAME, payer_group="employer", credit_code=_credit())
    validate_social_credit_code(other.credit_code)
    registered = intake(intake_clerk, id_number=id_number(21), other_party=other)
    hrss = Department.objects.get(jurisdiction=naiman, code="hrss")
    medical = Department.objects.get(jurisdiction=naiman, code="medical")
    routed = case_review(
        case=registered,
        actor=intake_clerk,
        classification=Classification.GENERAL,
        lead_department=hrss,
        co_departments=[medical],
    )
    CaseEvent.objects.create(case=routed, at=timezone.now(), actor=intake_clerk, kind=EventKind.NOTE, summary=OPINION)
    return Case.objects.get(pk=routed.pk)


def _credit() -> str:
    from fengqiao.core.identifiers import social_credit_check_char

    first17 = "91150525MA0N7KQB0"
    return first17 + social_credit_check_char(first17)


def later(*, seconds: int) -> str:
    """A moment ``seconds`` from now, as ``frozen_time`` takes it (local time)."""
    return timezone.localtime(timezone.now() + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def lookup(client: Client, number: str, code: str) -> Any:
    return client.post("/payer/lookup/", {"number": number, "code": code})


def test_query_code_opens_the_status_page(case: Case, client: Client) -> None:
    """受理告知书 "可凭案件编号查询办理进度": number + query code → the status page."""
    response = lookup(client, case.number, query_code_of(case).lower())  # typed in lower case: accepted
    assert response.status_code == 302 and response["Location"] == f"/payer/cases/{case.number}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "相关部门正在联合办理" in text  # PAYER_STATE, plain words
    assert "奈曼旗人力资源和社会保障局" in text  # the lead department holds it, by name
    assert "受理登记" in text and "分派相关部门联合办理" in text  # the steps, payer wording
    due = case.due_on
    assert due is not None and f"{due.year}年{due.month}月{due.day}日" in text  # the current limit


def test_status_page_shows_no_staff_data(case: Case, client: Client, intake_clerk: Staff) -> None:
    """Issue 14 §2: no internal opinions or summaries, no staff names, no other party's data;
    the payer's own ID number never in full."""
    lookup(client, case.number, query_code_of(case))
    text = client.get(f"/payer/cases/{case.number}/").content.decode()
    for secret in (OPINION, intake_clerk.name, intake_clerk.username, OTHER_NAME, _credit(), id_number(21)):
        assert secret not in text, secret
    for event in case.events.all():
        assert event.summary not in text, event.summary
    assert "工作台" not in text and "退出" not in text  # no staff navigation


def test_status_page_query_count(case: Case, client: Client) -> None:
    """The status page's reads do not grow with the timeline (one read of the steps)."""
    lookup(client, case.number, query_code_of(case))
    client.get(f"/payer/cases/{case.number}/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/payer/cases/{case.number}/")
    for n in range(10):
        CaseEvent.objects.create(case=case, at=timezone.now(), actor=None, kind=EventKind.NOTE, summary=f"备注{n}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"/payer/cases/{case.number}/").status_code == 200
    assert len(large) == len(small) <= 20, "\n".join(q["sql"][:100] for q in large.captured_queries)


def test_case_page_without_grant_is_404_like_unknown(case: Case, client: Client) -> None:
    """access.payer_case: a case not granted answers as a number that does not exist."""
    known = client.get(f"/payer/cases/{case.number}/")
    unknown = client.get("/payer/cases/150525-2026-999999/")
    assert known.status_code == unknown.status_code == 404
    assert known.content.decode().replace(case.number, "N") == unknown.content.decode().replace(
        "150525-2026-999999", "N"
    )


def test_grant_idles_out(case: Case, client: Client, settings: Any, frozen_time: Any) -> None:
    """A payer's session idles out as a staff session does (FENGQIAO_SESSION_IDLE_SECONDS)."""
    lookup(client, case.number, query_code_of(case))
    assert client.get(f"/payer/cases/{case.number}/").status_code == 200
    frozen_time(later(seconds=settings.FENGQIAO_SESSION_IDLE_SECONDS + 60))
    assert client.get(f"/payer/cases/{case.number}/").status_code == 404


def test_guesses_fail_the_same_way(case: Case, client: Client, naiman: Jurisdiction, intake_clerk: Staff) -> None:
    """Issue 14 §2: a wrong code for a real number, an unknown number and another payer's code
    give one and the same answer (status and text): nothing tells that a number exists."""
    another = intake(intake_clerk, id_number=id_number(22))
    answers = [
        lookup(client, case.number, "ABCDEFGH"),
        lookup(client, "150525-2026-999999", "ABCDEFGH"),
        lookup(client, case.number, query_code_of(another)),
        lookup(client, "", ""),
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({without_token(a.content.decode()) for a in answers}) == 1
    assert "查询失败" in answers[0].content.decode()
    assert case.number not in answers[0].content.decode()


def _sms_code(number: str) -> str:
    message = OutboxMessage.objects.filter(event_type="portal.sms_code", payload__case=number).latest("pk")
    found = re.search(r"验证码为(\d{6})", message.payload["text"])
    assert found
    return found.group(1)


def sms_request(client: Client, number: str) -> Any:
    return client.post("/payer/lookup/sms/", {"step": "send", "number": number})


def sms_verify(client: Client, number: str, code: str) -> Any:
    return client.post("/payer/lookup/sms/", {"step": "verify", "number": number, "code": code})


def test_sms_code_opens_the_case_once(case: Case, client: Client) -> None:
    """One-time SMS code (design): 6 digits to the phone on the case's payer record, stored
    hashed, single use."""
    answer = sms_request(client, case.number)
    assert answer.status_code == 200 and "验证码已发送" in answer.content.decode()
    message = OutboxMessage.objects.get(event_type="portal.sms_code")
    assert message.recipient == case.payer.phone and message.channel == "sms"
    code = _sms_code(case.number)
    assert code not in OneTimeCode.objects.get().digest
    assert case.payer.phone not in answer.content.decode()  # the phone is never shown
    assert sms_verify(client, case.number, code)["Location"] == f"/payer/cases/{case.number}/"
    replay = sms_verify(Client(), case.number, code)  # replayed: fails
    assert replay.status_code == 200 and "查询失败" in replay.content.decode()


def test_sms_request_answers_the_same_for_any_number(case: Case, client: Client) -> None:
    """Issue 14 §2 (whether a guessed number exists is never told): the request page reads the
    same for a real and an unknown number; only the real one gets an SMS."""
    real = sms_request(client, case.number).content.decode().replace(case.number, "N")
    fake = sms_request(client, "150525-2026-999999").content.decode().replace("150525-2026-999999", "N")
    assert without_token(real) == without_token(fake)
    assert OutboxMessage.objects.filter(event_type="portal.sms_code").count() == 1


def test_sms_code_expires(case: Case, client: Client, settings: Any, frozen_time: Any) -> None:
    """The code is valid FENGQIAO_PORTAL_SMS_CODE_SECONDS (10 minutes)."""
    sms_request(client, case.number)
    code = _sms_code(case.number)
    frozen_time(later(seconds=settings.FENGQIAO_PORTAL_SMS_CODE_SECONDS + 1))
    answer = sms_verify(client, case.number, code)
    assert answer.status_code == 200 and "查询失败" in answer.content.decode()


def test_five_wrong_codes_lock_the_number(case: Case, client: Client, frozen_time: Any) -> None:
    """Design: 5 wrong codes for a number lock it for 30 minutes — the right code then fails
    the same way; after 30 minutes it works again."""
    sms_request(client, case.number)
    code = _sms_code(case.number)
    failed = [sms_verify(client, case.number, "000000") for _ in range(5)]
    locked_answer = sms_verify(client, case.number, code)
    assert locked_answer.status_code == 200
    assert without_token(locked_answer.content.decode()) == without_token(failed[0].content.decode())
    assert lookup(client, case.number, query_code_of(case)).status_code == 200  # the query code is locked too
    assert LookupFailure.objects.count() == 7
    frozen_time(later(seconds=31 * 60))
    assert lookup(client, case.number, query_code_of(case)).status_code == 302


def test_lookup_audited_without_staff(case: Case, client: Client) -> None:
    """The payer's lookups are in the audit trail with no staff user (docs/audit.md)."""
    from fengqiao.audit.models import AuditRecord

    lookup(client, case.number, "ABCDEFGH")
    lookup(client, case.number, query_code_of(case))
    failed, granted = AuditRecord.objects.order_by("pk").filter(actor_name="缴费人")
    assert failed.result == "denied" and failed.case_id is None and failed.actor_id is None
    assert granted.case_id == case.pk and granted.actor_id is None
    # The payer's own actions, not staff sign-ins: the auditor's count of failed sign-ins stays true.
    assert (failed.action, granted.action) == ("payer_lookup_failed", "payer_lookup")
    assert not AuditRecord.objects.filter(action__in=["sign_in", "sign_in_failed"]).exists()


def test_a_server_error_on_the_payer_pages_is_the_payers_own_page(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure under /payer/ answers with the payer's page, not the staff frame and its 回到工作台."""
    from fengqiao.portal import views

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", broken)
    client.raise_request_exception = False
    answer = client.get("/payer/")
    assert answer.status_code == 500
    page = answer.content.decode()
    assert "系统出错" in page and "线上枫桥" in page and "工作台" not in page


def test_the_payers_visits_only_arranged_then_done(case: Case) -> None:
    """The steps list says 安排回访 then 完成回访 for the payer's own visit (not 回访 twice), and
    never shows the other party's visits (五(三): no other person's data)."""
    from django.utils import timezone

    from fengqiao.cases.models import CaseEvent, EventKind
    from fengqiao.portal.selectors import payer_steps

    now = timezone.now()
    for data in (
        {"visit": 1, "party": "payer", "scheduled_on": "2026-03-02"},
        {"visit": 2, "party": "other_party", "scheduled_on": "2026-03-02"},
        {"visit": 1, "party": "payer", "method": "phone", "satisfaction": "satisfied", "objects": False},
        {"visit": 2, "party": "other_party", "method": "phone", "satisfaction": "satisfied", "objects": False},
    ):
        CaseEvent.objects.create(case=case, at=now, actor=None, kind=EventKind.VISIT, summary="回访", data=data)
    texts = [step.text for step in payer_steps(case)]
    assert texts[-2:] == ["安排回访", "完成回访"] and texts.count("安排回访") == 1
