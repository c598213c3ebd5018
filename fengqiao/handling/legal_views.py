"""Pages of 司法局法律审查 (三(二)5): the 司法局's queue, the review of one decision, and the
receiving department asking for a review. Their addresses stayed under
``/handling/followthrough/legal/`` (``handling.urls``).

Views parse input with ``forms``, call ``legal`` and render; a decision the user may not see
is a 404 exactly like one that does not exist; one the user may see but not act on is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.cases import selectors as case_selectors
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, arguments, form_page, post_step
from fengqiao.handling import legal
from fengqiao.handling.forms import LegalRequestForm, LegalReviewForm
from fengqiao.handling.models import Decision, LegalReviewConclusion
from fengqiao.org.models import Staff


def decision_for(*, user: Staff, pk: int) -> Decision:
    """A decision, through its case (or through the 司法局's review scope)."""
    decision = Decision.objects.filter(pk=pk).select_related("case").first()
    if decision is None:
        raise Http404("no such decision")
    if legal.is_reviewer(user):
        try:
            return legal.decision_for_review(user=user, decision_id=pk)
        except Http404:
            pass
    case_selectors.case_get_for(user=user, number=decision.case.number)
    return decision


@login_required
@require_GET
def legal_queue(request: HttpRequest) -> HttpResponse:
    """司法局: the decisions waiting for a legal review."""
    user = request_staff(request)
    if not legal.is_reviewer(user):
        raise PermissionDenied
    return render(
        request, "handling/followthrough/legal_queue.html", {"decisions": legal.review_queue(user=user)[:100]}
    )


def _is_reviewer(user: Staff, decision: Decision) -> bool:
    return legal.is_reviewer(user)


def _may_request_review(user: Staff, decision: Decision) -> bool:
    return legal.may_request_review(user, decision.case)


@login_required
@require_http_methods(["GET", "POST"])
def legal_review(request: HttpRequest, pk: int) -> HttpResponse:
    """司法局法律审查 of one decision (its current version)."""
    user, decision = acting_on(request, decision_for, _is_reviewer, pk=pk)
    form = LegalReviewForm(request.POST or None, initial={"version": decision.version})

    def write(d: dict[str, Any]) -> Done:
        legal.legal_review_record(decision=decision, reviewer=user, **arguments(d))
        said = _("已记录对案件 %(n)s 处理意见的法律审查意见：%(c)s。") % {
            "n": decision.case.number,
            "c": LegalReviewConclusion(d["conclusion"]).label,
        }
        return Done(said, "followthrough-legal-queue")

    def page() -> dict[str, Any]:
        return {"decision": decision, "reviews": legal.reviews_of(decision), "status": legal.review_status(decision)}

    return form_page(request, form, write, template="handling/followthrough/legal_review.html", context=page)


@login_required
@require_POST
def legal_request(request: HttpRequest, pk: int) -> HttpResponse:
    """申请司法局审查 the decision's current content: a general matter's on request, a major
    matter's again after its content changed. From the decision editor (``back=decision``) the
    user returns there, otherwise to the case page."""
    user, decision = acting_on(request, decision_for, _may_request_review, pk=pk)
    form = LegalRequestForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""  # the note is optional: a bad one is dropped
    back = "case-decision" if request.POST.get("back") == "decision" else "case-detail"

    def write(d: dict[str, Any]) -> Done:
        event = legal.legal_review_request(decision=decision, actor=user, note=note)
        return Done(_("已%(s)s。") % {"s": event.summary}, back, number=decision.case.number)

    return post_step(request, None, write, back=reverse(back, args=[decision.case.number]), joined=True)
