"""司法局把关 (三(二)5): required before a major matter's decision is issued, optional (on
request) for a general one; a review counts for the content it reviewed (its SM3 digest)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases.models import CaseEvent, EventKind
from fengqiao.handling.legal import (
    current_reviews,
    legal_review_blocking,
    legal_review_record,
    legal_review_request,
    review_queue,
    review_state,
)
from fengqiao.handling.models import Decision, DecisionResult, LegalReviewConclusion, Task, TaskStatus
from fengqiao.handling.tests.ft_helpers import joint_case, justice_staff, major_case
from fengqiao.org.models import Role

pytestmark = pytest.mark.django_db


def _draft(case, author) -> Decision:
    return Decision.objects.create(
        case=case,
        request="请求",
        facts_and_reasons="事实",
        result=DecisionResult.EXPLAIN,
        legal_basis="社会保险法第六十条",
        drafted_by=author,
        updated_at=timezone.now(),
    )


@pytest.fixture
def justice(naiman):
    return justice_staff(naiman)


def test_major_needs_an_approved_review_of_the_current_content(intake_clerk, naiman, justice, tax_handler) -> None:
    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    assert legal_review_blocking(decision)
    assert list(review_queue(user=justice)) == [decision]
    with pytest.raises(PermissionDenied):
        legal_review_record(decision=decision, reviewer=tax_handler, conclusion="approved")
    with pytest.raises(ValidationError):  # changes need the reviewer's notes
        legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.CHANGES)
    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.CHANGES, notes="依据不全")
    assert legal_review_blocking(decision)
    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.APPROVED)
    assert legal_review_blocking(decision) is None
    assert list(review_queue(user=justice)) == []
    Decision.objects.filter(pk=decision.pk).update(version=F("version") + 1)  # a new version, same content
    decision.refresh_from_db()
    assert legal_review_blocking(decision) is None  # the review covers the content it reviewed
    decision.legal_basis = "社会保险法第六十三条"  # the content changed afterwards
    decision.save()
    assert legal_review_blocking(decision)
    assert list(review_queue(user=justice)) == [decision]
    with pytest.raises(ValidationError):  # a stale page
        legal_review_record(decision=decision, reviewer=justice, conclusion="approved", expected_version=1)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LEGAL_REVIEW).count() == 2


def test_a_later_changes_review_withdraws_an_approval_of_the_same_content(intake_clerk, naiman, justice) -> None:
    """三(二)5 司法局把关: the latest review of the current content decides — an approval followed
    by 需修改 of the same content blocks issuing again, on the page's state, the issue check and
    the to-do filter alike (``current_reviews``)."""
    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.APPROVED)
    assert legal_review_blocking(decision) is None
    legal_review_record(
        decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.CHANGES, notes="复核发现依据有误"
    )
    decision.refresh_from_db()
    assert "需修改" in (legal_review_blocking(decision) or "")
    assert not review_state(decision).approved
    approved_now = Decision.objects.filter(pk=decision.pk).filter(
        Exists(current_reviews().filter(conclusion=LegalReviewConclusion.APPROVED))
    )
    assert not approved_now.exists()


def test_a_review_closes_its_request_task_even_after_a_transfer(intake_clerk, naiman, justice, group_office) -> None:
    """转交 of the 司法局's review task gives a new task (``replaced_by``); recording the review
    closes the task the request now stands on, so nothing stays open and overdue for ever."""
    from fengqiao.handling import taskcontrol
    from fengqiao.handling.models import Task, TaskStatus
    from fengqiao.org.models import Department

    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    legal_review_request(decision=decision, actor=intake_clerk)
    first = Task.objects.filter(case=case, department__code="justice").latest("id")
    finance = Department.objects.get(jurisdiction=naiman, code="finance")
    moved = taskcontrol.task_transfer(task=first, actor=group_office, department=finance, reason="误派，改由财政局协助")
    legal_review_record(decision=decision, reviewer=justice, conclusion=LegalReviewConclusion.APPROVED)
    assert Task.objects.get(pk=moved.pk).status == TaskStatus.DONE


def test_general_is_optional_and_may_be_requested(intake_clerk, naiman, justice) -> None:
    case = joint_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    assert legal_review_blocking(decision) is None
    assert list(review_queue(user=justice)) == []
    event = legal_review_request(decision=decision, actor=intake_clerk, note="涉及法律适用")
    task = Task.objects.get(pk=event.data["task"])
    assert task.department.code == "justice"
    assert list(review_queue(user=justice)) == [decision]
    with pytest.raises(ValidationError):
        legal_review_request(decision=decision, actor=intake_clerk)
    legal_review_record(decision=decision, reviewer=justice, conclusion="approved")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_justice_head_may_review_and_other_roles_may_not(naiman, intake_clerk) -> None:
    head = justice_staff(naiman, username="p_justice_head", roles=(Role.DEPARTMENT_HEAD,))
    clerk = justice_staff(naiman, username="p_justice_clerk", roles=(Role.INTAKE_CLERK,))
    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    with pytest.raises(PermissionDenied):
        legal_review_record(decision=decision, reviewer=clerk, conclusion="approved")
    legal_review_record(decision=decision, reviewer=head, conclusion="approved")


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("medical_handler", 404), ("tax_handler", 403), ("justice", 200)]
)
def test_legal_review_page(who, status, intake_clerk, naiman, justice, client, client_for, persona) -> None:
    case = major_case(intake_clerk, naiman)
    Task.objects.filter(case=case).delete()
    decision = _draft(case, intake_clerk)
    user = justice if who == "justice" else None if who == "anonymous" else persona(who)
    c = client if user is None else client_for(user)
    assert c.get(reverse("followthrough-legal-review", args=[decision.pk])).status_code == status


def test_legal_review_page_posts_and_queue(intake_clerk, naiman, justice, client_for) -> None:
    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    c = client_for(justice)
    assert decision.case.number in c.get(reverse("followthrough-legal-queue")).content.decode()
    response = c.post(
        reverse("followthrough-legal-review", args=[decision.pk]), {"conclusion": "approved", "version": 1}
    )
    assert response.status_code == 302 and legal_review_blocking(decision) is None


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", (401, 403)), ("medical_handler", (404,)), ("tax_handler", (403,)), ("justice", (201,))],
)
def test_legal_review_api(who, status, intake_clerk, naiman, justice, client, client_for, persona) -> None:
    case = major_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    user = justice if who == "justice" else None if who == "anonymous" else persona(who)
    c = client if user is None else client_for(user)
    response = c.post(
        reverse("api-decision-legal-reviews", args=[decision.pk]),
        {"conclusion": "approved", "version": decision.version},
        content_type="application/json",
    )
    assert response.status_code in status
    if response.status_code >= 400:
        assert "errors" in response.json()


def test_legal_request_api_and_queue_api(intake_clerk, naiman, justice, client_for, medical_handler) -> None:
    case = joint_case(intake_clerk, naiman)
    decision = _draft(case, intake_clerk)
    url = reverse("api-decision-legal-request", args=[decision.pk])
    assert client_for(medical_handler).post(url, {}, content_type="application/json").status_code == 404
    response = client_for(intake_clerk).post(url, {"note": "请把关"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["task"]
    assert client_for(intake_clerk).post(url, {}, content_type="application/json").status_code == 409
    queue = client_for(justice).get(reverse("api-legal-queue"))
    assert queue.status_code == 200 and queue.json()[0]["id"] == decision.pk
    assert client_for(intake_clerk).get(reverse("api-legal-queue")).status_code == 403
