"""The page step (``core.pages``), through real pages: the consultation's minutes (a page with
its own form, ``form_page``), its step buttons (``post_step``) and the follow-up's 结果反馈 (a
page that answers 400 to a refused form). A refused form shows the field's error and saves
nothing; the service's refusal lands on the form; a step taken redirects with its message; a
user who may not take it gets 403."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

import fengqiao
from fengqiao.followup.models import Delivery
from fengqiao.followup.tests.helpers import decided_own_case, file_storage  # noqa: F401
from fengqiao.meetings import services
from fengqiao.meetings.models import Consultation, ConsultationKind, ConsultationStatus
from fengqiao.meetings.tests.helpers import plan, two_cases

pytestmark = pytest.mark.django_db

ROOT = Path(fengqiao.__file__).parent
# A step's message that names nothing ("已办理。"), as core/tests/test_messages.py refuses in
# ``messages.success``: the same for the message a page step's ``Done`` carries.
BARE_DONE = re.compile(r"Done\(\s*_\(\"[^\"%]{0,12}\"\)")


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def general(naiman, intake_clerk, group_office, frozen_time) -> Consultation:
    """A general consultation planned for 2026-03-10, the clock on its day."""
    frozen_time("2026-03-09 09:00")
    first, _second = two_cases(intake_clerk)
    consultation = plan(
        group_office,
        kind=ConsultationKind.GENERAL,
        cases=(first,),
        starts_at=datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    frozen_time("2026-03-10 11:00")
    return consultation


def _held(consultation: Consultation, office) -> Consultation:
    return services.consultation_hold(consultation=consultation, actor=office)


def test_no_step_message_is_bare() -> None:
    offenders = []
    for path in [*ROOT.glob("*/views.py"), *ROOT.glob("*/*_views.py"), *ROOT.glob("*/*/views.py")]:
        for match in BARE_DONE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_a_refused_form_shows_the_fields_error_and_saves_nothing(general, group_office, client_for) -> None:
    consultation = _held(general, group_office)
    response = client_for(group_office).post(
        reverse("consultation-minutes", args=[consultation.pk]), {"discussion": "会议听取汇报。", "conclusions": ""}
    )
    assert response.status_code == 200  # the minutes page answers 200, as it always did
    assert response.context["form"].errors["conclusions"]
    assert "会议听取汇报。" in response.content.decode()  # what was typed is kept
    assert _said(response) == []
    fresh = Consultation.objects.get(pk=consultation.pk)
    assert (fresh.version, fresh.discussion, fresh.conclusions) == (consultation.version, "", "")


def test_the_services_refusal_lands_on_the_form(general, group_office, client_for) -> None:
    """Minutes of a consultation not yet held: the service's ValidationError (no field) is the
    form's own error; a stale version likewise."""
    url = reverse("consultation-minutes", args=[general.pk])
    client = client_for(group_office)
    response = client.post(url, {"conclusions": "统一口径。", "version": general.version})
    assert response.status_code == 200
    (error,) = response.context["form"].non_field_errors()
    assert error.startswith("会商当前状态为“")
    assert Consultation.objects.get(pk=general.pk).conclusions == ""

    consultation = _held(general, group_office)
    response = client.post(url, {"conclusions": "统一口径。", "version": consultation.version - 1})
    assert response.context["form"].non_field_errors() == ["该会商已被他人修改，请刷新页面后重试。"]
    assert Consultation.objects.get(pk=general.pk).conclusions == ""


def test_a_step_taken_redirects_with_its_message(general, group_office, client_for) -> None:
    consultation = _held(general, group_office)
    response = client_for(group_office).post(
        reverse("consultation-minutes", args=[consultation.pk]),
        {"conclusions": "统一口径。\n限期答复。", "version": consultation.version},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consultation-minutes", args=[consultation.pk])
    assert _said(response) == [f"已保存会商“{consultation.topic}”的纪要。"]
    assert Consultation.objects.get(pk=consultation.pk).conclusions == "统一口径。\n限期答复。"


@pytest.mark.parametrize("who", ["tax_handler", "group_leader"])
def test_a_user_who_may_not_take_the_step_gets_403(who, general, group_office, client_for, request) -> None:
    consultation = _held(general, group_office)
    client = client_for(request.getfixturevalue(who))
    response = client.post(reverse("consultation-minutes", args=[consultation.pk]), {"conclusions": "统一口径。"})
    assert response.status_code == 403
    response = client.post(reverse("consultation-step", args=[consultation.pk]), {"action": "hold"})
    assert response.status_code == 403
    fresh = Consultation.objects.get(pk=consultation.pk)
    assert (fresh.version, fresh.conclusions) == (consultation.version, "")


def test_a_button_says_what_went_wrong_on_its_page(general, group_office, client_for) -> None:
    """``post_step``: a refused form and a refused service each come back as a message on the
    page the button is on; the step taken says what it did."""
    client = client_for(group_office)
    url = reverse("consultation-step", args=[general.pk])
    detail = reverse("consultation-detail", args=[general.pk])

    response = client.post(url, {"action": "nonsense"})
    assert (response.status_code, response["Location"], _said(response)) == (302, detail, ["请求有误。"])
    client.get(detail)  # the page the button is on shows (and spends) the message

    response = client.post(url, {"action": "hold", "version": general.version + 5})
    assert _said(response) == ["该会商已被他人修改，请刷新页面后重试。"] and response["Location"] == detail
    assert Consultation.objects.get(pk=general.pk).status == ConsultationStatus.PLANNED
    client.get(detail)

    response = client.post(url, {"action": "hold", "version": general.version})
    assert response["Location"] == detail
    assert _said(response) == [f"已记录会商“{general.topic}”已召开，请录入参会人员和纪要。"]
    assert Consultation.objects.get(pk=general.pk).status == ConsultationStatus.HELD


def test_a_page_that_answers_400_to_a_refused_form(
    naiman, intake_clerk, tax_handler, department_head, client_for, frozen_time
) -> None:
    """结果反馈 answers 400 when the step is not taken, the page shown again with the errors."""
    frozen_time("2026-03-02 09:00")
    case = decided_own_case(intake_clerk, tax_handler, department_head)
    frozen_time("2026-03-03 10:00")
    client = client_for(intake_clerk)
    url = reverse("followup-feedback", args=[case.number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"recipient": "payer", "recipient_name": "张三", "version": case.version})
    assert response.status_code == 400 and response.context["form"].errors["method"]
    assert not Delivery.objects.filter(case=case).exists()
    data = {"recipient": "payer", "method": "in_person", "recipient_name": "张三", "version": case.version}
    response = client.post(url, {**data, "version": case.version + 3})
    assert response.status_code == 400 and response.context["form"].errors
    assert not Delivery.objects.filter(case=case).exists()
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("case-detail", args=[case.number])
    (said,) = _said(response)
    assert said.startswith(f"已记录结果反馈：案件 {case.number} 送达")
    assert Delivery.objects.filter(case=case).count() == 1
