"""The staff pages of intake (四(一)), review and routing (四(二)), the workbench and the case
page — each through a persona who may, and refused for those who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases.models import Attachment, Case, CaseEvent, Payer, RevealRecord
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.identifiers import mask_resident_id

pytestmark = pytest.mark.django_db

VALID_ID = "150525199001011237"


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "payer_kind": "person",
        "payer_name": "李四",
        "payer_group": "flexible",
        "id_number": VALID_ID,
        "phone": "13812345678",
        "address": "大沁他拉镇团结路8号",
        "channel": "window",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "township": "150525100",
        "categories": ["04"],
        "summary": "对灵活就业人员养老保险缴费金额有异议",
        "claims": "重新核定",
        "disputed_amount": "1234.50",
        "outcome": IntakeOutcome.REVIEW,
    }
    data.update(overrides)
    return data


def test_clerk_registers_each_intake_outcome_through_the_page(client_for, intake_clerk, naiman) -> None:
    c = client_for(intake_clerk)
    assert c.get(reverse("case-intake")).status_code == 200
    for outcome, state, extra in [
        (IntakeOutcome.OWN, CaseState.OWN_HANDLING, {}),
        (IntakeOutcome.INFORM, CaseState.INFORMED, {"informed_department": "hrss", "informed_note": "请前往人社局"}),
        (IntakeOutcome.REVIEW, CaseState.REGISTERED, {}),
    ]:
        response = c.post(reverse("case-intake"), form_data(outcome=outcome, **extra))
        assert response.status_code == 302, response.content.decode()[:2000]
        case = Case.objects.order_by("-id").first()
        assert case is not None and case.state == state
        assert response["Location"] == reverse("case-detail", args=[case.number])
        page = c.get(response["Location"]).content.decode()
        assert case.number in page
        assert VALID_ID not in page and "13812345678" not in page  # masked
        assert "1505**********1237" in page and "138****5678" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "150525199001011234"}, "id_number", "校验码"),
        ({"categories": ["99"]}, "categories", "99"),
        ({"township": ""}, "township", "必填"),
        ({"phone": "12812345678"}, "phone", "手机号码"),
        ({"outcome": IntakeOutcome.INFORM}, "informed_department", "告知"),
        ({"disputed_amount": "-1"}, "disputed_amount", ""),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(client_for, intake_clerk, overrides, field, message) -> None:
    response = client_for(intake_clerk).post(reverse("case-intake"), form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert Case.objects.count() == 0 and Payer.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.exe", b"MZ\x90\x00", "类型不允许"),
        ("fake.pdf", b"GIF89a", "不符"),
        ("big.pdf", b"%PDF-" + b"0" * 2048, "超过"),
    ],
)
def test_bad_attachment_is_refused_and_nothing_saved(
    client_for, intake_clerk, settings, name, content, message
) -> None:
    settings.FENGQIAO_ATTACHMENT_MAX_BYTES = 1024
    data = form_data(attachments=SimpleUploadedFile(name, content))
    response = client_for(intake_clerk).post(reverse("case-intake"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["attachments"])
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_attachment_is_stored_and_served_only_to_those_who_see_the_case(
    client_for, intake_clerk, hrss_handler, settings, tmp_path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    pdf = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    c = client_for(intake_clerk)
    assert c.post(reverse("case-intake"), form_data(attachments=pdf)).status_code == 302
    attachment = Attachment.objects.get()
    assert len(attachment.sm3) == 64
    url = reverse("case-attachment", args=[attachment.case.number, attachment.token])
    response = c.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 test"
    c.force_login(hrss_handler)  # not involved: the case does not exist for them
    assert c.get(url).status_code == 404


def test_live_validation_returns_the_error_of_the_changed_field(client_for, intake_clerk) -> None:
    response = client_for(intake_clerk).post(
        reverse("case-intake-validate"),
        form_data(id_number="150525199001011234"),
        HTTP_HX_TRIGGER_NAME="id_number",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    ok = client_for(intake_clerk).post(
        reverse("case-intake-validate"), form_data(), HTTP_HX_TRIGGER_NAME="id_number", HTTP_HX_REQUEST="true"
    )
    assert "field-error" not in ok.content.decode()


def test_duplicates_are_shown_at_intake_and_linked(client_for, intake_clerk) -> None:
    # The same person (same ID number, same name) comes back about a related matter.
    earlier = intake(intake_clerk, id_number=VALID_ID, name="李四", categories=("03",))  # related: contribution group
    c = client_for(intake_clerk)
    panel = c.post(reverse("case-intake-duplicates"), form_data(categories=["04"]), HTTP_HX_REQUEST="true")
    assert earlier.number in panel.content.decode()
    ticked = c.post(
        reverse("case-intake-duplicates"),
        form_data(categories=["04"], link_to=[earlier.number]),
        HTTP_HX_REQUEST="true",
    )
    assert f'value="{earlier.number}" checked' in ticked.content.decode()  # a refresh keeps the tick
    unrelated = c.post(reverse("case-intake-duplicates"), form_data(categories=["08"]), HTTP_HX_REQUEST="true")
    assert earlier.number not in unrelated.content.decode()
    response = c.post(reverse("case-intake"), form_data(link_to=[earlier.number]))
    assert response.status_code == 302
    new = Case.objects.exclude(pk=earlier.pk).get()
    assert new.links_out.filter(other=earlier).exists()
    assert earlier.events.filter(kind="linked").exists()


def test_merge_keeps_history_and_points_to_the_survivor(client_for, intake_clerk) -> None:
    survivor = intake(intake_clerk, id_number=VALID_ID)
    duplicate = intake(intake_clerk, id_number=VALID_ID)
    c = client_for(intake_clerk)
    response = c.post(
        reverse("case-merge", args=[duplicate.number]),
        {"into": survivor.number, "reason": "同一事项重复登记", "version": duplicate.version},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.state == CaseState.MERGED and duplicate.merged_into == survivor
    assert duplicate.events.count() == 2  # registered + merged: history kept
    assert survivor.events.filter(kind="merged").exists()
    page = c.get(reverse("case-detail", args=[duplicate.number])).content.decode()
    assert survivor.number in page


def test_review_general_and_major_through_the_page(client_for, intake_clerk, naiman) -> None:
    c = client_for(intake_clerk)
    general = intake(intake_clerk)
    form = c.get(reverse("case-review", args=[general.number]))
    assert form.status_code == 200
    assert form.context["proposal"].lead.code == "tax"  # 04 contribution amount → 税务局
    response = c.post(
        reverse("case-review", args=[general.number]),
        {
            "classification": Classification.GENERAL,
            "lead_department": "tax",
            "co_departments": ["hrss", "medical"],
            "version": general.version,
        },
    )
    assert response.status_code == 302
    general.refresh_from_db()
    assert general.state == CaseState.JOINT_HANDLING
    assert set(general.involvements.values_list("department__code", "role")) >= {
        ("tax", "lead"),
        ("hrss", "co"),
        ("medical", "co"),
    }
    major = intake(intake_clerk)
    missing = c.post(
        reverse("case-review", args=[major.number]), {"classification": Classification.MAJOR, "version": major.version}
    )
    assert "reason" in missing.context["form"].errors
    c.post(
        reverse("case-review", args=[major.number]),
        {
            "classification": Classification.MAJOR,
            "reason": "涉及全旗灵活就业人员，政策性问题",
            "version": major.version,
        },
    )
    major.refresh_from_db()
    assert major.state == CaseState.AWAITING_APPROVAL
    assert major.classification_reason.startswith("涉及全旗")


def test_stale_review_is_refused(client_for, intake_clerk, group_office) -> None:
    case = intake(intake_clerk)
    stale = case.version
    client_for(group_office).post(
        reverse("case-review", args=[case.number]),
        {"classification": Classification.UNCLEAR, "reason": "职责不清", "version": stale},
    )
    response = client_for(intake_clerk).post(
        reverse("case-review", args=[case.number]),
        {"classification": Classification.MAJOR, "reason": "重大", "version": stale},
    )
    assert response.status_code == 200
    assert "已被他人更新" in response.content.decode() or "不能执行" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED


def test_reveal_without_reason_says_so_beside_the_reason_field(client_for, intake_clerk) -> None:
    """五(三) 查看明文 needs a stated reason; without one the page must say so beside the reason
    input and keep the form to try again (issue 11: it did nothing silently — the browser's
    own check stopped htmx without a word, and htmx does not swap a 400 by default)."""
    case = intake(intake_clerk, id_number=VALID_ID)
    c = client_for(intake_clerk)
    refused = c.post(
        reverse("case-reveal", args=[case.number]),
        {"party": "payer", "field": "id_number", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 400 and RevealRecord.objects.count() == 0
    html = refused.content.decode()
    assert 'id="reveal-payer-id_number"' in html
    assert 'name="reason"' in html and "required" not in html  # the server's message, in Chinese
    assert 'id="reveal-payer-id_number-reason-error"' in html and "查看理由" in html
    assert 'aria-invalid="true"' in html and "aria-describedby" in html
    assert VALID_ID not in html and mask_resident_id(VALID_ID) in html
    # The page's htmx swaps a 400/422 answer (the error) instead of dropping it.
    page = c.get(reverse("case-detail", args=[case.number])).content.decode()
    assert 'name="htmx-config"' in page and '"reportValidityOfForms": true' in page


def test_reveal_is_recorded_with_its_reason(client_for, intake_clerk) -> None:
    case = intake(intake_clerk, id_number=VALID_ID)
    c = client_for(intake_clerk)
    refused = c.post(reverse("case-reveal", args=[case.number]), {"party": "payer", "field": "id_number", "reason": ""})
    assert refused.status_code == 400 and RevealRecord.objects.count() == 0
    response = c.post(
        reverse("case-reveal", args=[case.number]),
        {"party": "payer", "field": "id_number", "reason": "核对参保登记信息"},
    )
    assert VALID_ID in response.content.decode()
    record = RevealRecord.objects.get()
    assert (record.staff, record.field, record.reason) == (intake_clerk, "id_number", "核对参保登记信息")
    assert CaseEvent.objects.filter(case=case, kind="revealed").exists()


# --- The permission matrix: anonymous, another department, read-only, allowed ------------


def page_urls(case: Case) -> dict[str, str]:
    return {
        "detail": reverse("case-detail", args=[case.number]),
        "review": reverse("case-review", args=[case.number]),
    }


def test_permission_matrix(client, client_for, intake_clerk, hrss_handler, group_leader, outsider) -> None:
    case = intake(intake_clerk)
    urls = page_urls(case)
    # anonymous → sign in
    for name in ("case-list", "case-intake"):
        assert client.get(reverse(name)).status_code == 302
    for url in urls.values():
        assert client.get(url).status_code == 302
    # another department (人社局 is not involved before routing) and an outsider: as if it did not exist
    for who in (hrss_handler, outsider):
        c = client_for(who)
        assert c.get(urls["detail"]).status_code == 404
        assert c.get(urls["review"]).status_code == 404
        assert c.post(reverse("case-reveal", args=[case.number]), {}).status_code == 404
        assert c.get(reverse("case-intake")).status_code == 403
        assert case.number not in c.get(reverse("case-list")).content.decode()
    # read-only: the group leader sees every case of the county but neither routes nor reveals
    c = client_for(group_leader)
    assert c.get(urls["detail"]).status_code == 200
    assert c.get(urls["review"]).status_code == 403
    assert (
        c.post(
            reverse("case-reveal", args=[case.number]), {"party": "payer", "field": "phone", "reason": "查看一下"}
        ).status_code
        == 403
    )
    assert c.get(reverse("case-intake")).status_code == 403
    # allowed
    c = client_for(intake_clerk)
    assert c.get(urls["detail"]).status_code == 200
    assert c.get(urls["review"]).status_code == 200
    assert case.number in c.get(reverse("case-list")).content.decode()


def test_co_handling_department_reads_but_does_not_route(client_for, intake_clerk, hrss_handler, naiman) -> None:
    from fengqiao.cases.services import case_review

    case = intake(intake_clerk)
    departments = {d.code: d for d in naiman.departments.all()}
    case_review(
        case=case,
        actor=intake_clerk,
        classification=Classification.GENERAL,
        lead_department=departments["tax"],
        co_departments=[departments["hrss"]],
    )
    c = client_for(hrss_handler)
    assert c.get(reverse("case-detail", args=[case.number])).status_code == 200
    assert c.get(reverse("case-review", args=[case.number])).status_code == 403


# --- Query counts do not grow with the number of cases ------------------------------------


@pytest.mark.parametrize("view", ["all", "mine", "review", "due_soon", "overdue"])
def test_workbench_query_count_is_constant(client_for, intake_clerk, view) -> None:
    c = client_for(intake_clerk)
    url = reverse("case-list") + f"?view={view}"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        intake(intake_clerk, categories=("04", "06"))
    count()  # the process's first list page reads the filters' categories and townships (kept)
    few = count()
    for _ in range(8):
        intake(intake_clerk, categories=("03",))
    assert count() == few


def test_every_described_by_names_an_element_of_the_page(client_for, intake_clerk) -> None:
    """An input's aria-describedby (Django 5.2 adds <id>_helptext and, with errors, <id>_error)
    names elements that are on the page, so a screen reader announces the field's help and its
    error (the a11y walk of the payer pages found seven dangling ids on this form)."""
    import re

    response = client_for(intake_clerk).post(reverse("case-intake"), form_data(id_number="150525199001011234"))
    assert "校验码" in response.content.decode()  # the form came back with the field's error
    page = response.content.decode()
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    described = {ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()}
    assert described, "the form with an error describes its inputs"
    assert any(ref.endswith("_error") for ref in described)
    assert described <= ids, sorted(described - ids)
