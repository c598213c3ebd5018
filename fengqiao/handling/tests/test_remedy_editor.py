"""One remedy editor (issue 11 §5) for the decision editor and the 12345 referral answer.

行政复议法第二十条 / 行政诉讼法第四十六条: the decision tells the payer each 救济途径 with its
受理机关 and 期限. The editor shows each remedy as a labelled row (途径 / 受理机关 / 期限 / 依据),
ignores blank rows, and names the row and the field of an error, on the pages and in the API;
nothing is saved when a row is wrong. The 处理结论 is not assumed (no default 支持), and the
legal bases of several opinions are listed once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fengqiao.handling import remedies, selectors, services
from fengqiao.handling.forms import DecisionForm
from fengqiao.handling.models import Decision
from fengqiao.handling.tests.handling_helpers import (
    complete,
    file_storage,
    general_case,
    head,
    task_of,
)
from fengqiao.referrals import services as referral_services
from fengqiao.referrals.models import Referral, ReferralStatus
from fengqiao.referrals.tests.helpers import dept, feedback_fields, referral_of, referred_case

__all__ = ["file_storage"]

pytestmark = pytest.mark.django_db


def _rows(rows: list[dict[str, str]], prefix: str = "remedies") -> dict[str, str]:
    out: dict[str, str] = {}
    for i, r in enumerate(rows):
        for key in ("kind", "body", "deadline", "basis"):
            out[f"{prefix}-{i}-{key}"] = r.get(key, "")
    return out


def _decision_post(case: Any, rows: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "request": "请求按实际收入核定缴费基数",
        "facts_and_reasons": "经联合核查，核定无误。",
        "result": "explain",
        "legal_basis": "《中华人民共和国社会保险法》第六十条",
        "version": 0,
        "action": "save",
        **_rows(rows),
        **extra,
    }


@pytest.fixture
def case(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler):
    case = general_case(intake_clerk, naiman)
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), hrss_handler, head(naiman, "hrss"))
    complete(task_of(case, "medical"), medical_handler, head(naiman, "medical"))
    return case


def test_the_decision_editor_shows_labelled_rows_and_no_default_result(case, intake_clerk, client: Client) -> None:
    """Every remedy input has a label; 处理结论 starts unchosen (every opinion may refuse)."""
    client.force_login(intake_clerk)
    page = client.get(reverse("case-decision", args=[case.number])).content.decode()
    defaults = selectors.remedies_default(case=case)
    for i in range(len(defaults) + remedies.BLANK_ROWS):
        for key, label in remedies.LABELS.items():
            assert f'<label for="id_remedies-{i}-{key}">{label}' in page, (i, key)
    assert 'value="申请行政复议"' in page
    assert '<option value="" selected>请选择处理结论</option>' in page
    # Missing result: refused with the field named, nothing saved.
    response = client.post(reverse("case-decision", args=[case.number]), _decision_post(case, defaults, result=""))
    assert response.status_code == 400 and "请选择处理结论" in response.content.decode()
    assert not Decision.objects.filter(case=case).exists()


def test_blank_rows_are_ignored_and_errors_name_the_row_and_field(case, intake_clerk, client: Client) -> None:
    """行政复议法第二十条: a remedy names its body and deadline. A half-filled second row is
    refused naming 第2项 and 受理机关、期限; the blank extra rows are ignored."""
    client.force_login(intake_clerk)
    url = reverse("case-decision", args=[case.number])
    rows = [
        {"kind": "申请行政复议", "body": "奈曼旗人民政府", "deadline": "60日内", "basis": ""},
        {"kind": "提起行政诉讼", "body": "", "deadline": "", "basis": ""},
        {},
        {},
    ]
    response = client.post(url, _decision_post(case, rows))
    body = response.content.decode()
    assert response.status_code == 400
    assert "第2项救济途径：请填写受理机关、期限" in body
    assert "第2项受理机关：" in body and "第2项期限：" in body  # the row's own inputs are marked
    assert not Decision.objects.filter(case=case).exists()
    rows[1] = {"kind": "提起行政诉讼", "body": "奈曼旗人民法院", "deadline": "6个月内", "basis": "行政诉讼法第四十六条"}
    assert client.post(url, _decision_post(case, rows)).status_code == 302
    assert Decision.objects.get(case=case).remedies == [
        {"kind": "申请行政复议", "body": "奈曼旗人民政府", "deadline": "60日内", "basis": ""},
        {"kind": "提起行政诉讼", "body": "奈曼旗人民法院", "deadline": "6个月内", "basis": "行政诉讼法第四十六条"},
    ]


def test_the_service_and_api_name_the_row_and_field(case, intake_clerk, client_for) -> None:
    """The same check behind every writer: the service and the API name 第N项 and the field."""
    with pytest.raises(ValidationError) as err:
        services.decision_save(
            case=case,
            actor=intake_clerk,
            request="请求",
            facts_and_reasons="事实",
            result="explain",
            legal_basis="依据",
            remedies=[{"kind": "申请行政复议", "body": "旗政府", "deadline": ""}],
        )
    assert err.value.message_dict["remedies"] == [
        "第1项救济途径：请填写期限（行政复议法第二十条：告知途径、受理机关和期限）。"
    ]
    response = client_for(intake_clerk).put(
        f"/api/v1/cases/{case.number}/decision/",
        {
            "request": "请求",
            "facts_and_reasons": "事实",
            "result": "explain",
            "legal_basis": "依据",
            "remedies": [{"kind": "申请行政复议", "body": "旗政府", "deadline": "60日"}, {"kind": "x"}],
            "version": 0,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "第2项救济途径：请填写受理机关、期限" in response.json()["errors"]["remedies"][0]


@pytest.mark.parametrize("empty", [{}, {"kind": "", "body": " ", "deadline": ""}])
def test_a_remedy_sent_empty_is_refused_not_dropped(case, intake_clerk, client_for, empty) -> None:
    """Issue 13 §5: ``{}`` in the API's list is a remedy the client meant and lost; dropping it
    would issue a decision telling the payer one 救济途径 fewer (行政复议法第二十条)."""
    response = client_for(intake_clerk).put(
        f"/api/v1/cases/{case.number}/decision/",
        {
            "request": "请求",
            "facts_and_reasons": "事实",
            "result": "explain",
            "legal_basis": "依据",
            "remedies": [{"kind": "申请行政复议", "body": "旗政府", "deadline": "60日"}, empty],
            "version": 0,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["remedies"] == ["第2项救济途径是空的：请写明途径、受理机关、期限，或删去该项。"]
    assert not Decision.objects.filter(case=case).exists()


def test_the_page_editors_blank_rows_are_still_not_remedies() -> None:
    """The page offers blank rows for more; posted empty they are no remedy and no error."""
    data = {**_rows([{"kind": "申请行政复议", "body": "旗政府", "deadline": "60日"}, {}, {}])}
    from django.http import QueryDict

    posted = QueryDict(mutable=True)
    posted.update(data)
    value = remedies.RemediesWidget().value_from_datadict(posted, {}, "remedies")
    assert remedies.RemediesField().clean(value) == [
        {"kind": "申请行政复议", "body": "旗政府", "deadline": "60日", "basis": ""}
    ]


def test_legal_bases_of_several_opinions_are_listed_once(case) -> None:
    """The same provision cited by three departments, spelled with and without 《》 or a final
    。, appears once in the first draft."""
    from fengqiao.handling.models import Opinion

    Opinion.objects.filter(task__case=case).update(
        basis="《中华人民共和国社会保险法》第六十条\n中华人民共和国社会保险法第六十条。\n《社会保险费征缴暂行条例》第十条；"
    )
    prefill = selectors.decision_prefill(case=case)
    assert prefill["legal_basis"].splitlines() == [
        "《中华人民共和国社会保险法》第六十条",
        "《社会保险费征缴暂行条例》第十条",
    ]
    assert prefill["result"] == ""


def test_the_form_takes_a_list_json_or_the_old_pipe_lines() -> None:
    base = {"request": "r", "facts_and_reasons": "f", "result": "explain", "legal_basis": "b"}
    row = {"kind": "申请行政复议", "body": "旗政府", "deadline": "60日", "basis": ""}
    for value in (
        [row],
        '[{"kind": "申请行政复议", "body": "旗政府", "deadline": "60日"}]',
        "申请行政复议|旗政府|60日",
    ):
        form = DecisionForm({**base, "remedies": value})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["remedies"] == [row]


@pytest.fixture
def signed_referral(intake_clerk, hotline_officer, hrss_handler, naiman) -> Referral:
    referral = referral_of(referred_case(intake_clerk))
    referral = referral_services.referral_dispatch(
        referral=referral, actor=hotline_officer, department=dept("hrss", naiman)
    )
    return referral_services.referral_sign(referral=referral, actor=hrss_handler)


def test_the_referral_answer_uses_the_same_editor(signed_referral: Referral, hrss_handler, client_for) -> None:
    """The 12345 answer (四(八)) writes the same remedies with the same labelled rows and the same
    errors, starting from the case's default remedies."""
    client = client_for(hrss_handler)
    url = reverse("referral-detail", args=[signed_referral.pk])
    page = client.get(url).content.decode()
    assert '<label for="id_remedies-0-body">受理机关' in page and "途径|受理机关|期限" not in page
    assert 'value="申请行政复议"' in page  # prefilled from the case's defaults
    fields = feedback_fields(signed_referral.case)
    rows = fields.pop("remedies")
    step = reverse("referral-step", args=[signed_referral.pk, "feedback"])
    post = {**fields, **_rows([*rows[:1], {"kind": "申请调解"}, {}]), "version": signed_referral.version}
    response = client.post(step, post)
    assert response.status_code in (200, 400)
    assert "第2项救济途径：请填写受理机关、期限" in response.content.decode()
    signed_referral.refresh_from_db()
    assert signed_referral.status == ReferralStatus.SIGNED  # nothing saved
    post = {**fields, **_rows([*rows, {}, {}]), "version": signed_referral.version}
    assert client.post(step, post).status_code == 302
    signed_referral.refresh_from_db()
    assert signed_referral.status == ReferralStatus.ANSWERED
    assert signed_referral.decision is not None and signed_referral.decision.remedies == [
        {**r, "basis": r.get("basis", "")} for r in rows
    ]
