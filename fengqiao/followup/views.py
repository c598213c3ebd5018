"""Pages of 结果反馈 (四(四)), 跟踪回访 (四(五)) and the remedies of a payer who objects.

Views parse input with ``forms``, call a service and redirect; they never save a model. A case
(or a visit, a remedy — always reached through its case) the user may not see is a 404 like one
that does not exist; one the user may see but not act on is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import permissions as case_permissions
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.core import calendar
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form
from fengqiao.core.identifiers import mask_contact
from fengqiao.documents.fonts import FontMissing
from fengqiao.followup import forms, permissions, selectors, services
from fengqiao.followup.models import DeliveryMethod, Recipient, Remedy, RemedyOutcome, RemedyStatus
from fengqiao.org.models import Staff


def _case_for_follow_up(user: Staff, number: str) -> Case:
    case = case_selectors.case_get_for(user=user, number=number)
    if not permissions.may_follow_up(user, case):
        raise PermissionDenied
    return case


def case_followup_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """What the case page's 结果反馈与回访 section shows: the deliveries with their 送达回证, the
    visits, the remedies with their deadlines, and what ``user`` may do now."""
    may = permissions.may_follow_up(user, case)
    deliveries = list(selectors.deliveries_of(case).select_related("receipt_document"))
    for d in deliveries:  # 五(三): shown masked; the plain value only through a recorded reveal
        d.masked_address = mask_contact(d.address) if d.address else ""  # type: ignore[attr-defined]
    visits = list(selectors.visits_of(case))
    remedies = list(selectors.remedies_of(case))
    in_follow_up = case.state in (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING)
    payer_told = any(d.recipient == Recipient.PAYER for d in deliveries)
    # A visit left undone in an earlier round (about a decision since changed) stands for none
    # of this round's (selectors.current_round).
    pending = (
        set(selectors.current_visits_of(case).filter(done_at__isnull=True).values_list("party", flat=True))
        if in_follow_up
        else set()
    )
    parties = [p for p in selectors.visit_parties(case) if p not in pending]
    return {
        "fu_shown": bool(deliveries or visits or remedies) or case.state == CaseState.DECIDED,
        "fu_deliveries": deliveries,
        "fu_visits": visits,
        "fu_remedies": remedies,
        "fu_may": may,
        "fu_may_reveal": any(d.address for d in deliveries) and case_permissions.may_reveal(user, case),
        "fu_may_feedback": may
        and (case.state == CaseState.DECIDED or (case.state in services.FOLLOW_UP_STATES and payer_told)),
        "fu_may_schedule": may and in_follow_up and bool(parties),
        "fu_may_record_visit": may and in_follow_up,
        "fu_may_remedy": may and case.state == CaseState.REMEDY_TRACKING,
        "fu_schedule_form": forms.VisitScheduleForm(parties=parties),
    }


@login_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    """回访跟踪: decisions to deliver, visits due, remedies to check on, cases ready to archive."""
    user = request_staff(request)
    board = selectors.follow_up_work(user=user, today=calendar.local_day(timezone.now()))
    return render(request, "followup/work.html", {"board": board, "limit": selectors.WORKLIST_ROWS})


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, number: str) -> HttpResponse:
    """结果反馈: record the delivery of the decision notice to the payer or the other party."""
    user = request_staff(request)
    case = _case_for_follow_up(user, number)
    # Once the payer has been told, the next delivery is normally to the other party.
    to_other = case.other_party is not None and (
        request.GET.get("recipient") == Recipient.OTHER_PARTY
        or (case.state != CaseState.DECIDED and selectors.other_party_untold(case))
    )
    party = case.other_party if to_other else case.payer
    initial = {
        "recipient": Recipient.OTHER_PARTY if to_other else Recipient.PAYER,
        "recipient_name": party.name if party else "",
        "version": case.version,
    }
    form = forms.FeedbackForm(request.POST or None, case=case, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.feedback_record(
                    case=case,
                    actor=user,
                    recipient=d["recipient"],
                    method=d["method"],
                    delivered_at=d["delivered_at"],
                    recipient_name=d["recipient_name"],
                    address=d["address"],
                    receipt_reference=d["receipt_reference"],
                    notes=d["notes"],
                    send_message=d["send_message"],
                    expected_version=d["version"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            except FontMissing as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已记录结果反馈：案件 %(n)s 送达%(r)s（%(m)s），送达回证已生成。")
                    % {
                        "n": case.number,
                        "r": Recipient(d["recipient"]).label,
                        "m": DeliveryMethod(d["method"]).label,
                    },
                )
                return redirect("case-detail", number=case.number)
        status = 400
    decision = case.decisions.filter(document__isnull=False).select_related("document").order_by("-pk").first()
    return render(request, "followup/feedback.html", {"case": case, "form": form, "decision": decision}, status=status)


@login_required
@require_POST
def visit_schedule(request: HttpRequest, number: str) -> HttpResponse:
    """安排跟踪回访 from the case page."""
    user = request_staff(request)
    case = _case_for_follow_up(user, number)
    form = forms.VisitScheduleForm(request.POST, parties=selectors.visit_parties(case))
    if form.is_valid():
        try:
            visit = services.visit_schedule(
                case=case,
                actor=user,
                scheduled_on=form.cleaned_data["scheduled_on"],
                party=form.cleaned_data["party"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request,
                _("已安排回访%(p)s：%(d)s。") % {"p": visit.get_party_display(), "d": visit.scheduled_on.isoformat()},
            )
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("case-detail", number=case.number)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """记录回访: satisfaction, objection and notes."""
    user = request_staff(request)
    visit = selectors.visit_for(user=user, pk=pk)
    case = visit.case
    if not permissions.may_follow_up(user, case):
        raise PermissionDenied
    form = forms.VisitRecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.visit_record(
                    visit=visit,
                    actor=user,
                    method=d["method"],
                    satisfaction=d["satisfaction"],
                    objects_to_decision=d["objects_to_decision"],
                    notes=d["notes"],
                    done_at=d["done_at"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if d["objects_to_decision"] and visit.party == Recipient.PAYER:
                    messages.warning(
                        request,
                        _("已记录案件 %(n)s 的回访：缴费人对处理意见有异议，请记录其救济途径并跟踪。")
                        % {"n": case.number},
                    )
                else:
                    case.refresh_from_db()
                    messages.success(
                        request,
                        _("已记录案件 %(n)s 对%(p)s的回访；%(next)s。")
                        % {
                            "n": case.number,
                            "p": visit.get_party_display(),
                            "next": selectors.archive_blocker(case) or _("案件可以归档"),
                        },
                    )
                return redirect("case-detail", number=case.number)
        status = 400
    party = case.other_party if visit.party == Recipient.OTHER_PARTY else case.payer
    return render(
        request,
        "followup/visit.html",
        {"case": case, "visit": visit, "form": form, "party_name": party.name if party else ""},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def remedy_record(request: HttpRequest, number: str) -> HttpResponse:
    """记录救济途径: the remedy the objecting payer took; its statutory deadline is computed."""
    user = request_staff(request)
    case = _case_for_follow_up(user, number)
    form = forms.RemedyForm(request.POST or None, case=case)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                remedy = services.remedy_record(
                    case=case,
                    actor=user,
                    kind=d["kind"],
                    body=d["body"],
                    filed_on=d["filed_on"],
                    previous=d["previous"],
                    next_check_on=d["next_check_on"],
                    notes=d["notes"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("已记录案件 %(n)s 的%(k)s，法定期限至%(d)s。")
                    % {"n": case.number, "k": remedy.get_kind_display(), "d": remedy.statutory_deadline.isoformat()},
                )
                return redirect("case-detail", number=case.number)
        status = 400
    return render(request, "followup/remedy.html", {"case": case, "form": form}, status=status)


def _remedy_for_action(request: HttpRequest, pk: int) -> tuple[Staff, Remedy]:
    user = request_staff(request)
    remedy = selectors.remedy_for(user=user, pk=pk)
    if not permissions.may_follow_up(user, remedy.case):
        raise PermissionDenied
    if remedy.status != RemedyStatus.PENDING:
        messages.info(
            request,
            _("案件 %(n)s 的%(k)s已终结，无需再跟踪。") % {"n": remedy.case.number, "k": remedy.get_kind_display()},
        )
    return user, remedy


@login_required
@require_http_methods(["GET", "POST"])
def remedy_check(request: HttpRequest, pk: int) -> HttpResponse:
    """跟踪救济进展: note the progress and the next check date."""
    user, remedy = _remedy_for_action(request, pk)
    form = forms.RemedyCheckForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.remedy_check(remedy=remedy, actor=user, next_check_on=d["next_check_on"], notes=d["notes"])
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("已记录案件 %(n)s 的%(k)s进展，下次跟踪日期 %(d)s。")
                    % {"n": remedy.case.number, "k": remedy.get_kind_display(), "d": d["next_check_on"].isoformat()},
                )
                return redirect("case-detail", number=remedy.case.number)
        status = 400
    return render(
        request,
        "followup/remedy_action.html",
        {"case": remedy.case, "remedy": remedy, "form": form, "title": _("跟踪救济进展")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def remedy_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """记录救济结果: the remedy ends; an outcome that changes the decision reopens handling."""
    user, remedy = _remedy_for_action(request, pk)
    form = forms.RemedyOutcomeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.remedy_outcome(
                    remedy=remedy, actor=user, outcome=d["outcome"], outcome_on=d["outcome_on"], notes=d["notes"]
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                case = case_selectors.case_get_for(user=user, number=remedy.case.number)
                if case.state in (CaseState.JOINT_HANDLING, CaseState.OWN_HANDLING):
                    messages.warning(
                        request,
                        _("已记录%(k)s结果：变更了处理意见，案件 %(n)s 已退回重新办理，请重新拟写处理意见。")
                        % {"n": case.number, "k": remedy.get_kind_display()},
                    )
                else:
                    messages.success(
                        request,
                        _("已记录案件 %(n)s 的%(k)s结果：%(o)s。")
                        % {"n": case.number, "k": remedy.get_kind_display(), "o": RemedyOutcome(d["outcome"]).label},
                    )
                return redirect("case-detail", number=case.number)
        status = 400
    return render(
        request,
        "followup/remedy_action.html",
        {"case": remedy.case, "remedy": remedy, "form": form, "title": _("记录救济结果")},
        status=status,
    )


@login_required
@require_POST
def delivery_reveal(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """htmx: 查看明文 of the address, mobile number or mailbox a decision notice went to, for a
    stated reason (五(三)); recorded as a reveal, as the API's is (services.delivery_address_reveal)."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    delivery = selectors.deliveries_of(case).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    form = forms.DeliveryRevealForm(request.POST)
    value = ""
    with trail.denials(Action.REVEAL, actor=user, case=case, detail={"fields": ["delivery_address"]}):
        if not case_permissions.may_reveal(user, case):
            raise PermissionDenied
        if form.is_valid():
            try:
                value = services.delivery_address_reveal(
                    case=case, actor=user, delivery_id=pk, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
    return render(
        request,
        "followup/_delivery_reveal.html",
        {
            "case": case,
            "d": delivery,
            "masked": mask_contact(delivery.address) if delivery.address else "",
            "value": value,
            "fu_may_reveal": True,
            "reason": request.POST.get("reason", "")[:255],
            "errors": [e for errs in form.errors.values() for e in errs],
        },
        status=200 if value else 400,
    )
