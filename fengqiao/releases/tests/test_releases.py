"""信息发布审批 (五(三)): 对外发布或向其他有关部门提供信息，要严格按照规定和程序报批.

A request names what, to whom and why; one of the county's approvers decides it (never the
requester, never another county's); only an approved, unexpired request with a use left lets
the dossier's export package go out; every step is in the audit chain, a refusal as denied."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.archive.models import Dossier
from fengqiao.archive.services import dossier_export_for, dossier_seal
from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.org.models import Department, Jurisdiction, JurisdictionLevel, Role, Staff
from fengqiao.releases import selectors
from fengqiao.releases.models import ReleaseApprover, ReleaseKind, ReleaseState
from fengqiao.releases.services import (
    ReleaseRequired,
    release_decide,
    release_record,
    release_request,
    release_withdraw,
)
from fengqiao.releases.tests.helpers import approved, requested

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(informed_case, intake_clerk) -> Dossier:
    return dossier_seal(case=informed_case, actor=intake_clerk)


def _audit(action: str, result: str = Result.OK) -> int:
    return AuditRecord.objects.filter(action=action, result=result).count()


def test_request_approve_export_once(dossier, intake_clerk, group_leader) -> None:
    """The window clerk asks to give the dossier to the court; the leader approves; the package
    goes out once, and a second export is refused: the approval was for one use."""
    release = requested(intake_clerk, dossier.case)
    assert release.state == ReleaseState.PENDING and release.reference == dossier.archive_number
    with pytest.raises(ReleaseRequired, match="信息发布审批"):
        dossier_export_for(dossier=dossier, actor=intake_clerk)  # pending: refused
    assert _audit(Action.EXPORT, Result.DENIED) == 1
    release = release_decide(release=release, actor=group_leader, approve=True, reason="同意。")
    assert release.state == ReleaseState.APPROVED and release.expires_at is not None
    assert release.decided_by == group_leader
    assert dossier_export_for(dossier=dossier, actor=intake_clerk)[:2] == b"PK"
    release.refresh_from_db()
    assert release.state == ReleaseState.RELEASED and release.used == 1 and release.released_at
    with pytest.raises(ReleaseRequired):
        dossier_export_for(dossier=dossier, actor=intake_clerk)
    # Each step in the chain: request, decision, release, the export and the two refusals.
    assert _audit(Action.RELEASE_REQUEST) == 1
    assert _audit(Action.RELEASE_DECISION) == 1
    assert _audit(Action.RELEASE) == 1
    assert _audit(Action.EXPORT) == 1
    assert _audit(Action.EXPORT, Result.DENIED) == 2


def test_several_uses_within_the_expiry_then_refused_after_it(dossier, intake_clerk, group_leader, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    approved(intake_clerk, group_leader, dossier.case, uses=2, validity_days=7)
    dossier_export_for(dossier=dossier, actor=intake_clerk)
    frozen_time("2026-03-09 08:59")  # within the 7 days
    dossier_export_for(dossier=dossier, actor=intake_clerk)
    with pytest.raises(ReleaseRequired):  # both uses taken
        dossier_export_for(dossier=dossier, actor=intake_clerk)


def test_an_expired_approval_lets_nothing_out(dossier, intake_clerk, group_leader, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    release = approved(intake_clerk, group_leader, dossier.case, validity_days=30)
    frozen_time("2026-04-01 09:00")  # 30 days later: expired
    release.refresh_from_db()
    assert release.expired and not release.usable
    with pytest.raises(ReleaseRequired):
        dossier_export_for(dossier=dossier, actor=intake_clerk)


def test_a_refused_request_lets_nothing_out_and_needs_a_reason(dossier, intake_clerk, group_leader) -> None:
    release = requested(intake_clerk, dossier.case)
    with pytest.raises(ValidationError) as exc:
        release_decide(release=release, actor=group_leader, approve=False, reason=" ")
    assert "reason" in exc.value.message_dict
    release_decide(release=release, actor=group_leader, approve=False, reason="来函未附调卷依据。")
    release.refresh_from_db()
    assert release.state == ReleaseState.REFUSED and release.decision_reason == "来函未附调卷依据。"
    with pytest.raises(ReleaseRequired):
        dossier_export_for(dossier=dossier, actor=intake_clerk)
    with pytest.raises(ValidationError):  # decided once
        release_decide(release=release, actor=group_leader, approve=True, reason="")


def test_self_approval_is_refused_and_recorded(dossier, group_office, group_leader) -> None:
    """The office may approve — but not its own request; the leader approves it."""
    release = requested(group_office, dossier.case)
    with pytest.raises(PermissionDenied, match="本人"):
        release_decide(release=release, actor=group_office, approve=True, reason="")
    assert _audit(Action.RELEASE_DECISION, Result.DENIED) == 1
    release.refresh_from_db()
    assert release.state == ReleaseState.PENDING
    assert list(selectors.queue(user=group_office)) == []  # not in its own queue
    assert list(selectors.queue(user=group_leader)) == [release]


def test_another_countys_approver_is_refused(dossier, intake_clerk) -> None:
    from fengqiao.org.services import staff_create

    other = Jurisdiction.objects.create(code="990001", name="他旗", level=JurisdictionLevel.COUNTY, kind="旗")
    leader = staff_create(
        username="other_leader",
        name="他旗组长",
        password=None,
        department=Department.objects.create(jurisdiction=other, code="gov", name="他旗政府", short_name="他旗政府"),
        roles=[Role.GROUP_LEADER],
    )
    release = requested(intake_clerk, dossier.case)
    with pytest.raises(PermissionDenied, match="审批人"):
        release_decide(release=release, actor=leader, approve=True, reason="")
    assert list(selectors.queue(user=leader)) == []


def test_a_handler_is_no_approver_and_the_county_configures_its_roles(
    dossier, intake_clerk, tax_handler, group_leader, group_office, naiman
) -> None:
    release = requested(intake_clerk, dossier.case)
    with pytest.raises(PermissionDenied):
        release_decide(release=release, actor=tax_handler, approve=True, reason="")
    # The county names the office alone: the leader no longer approves, the office does.
    ReleaseApprover.objects.create(jurisdiction=naiman, role=Role.GROUP_OFFICE)
    leader = Staff.objects.get(pk=group_leader.pk)
    assert list(selectors.queue(user=leader)) == []
    with pytest.raises(PermissionDenied):
        release_decide(release=release, actor=leader, approve=True, reason="")
    office = Staff.objects.get(pk=group_office.pk)
    assert release_decide(release=release, actor=office, approve=True, reason="").state == ReleaseState.APPROVED


def test_another_staff_members_approval_is_not_the_exporters(dossier, intake_clerk, group_office, group_leader) -> None:
    """An approval is the requester's: the office's approved request does not let the clerk export."""
    approved(group_office, group_leader, dossier.case)
    with pytest.raises(ReleaseRequired):
        dossier_export_for(dossier=dossier, actor=intake_clerk)
    assert dossier_export_for(dossier=dossier, actor=group_office)[:2] == b"PK"


def test_withdrawn_requests_let_nothing_out(dossier, intake_clerk, group_leader) -> None:
    release = approved(intake_clerk, group_leader, dossier.case)
    with pytest.raises(PermissionDenied):
        release_withdraw(release=release, actor=group_leader)  # only the requester
    assert release_withdraw(release=release, actor=intake_clerk).state == ReleaseState.WITHDRAWN
    with pytest.raises(ReleaseRequired):
        dossier_export_for(dossier=dossier, actor=intake_clerk)


def test_bad_input_names_its_field_and_saves_nothing(informed_case, dossier, intake_clerk, group_office) -> None:
    with pytest.raises(ValidationError) as exc:
        release_request(
            actor=intake_clerk,
            kind=ReleaseKind.DOSSIER,
            case=informed_case,
            description="",
            recipient_organisation="",
            recipient_person="王",
            purpose="调卷",
            legal_basis="",
            uses=0,
            validity_days=400,
        )
    assert set(exc.value.message_dict) == {
        "description",
        "recipient_organisation",
        "legal_basis",
        "uses",
        "validity_days",
    }
    with pytest.raises(ValidationError) as exc:
        requested(group_office, None, kind=ReleaseKind.ANALYSIS, reference="2026-13")
    assert "reference" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        requested(intake_clerk, None)
    assert "case" in exc.value.message_dict
    assert not AuditRecord.objects.filter(action=Action.RELEASE_REQUEST).exists()


def test_a_dossier_request_needs_a_sealed_case(informed_case, intake_clerk) -> None:
    with pytest.raises(ValidationError) as exc:
        requested(intake_clerk, informed_case)
    assert "尚未归档" in exc.value.message_dict["case"][0]


def test_the_leader_who_reads_masked_may_not_ask_for_the_package(dossier, group_leader) -> None:
    with pytest.raises(PermissionDenied):
        requested(group_leader, dossier.case)


def test_other_information_is_recorded_as_released(group_office, group_leader) -> None:
    """A month's analysis handed to 市医保局: approved, then recorded as given — once."""
    release = approved(group_office, group_leader, None, kind=ReleaseKind.ANALYSIS, reference="2026-02")
    with pytest.raises(PermissionDenied):
        release_record(release=release, actor=group_leader)  # only the requester records it
    release = release_record(release=release, actor=group_office, note="已发函")
    assert release.state == ReleaseState.RELEASED
    with pytest.raises(PermissionDenied, match="次数"):
        release_record(release=release, actor=group_office)
    assert _audit(Action.RELEASE) == 1 and _audit(Action.RELEASE, Result.DENIED) == 2


def test_the_queue_costs_one_statement_whatever_its_length(
    dossier, intake_clerk, group_leader, django_assert_num_queries: Any
) -> None:
    for _i in range(3):
        requested(intake_clerk, dossier.case)
    leader = Staff.objects.get(pk=group_leader.pk)
    leader.role_set  # noqa: B018 - read once per request, as the middleware's user does
    with django_assert_num_queries(1):
        assert len(list(selectors.queue(user=leader))) == 3
    for _i in range(7):
        requested(intake_clerk, dossier.case)
    with django_assert_num_queries(1):
        assert len(list(selectors.queue(user=leader))) == 10


def test_the_approvers_to_do_list(dossier, intake_clerk, group_leader, tax_handler) -> None:
    from fengqiao.core import todo

    release = requested(intake_clerk, dossier.case)
    listed = todo.todo_for(Staff.objects.get(pk=group_leader.pk))
    assert listed.counts.get("releases.decide") == 1
    assert any(f"/releases/{release.pk}/" in i.url for i in listed.items)
    assert "releases.decide" not in todo.todo_for(tax_handler).counts
    approved_at = timezone.now() + timedelta(seconds=1)
    assert approved_at  # the request leaves the queue once decided
    release_decide(release=release, actor=group_leader, approve=True, reason="")
    assert not todo.todo_for(Staff.objects.get(pk=group_leader.pk)).counts.get("releases.decide")
