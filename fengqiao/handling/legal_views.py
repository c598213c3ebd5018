"""Pages of 司法局法律审查 (三(二)5): the 司法局's queue, the review of one decision, and the
receiving department asking for a review. Their addresses stayed under
``/handling/followthrough/legal/`` (``handling.urls``).

Views parse input with ``forms``, call ``legal`` and render; a decision the user may not see
is a 404 exactly like one that does not exist; one the user may see but not act on is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.cases import selectors as case_selectors
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form
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


@login_required
@require_http_methods(["GET", "POST"])
def legal_review(request: HttpRequest, pk: int) -> HttpResponse:
    """司法局法律审查 of one decision (its current version)."""
    user = request_staff(request)
    decision = decision_for(user=user, pk=pk)
    if not legal.is_reviewer(user):
        raise PermissionDenied
    form = LegalReviewForm(request.POST or None, initial={"version": decision.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            legal.legal_review_record(
                decision=decision,
                reviewer=user,
                conclusion=d["conclusion"],
                notes=d["notes"],
                expected_version=d["version"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("已记录对案件 %(n)s 处理意见的法律审查意见：%(c)s。")
                % {"n": decision.case.number, "c": LegalReviewConclusion(d["conclusion"]).label},
            )
            return redirect("followthrough-legal-queue")
    return render(
        request,
        "handling/followthrough/legal_review.html",
        {
            "decision": decision,
            "form": form,
            "reviews": legal.reviews_of(decision),
            "status": legal.review_status(decision),
        },
    )


@login_required
@require_POST
def legal_request(request: HttpRequest, pk: int) -> HttpResponse:
    """申请司法局审查 the decision's current content: a general matter's on request, a major
    matter's again after its content changed. From the decision editor (``back=decision``) the
    user returns there, otherwise to the case page."""
    user = request_staff(request)
    decision = decision_for(user=user, pk=pk)
    if not legal.may_request_review(user, decision.case):
        raise PermissionDenied
    form = LegalRequestForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        event = legal.legal_review_request(decision=decision, actor=user, note=note)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已%(s)s。") % {"s": event.summary})
    if request.POST.get("back") == "decision":
        return redirect("case-decision", number=decision.case.number)
    return redirect("case-detail", number=decision.case.number)
