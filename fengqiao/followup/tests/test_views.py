"""The pages of 结果反馈 (四(四)), 跟踪回访 (四(五)) and 救济途径, end to end through the UI:
no objection → archive; objection → reconsideration → litigation → archive; a changed outcome
→ handling reopens and a new decision is issued. Plus who may use the pages, and bad input."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from fengqiao.cases.states import CaseState
from fengqiao.followup.models import Delivery, Remedy, RemedyKind, Visit
from fengqiao.followup.tests.helpers import (  # noqa: F401
    decided_general_case,
    decided_own_case,
    decided_with_other_party,
    file_storage,
)
from fengqiao.handling.models import Decision, DecisionStatus


def _case_page(client, case) -> str:
    response = client.get(reverse("case-detail", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def _deliver(client, case, **extra):
    data = {"recipient": "payer", "method": "in_person", "recipient_name": "张三", "version": case.version, **extra}
    return client.post(reverse("followup-feedback", args=[case.number]), data)


def _visit(client, case, *, objects: bool):
    visit = Visit.objects.get(case=case, done_at__isnull=True)
    return client.post(
        reverse("followup-visit", args=[visit.pk]),
        {
            "method": "phone",
            "satisfaction": "dissatisfied" if objects else "satisfied",
            "objects_to_decision": "1" if objects else "0",
            "notes": "电话回访",
        },
    )


def test_no_objection_then_archive_through_the_pages(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(四) → 四(五) → 四(七): deliver the notice (送达回证 made), visit, no objection, archive."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    page = _case_page(client, case)
    assert "结果反馈与回访" in page and reverse("followup-feedback", args=[case.number]) in page
    assert client.get(reverse("followup-work")).content.decode().count(case.number) >= 1

    frozen_time("2026-03-03 10:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    form = client.get(reverse("followup-feedback", args=[case.number]))
    assert form.status_code == 200 and "送达方式" in form.content.decode()
    response = _deliver(client, case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    delivery = Delivery.objects.get(case=case)
    assert delivery.receipt_document is not None  # the 送达回证
    page = _case_page(client, case)
    assert delivery.receipt_document.number in page
    visit = Visit.objects.get(case=case)
    assert reverse("followup-visit", args=[visit.pk]) in page
    assert "尚未完成跟踪回访" in page  # the archive section says why not yet

    frozen_time("2026-03-09 15:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    assert _visit(client, case, objects=False).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    page = _case_page(client, case)
    assert reverse("archive-seal", args=[case.number]) in page
    assert client.post(reverse("archive-seal", args=[case.number])).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED
    titles = [i.title for i in case.dossier.items.all()]
    assert any("送达回证" in t for t in titles)
    assert any("回访" in t for t in titles)


def test_objection_reconsideration_litigation_then_archive_through_the_pages(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    _deliver(client, case)
    case.refresh_from_db()
    assert _visit(client, case, objects=True).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REMEDY_TRACKING
    page = _case_page(client, case)
    assert reverse("followup-remedy", args=[case.number]) in page
    assert reverse("archive-seal", args=[case.number]) not in page

    frozen_time("2026-03-20 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    response = client.post(
        reverse("followup-remedy", args=[case.number]),
        {"kind": "reconsideration", "body": "国家税务总局通辽市税务局", "filed_on": "2026-03-20"},
    )
    assert response.status_code == 302
    reconsideration = Remedy.objects.get(case=case)
    assert reconsideration.statutory_deadline == date(2026, 5, 6)
    assert "2026-05-06" in _case_page(client, case)

    frozen_time("2026-05-11 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    check = client.post(
        reverse("followup-remedy-check", args=[reconsideration.pk]),
        {"notes": "复议机关已受理", "next_check_on": "2026-05-20"},
    )
    assert check.status_code == 302
    outcome = client.post(
        reverse("followup-remedy-outcome", args=[reconsideration.pk]),
        {"outcome": "upheld", "outcome_on": "2026-05-08"},
    )
    assert outcome.status_code == 302
    form = client.get(reverse("followup-remedy", args=[case.number]))
    assert f'value="{reconsideration.pk}"' in form.content.decode()  # offered as the previous remedy
    response = client.post(
        reverse("followup-remedy", args=[case.number]),
        {
            "kind": "litigation",
            "body": "奈曼旗人民法院",
            "filed_on": "2026-05-11",
            "previous": str(reconsideration.pk),
        },
    )
    assert response.status_code == 302
    litigation = Remedy.objects.get(case=case, kind=RemedyKind.LITIGATION)
    assert litigation.previous == reconsideration
    assert litigation.statutory_deadline == date(2026, 5, 25)  # 15 days after the reconsideration decision
    assert reverse("archive-seal", args=[case.number]) not in _case_page(client, case)

    frozen_time("2026-08-03 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    client.post(
        reverse("followup-remedy-outcome", args=[litigation.pk]), {"outcome": "upheld", "outcome_on": "2026-07-31"}
    )
    assert client.post(reverse("archive-seal", args=[case.number])).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED
    # The dossier holds the visit record and the remedies record as PDFs.
    items = {i.title: i for i in case.dossier.items.all()}
    assert items["跟踪回访记录表"].filename.endswith(".pdf")
    assert items["救济途径跟踪记录"].filename.endswith(".pdf")


def test_a_changed_outcome_reopens_handling_and_a_new_decision_is_issued(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """An outcome that changes the decision reopens handling; the department writes a new
    decision (starting from the old one) and issues it; follow-up starts again."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    _deliver(client, case)
    case.refresh_from_db()
    _visit(client, case, objects=True)
    frozen_time("2026-03-10 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    client.post(
        reverse("followup-remedy", args=[case.number]),
        {"kind": "reconsideration", "body": "国家税务总局通辽市税务局", "filed_on": "2026-03-09"},
    )
    remedy = Remedy.objects.get(case=case)
    response = client.post(
        reverse("followup-remedy-outcome", args=[remedy.pk]), {"outcome": "changed", "outcome_on": "2026-03-10"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.OWN_HANDLING

    editor = client.get(reverse("case-decision", args=[case.number]))
    text = editor.content.decode()
    assert "处理意见已出具" not in text  # a new draft may be written
    assert "请求按实际收入核定缴费基数" in text  # prefilled from the decision it replaces
    old = Decision.objects.get(case=case)
    remedies = {f"remedy_{k}": [r[k] for r in old.remedies] for k in ("kind", "body", "deadline", "basis")}
    response = client.post(
        reverse("case-decision", args=[case.number]),
        {
            **remedies,
            "request": "请求按实际收入核定缴费基数",
            "facts_and_reasons": "复议机关决定变更，现重新核定。",
            "result": "support",
            "legal_basis": "《中华人民共和国社会保险法》第六十条",
            "version": "0",
            "action": "issue",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    decisions = list(Decision.objects.filter(case=case).order_by("pk"))
    assert [d.status for d in decisions] == [DecisionStatus.ISSUED, DecisionStatus.ISSUED]
    assert decisions[1].document is not None and decisions[1].document != decisions[0].document
    # The new notice is delivered again; the old deliveries stay on record.
    frozen_time("2026-03-11 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    assert _deliver(client, case).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP
    assert Delivery.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("who", ["outsider", "hrss_handler", "group_leader"])
def test_who_may_not_use_the_follow_up_pages(
    request, who, naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, client_for
) -> None:
    """Only the receiving department (首问责任人, its clerks and head) and the group office
    record feedback, visits and remedies; others who see the case get 403, others 404."""
    case = decided_general_case(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler)
    client = client_for(request.getfixturevalue(who))
    expected = 404 if who == "outsider" else 403
    assert client.get(reverse("followup-feedback", args=[case.number])).status_code == expected
    assert _deliver(client, case).status_code == expected
    assert not Delivery.objects.filter(case=case).exists()
    if who != "outsider":
        page = _case_page(client, case)
        assert reverse("followup-feedback", args=[case.number]) not in page


def test_group_office_may_record_feedback(
    naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler, group_office, client_for
) -> None:
    case = decided_general_case(naiman, intake_clerk, tax_handler, department_head, hrss_handler, medical_handler)
    client = client_for(group_office)
    assert case.number in client.get(reverse("followup-work")).content.decode()
    assert _deliver(client, case).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP


def test_bad_input_names_the_field_and_saves_nothing(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    bad_method = _deliver(client, case, method="pigeon")
    assert bad_method.status_code == 400
    assert bad_method.context["form"].errors["method"]
    future = _deliver(client, case, delivered_at="2026-03-05T10:00")
    assert future.status_code == 400
    assert "送达时间不能晚于当前时间" in future.content.decode()
    sms_without_number = _deliver(client, case, method="sms", send_message="on")
    assert sms_without_number.status_code == 400
    assert sms_without_number.context["form"].errors["address"]
    stale = _deliver(client, case, version=case.version - 1)
    assert stale.status_code == 400
    assert "已被他人更新" in stale.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert not Delivery.objects.filter(case=case).exists()


def test_follow_up_worklist_and_navigation(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time, django_assert_max_num_queries
) -> None:
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    home = client.get(reverse("home")).content.decode()
    assert reverse("followup-work") in home  # 回访 in the navigation
    _deliver(client, case)
    frozen_time("2026-03-09 09:00")
    client = client_for(intake_clerk)  # a session lasts 8 hours
    with django_assert_max_num_queries(12):
        page = client.get(reverse("followup-work")).content.decode()
    visit = Visit.objects.get(case=case)
    assert reverse("followup-visit", args=[visit.pk]) in page


def test_both_parties_are_told_before_the_case_is_archived(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(四): 受理部门要在规定的期限内，向争议双方进行反馈 — the other party of the dispute is told
    too, and the case is not archived before."""
    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    _deliver(client, case)
    case.refresh_from_db()
    _visit(client, case, objects=False)
    page = _case_page(client, case)
    assert "尚未向争议另一方反馈处理结果" in page
    assert case.number in client.get(reverse("followup-work")).content.decode()
    form = client.get(reverse("followup-feedback", args=[case.number]))
    assert form.context["form"].initial["recipient"] == "other_party"  # the next delivery is to the other party
    assert client.post(reverse("archive-seal", args=[case.number])).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWING_UP  # refused
    response = client.post(
        reverse("followup-feedback", args=[case.number]),
        {"recipient": "other_party", "method": "post", "address": "奈曼旗大沁他拉镇", "version": case.version},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    # 四(五) 对被反馈的争议双方进行跟踪回访: telling the employer scheduled a visit to it.
    page = _case_page(client, case)
    assert "尚未完成对争议另一方的跟踪回访" in page and "另一方当事人" in page
    assert reverse("archive-seal", args=[case.number]) not in page
    other = Visit.objects.get(case=case, done_at__isnull=True)
    assert other.party == "other_party"
    visit_page = client.get(reverse("followup-visit", args=[other.pk])).content.decode()
    assert "奈曼旗宏达商贸有限公司" in visit_page  # the party visited is named on the form
    assert _visit(client, case, objects=False).status_code == 302
    assert reverse("archive-seal", args=[case.number]) in _case_page(client, case)
    client.post(reverse("archive-seal", args=[case.number]))
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED


def test_the_schedule_form_names_the_party_of_4_5(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(五) 对被反馈的争议双方进行跟踪回访: the case page's 安排回访 offers the parties without a
    visit pending, and the visit it schedules names its party; a party the case lacks is refused
    with the field named."""
    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    _deliver(client, case)
    case.refresh_from_db()
    page = client.get(reverse("case-detail", args=[case.number]))
    assert [value for value, _label in page.context["fu_schedule_form"].fields["party"].choices] == ["other_party"]
    response = client.post(reverse("followup-visit-schedule", args=[case.number]), {"party": "other_party"})
    assert response.status_code == 302
    assert Visit.objects.filter(case=case, party="other_party", done_at__isnull=True).count() == 1
    assert "另一方当事人" in _case_page(client, case)
    alone = decided_own_case(intake_clerk, tax_handler, department_head)
    _deliver(client, alone)
    response = client.post(reverse("followup-visit-schedule", args=[alone.number]), {"party": "other_party"})
    assert response.status_code == 302
    assert not Visit.objects.filter(case=alone, party="other_party").exists()  # refused: no other party


def test_after_the_visit_the_page_says_whether_the_case_can_be_archived(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """四(五) then 四(七) 受理部门做好案卷归档: after a visit the message and the case page's 归档
    section say that the case can now be archived — or what still keeps it open (the other
    party of the dispute not yet told, 四(四) 向争议双方进行反馈; then not yet visited)."""
    frozen_time("2026-03-02 09:00")
    case = decided_with_other_party(intake_clerk, tax_handler, department_head)
    client = client_for(intake_clerk)
    _deliver(client, case)
    response = client.get(_visit(client, case, objects=False)["Location"])
    page = response.content.decode()
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == f"已记录案件 {case.number} 对缴费人的回访；尚未向争议另一方反馈处理结果。"
    assert "暂不能归档：尚未向争议另一方反馈处理结果" in page and "案件可以归档" not in page
    case.refresh_from_db()
    client.post(
        reverse("followup-feedback", args=[case.number]),
        {"recipient": "other_party", "method": "post", "address": "奈曼旗大沁他拉镇", "version": case.version},
    )
    response = client.get(_visit(client, case, objects=False)["Location"])
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == f"已记录案件 {case.number} 对另一方当事人的回访；案件可以归档。"
    archive = response.content.decode().split('id="archive"', 1)[1]
    assert "案件可以归档" in archive and reverse("archive-seal", args=[case.number]) in archive
