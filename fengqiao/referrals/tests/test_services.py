"""报送办理 end to end through the services: dispatched and handled; returned and re-dispatched;
designated after three returns; refused and transferred (四(八))."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.cases.models import CaseDepartment, CaseEvent, EventKind
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.documents.models import IssuedDocument
from fengqiao.handling.models import DecisionStatus
from fengqiao.handling.tests.handling_helpers import head, worker
from fengqiao.referrals import services
from fengqiao.referrals.models import DisciplineTransfer, ReferralKind, ReferralStatus, TransferGround
from fengqiao.referrals.tests.helpers import answer, dept, referral_of, referred_case

pytestmark = pytest.mark.django_db

START = "2026-03-02 10:00"  # a Monday


def test_unclear_review_sends_the_referral_form(intake_clerk, hotline_officer, frozen_time) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    assert case.state == CaseState.REFERRED
    referral = referral_of(case)
    assert referral.status == ReferralStatus.SENT
    doc = referral.form_document
    assert doc is not None and doc.doc_type == "referral_form" and doc.number
    assert doc.pdf.read().startswith(b"%PDF")
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL, data__step="sent").exists()
    # The hotline office now sees the case; the payer's ID number on the form is masked.
    assert cases_visible_to(hotline_officer).filter(pk=case.pk).exists()


def test_dispatched_and_handled(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    referral = referral_of(case)
    assert not cases_visible_to(hrss_handler).filter(pk=case.pk).exists()
    referral = services.referral_work_order_set(
        referral=referral, actor=hotline_officer, work_order_number="NM12345-001"
    )
    referral = services.referral_dispatch(
        referral=referral,
        actor=hotline_officer,
        department=dept("hrss", naiman),
        kind=ReferralKind.CONSULTATION,
        expected_version=referral.version,
    )
    assert referral.status == ReferralStatus.DISPATCHED
    assert str(referral.sign_due_on) == "2026-03-03"
    assert CaseDepartment.objects.filter(case=case, department__code="hrss", role="co").exists()
    assert cases_visible_to(hrss_handler).filter(pk=case.pk).exists()
    referral = services.referral_sign(referral=referral, actor=hrss_handler)
    assert referral.status == ReferralStatus.SIGNED
    assert str(referral.handle_due_on) == "2026-03-09"  # consultation: 5 working days
    referral = answer(referral, hrss_handler)
    assert referral.status == ReferralStatus.ANSWERED
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED  # the normal feedback and follow-up path continues
    decision = referral.decision
    assert decision is not None and decision.status == DecisionStatus.ISSUED and decision.document_id
    steps = list(CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL).values_list("data__step", flat=True))
    assert steps == ["sent", "work_order", "dispatched", "signed", "answered"]


def test_returned_and_redispatched(intake_clerk, hotline_officer, hrss_handler, medical_handler, naiman, frozen_time):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    with pytest.raises(ValidationError):
        services.referral_return(referral=referral, actor=hrss_handler, reason=" ")
    referral = services.referral_return(referral=referral, actor=hrss_handler, reason="属医保局核定的特殊缴费事项")
    assert referral.status == ReferralStatus.RETURNED and referral.returns == 1
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("medical", naiman))
    assert referral.department is not None and referral.department.code == "medical"
    referral = services.referral_sign(referral=referral, actor=medical_handler)
    referral = answer(referral, medical_handler)
    assert referral.status == ReferralStatus.ANSWERED
    assert [e.data["step"] for e in CaseEvent.objects.filter(case=referral.case, kind=EventKind.REFERRAL)] == [
        "sent",
        "dispatched",
        "returned",
        "redispatched",
        "signed",
        "answered",
    ]


def test_return_after_the_one_working_day_is_refused(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    frozen_time("2026-03-04 09:00")
    with pytest.raises(TransitionError):
        services.referral_return(referral=referral, actor=hrss_handler, reason="不属本部门职责")


def test_designated_after_three_returns(intake_clerk, hotline_officer, naiman, frozen_time) -> None:
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    for code in ("hrss", "medical", "finance"):
        referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept(code, naiman))
        referral = services.referral_return(
            referral=referral, actor=worker(naiman, code), reason=f"{code}：不属本部门职责"
        )
    assert referral.returns == 3
    with pytest.raises(TransitionError):
        services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("justice", naiman))
    referral = services.referral_designate(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    assert referral.designated and referral.status == ReferralStatus.DISPATCHED
    with pytest.raises(TransitionError):
        services.referral_return(referral=referral, actor=worker(naiman, "hrss"), reason="仍不属本部门职责")
    referral = services.referral_sign(referral=referral, actor=head(naiman, "hrss"))
    referral = answer(referral, worker(naiman, "hrss"))
    assert referral.status == ReferralStatus.ANSWERED


def test_designate_before_three_returns_is_refused(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    referral = services.referral_return(referral=referral, actor=hrss_handler, reason="不属本部门职责")
    with pytest.raises(TransitionError):
        services.referral_designate(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))


def test_refused_after_rejected_return_and_transferred(
    intake_clerk, hotline_officer, hrss_handler, discipline_liaison, naiman, frozen_time
) -> None:
    frozen_time(START)
    case = referred_case(intake_clerk)
    referral = referral_of(case)
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    referral = services.referral_return(referral=referral, actor=hrss_handler, reason="不属本部门职责")
    referral = services.referral_return_reject(
        referral=referral, actor=hotline_officer, reason="按三(二)3 人社局负责参保登记，退回理由不成立"
    )
    assert referral.status == ReferralStatus.DISPATCHED and referral.return_rejected
    with pytest.raises(TransitionError):  # it may not return it again
        services.referral_return(referral=referral, actor=hrss_handler, reason="仍不属本部门职责")
    with pytest.raises(TransitionError):  # not yet a refusal: its new limit to sign has not passed
        services.discipline_transfer(referral=referral, actor=intake_clerk)
    assert not cases_visible_to(discipline_liaison).filter(pk=case.pk).exists()
    frozen_time("2026-03-05 10:00")
    assert services.refusal_ground(referral) == TransferGround.RETURN_REJECTED
    with pytest.raises(PermissionDenied):  # the hotline office does not transfer; the receiving department does
        services.discipline_transfer(referral=referral, actor=hotline_officer)
    transfer = services.discipline_transfer(referral=referral, actor=intake_clerk, note="经催办仍拒不签收")
    assert transfer.ground == TransferGround.RETURN_REJECTED
    assert transfer.refusing_department.code == "hrss"
    letter = transfer.letter
    assert letter is not None and letter.doc_type == "discipline_transfer_letter"
    assert letter.pdf.read().startswith(b"%PDF")
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TRANSFER).count() == 1
    assert cases_visible_to(discipline_liaison).filter(pk=case.pk).exists()
    with pytest.raises(TransitionError):
        services.discipline_transfer(referral=referral, actor=intake_clerk)
    assert DisciplineTransfer.objects.count() == 1


def test_overdue_by_the_margin_is_a_refusal(
    intake_clerk, department_head, hotline_officer, hrss_handler, naiman, frozen_time
):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(
        referral=referral, actor=hotline_officer, department=dept("hrss", naiman), kind=ReferralKind.CONSULTATION
    )
    referral = services.referral_sign(referral=referral, actor=hrss_handler)  # due 2026-03-09
    frozen_time("2026-03-16 10:00")  # 5 working days after the limit: not yet past the margin
    assert services.refusal_ground(referral) is None
    frozen_time("2026-03-17 10:00")
    assert services.refusal_ground(referral) == TransferGround.OVERDUE
    transfer = services.discipline_transfer(referral=referral, actor=department_head)
    assert transfer.ground == TransferGround.OVERDUE


def test_the_margin_is_a_configured_time_limit(intake_clerk, hotline_officer, hrss_handler, naiman, frozen_time):
    from fengqiao.core.models import TimeLimit

    TimeLimit.objects.filter(code="referral_refusal_margin").update(amount=1)
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    frozen_time("2026-03-05 10:00")  # sign limit 03-03 + 1 working day = 03-04
    assert services.refusal_ground(referral) == TransferGround.OVERDUE


def test_work_order_number_is_unique_per_county(intake_clerk, hotline_officer, frozen_time) -> None:
    frozen_time(START)
    first = referral_of(referred_case(intake_clerk))
    second = referral_of(referred_case(intake_clerk, id_number="150525199001010015"))
    services.referral_work_order_set(referral=first, actor=hotline_officer, work_order_number="W-1")
    with pytest.raises(ValidationError) as exc:
        services.referral_work_order_set(referral=second, actor=hotline_officer, work_order_number="W-1")
    assert "work_order_number" in exc.value.message_dict


def test_stale_version_is_refused(intake_clerk, hotline_officer, naiman, frozen_time) -> None:
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    stale = referral.version
    services.referral_work_order_set(referral=referral, actor=hotline_officer, work_order_number="W-2")
    with pytest.raises(TransitionError) as exc:
        services.referral_dispatch(
            referral=referral, actor=hotline_officer, department=dept("hrss", naiman), expected_version=stale
        )
    assert exc.value.code == "stale"


@pytest.mark.parametrize("who", ["intake_clerk", "hrss_handler", "group_office", "discipline_liaison", "outsider"])
def test_only_the_hotline_office_dispatches(who, persona, intake_clerk, naiman, frozen_time) -> None:
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    with pytest.raises(PermissionDenied):
        services.referral_dispatch(referral=referral, actor=persona(who), department=dept("hrss", naiman))


@pytest.mark.parametrize("who", ["hotline_officer", "tax_handler", "medical_handler", "intake_clerk", "outsider"])
def test_only_the_department_dispatched_to_signs(who, persona, intake_clerk, hotline_officer, naiman, frozen_time):
    frozen_time(START)
    referral = referral_of(referred_case(intake_clerk))
    referral = services.referral_dispatch(referral=referral, actor=hotline_officer, department=dept("hrss", naiman))
    with pytest.raises(PermissionDenied):
        services.referral_sign(referral=referral, actor=persona(who))
    with pytest.raises(PermissionDenied):
        services.referral_return(referral=referral, actor=persona(who), reason="x")


def test_the_receiving_department_cannot_decide_a_referred_case(intake_clerk, frozen_time) -> None:
    from fengqiao.handling.permissions import may_decide

    frozen_time(START)
    case = referred_case(intake_clerk)
    assert not may_decide(intake_clerk, case)


def test_the_form_does_not_print_personal_data(intake_clerk, frozen_time) -> None:
    from fengqiao.documents.registry import Issue
    from fengqiao.referrals.builders import referral_form

    frozen_time(START)
    case = referred_case(intake_clerk)
    context = referral_form(case, Issue())
    assert "150525198503150013" not in context["masked"]["id_number"]
    assert context["addressee"].code == "gov_office"
    assert IssuedDocument.objects.filter(case=case, doc_type="referral_form").get().personal_data is False
