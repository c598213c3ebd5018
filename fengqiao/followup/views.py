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
from django.shortcuts import render
from django.urls import reverse
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
from fengqiao.core.pages import Done, Write, acting_on, arguments, errors_of, form_page, post_step
from fengqiao.documents.fonts import FontMissing
from fengqiao.followup import forms, permissions, selectors, services
from fengqiao.followup.models import DeliveryMethod, Recipient, Remedy, RemedyOutcome, RemedyStatus, Visit
from fengqiao.org.models import Staff


def _may_follow_up_case_of(user: Staff, it: Visit | Remedy) -> bool:
    """A visit or a remedy is followed up by whoever may follow up its case."""
    return permissions.may_follow_up(user, it.case)


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
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_follow_up, number=number)
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

    def write(d: dict[str, Any]) -> Done:
        try:
            services.feedback_record(case=case, actor=user, **arguments(d))
        except FontMissing as exc:
            raise ValidationError(str(exc)) from exc
        to = {"n": case.number, "r": Recipient(d["recipient"]).label, "m": DeliveryMethod(d["method"]).label}
        said = _("已记录结果反馈：案件 %(n)s 送达%(r)s（%(m)s），送达回证已生成。") % to
        return Done(said, "case-detail", number=case.number)

    def page() -> dict[str, Any]:
        decisions = case.decisions.filter(document__isnull=False).select_related("document")
        return {"case": case, "decision": decisions.order_by("-pk").first()}

    return form_page(request, form, write, template="followup/feedback.html", context=page, invalid_status=400)


@login_required
@require_POST
def visit_schedule(request: HttpRequest, number: str) -> HttpResponse:
    """安排跟踪回访 from the case page."""
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_follow_up, number=number)
    form = forms.VisitScheduleForm(request.POST, parties=selectors.visit_parties(case))

    def write(d: dict[str, Any]) -> Done:
        visit = services.visit_schedule(case=case, actor=user, scheduled_on=d["scheduled_on"], party=d["party"])
        return Done(
            _("已安排回访%(p)s：%(d)s。") % {"p": visit.get_party_display(), "d": visit.scheduled_on.isoformat()},
            "case-detail",
            number=case.number,
        )

    back = reverse("case-detail", args=[case.number])
    return post_step(request, form, write, back=back, refused=lambda f: ["；".join(errors_of(f))], joined=True)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """记录回访: satisfaction, objection and notes."""
    user, visit = acting_on(request, selectors.visit_for, _may_follow_up_case_of, pk=pk)
    case = visit.case
    form = forms.VisitRecordForm(request.POST or None)

    def write(d: dict[str, Any]) -> Done:
        services.visit_record(visit=visit, actor=user, **d)
        if d["objects_to_decision"] and visit.party == Recipient.PAYER:
            said = _("已记录案件 %(n)s 的回访：缴费人对处理意见有异议，请记录其救济途径并跟踪。") % {"n": case.number}
            return Done(said, "case-detail", level=messages.WARNING, number=case.number)
        case.refresh_from_db()
        next_ = selectors.archive_blocker(case) or _("案件可以归档")
        said = _("已记录案件 %(n)s 对%(p)s的回访；%(next)s。") % {
            "n": case.number,
            "p": visit.get_party_display(),
            "next": next_,
        }
        return Done(said, "case-detail", number=case.number)

    def page() -> dict[str, Any]:
        party = case.other_party if visit.party == Recipient.OTHER_PARTY else case.payer
        return {"case": case, "visit": visit, "party_name": party.name if party else ""}

    return form_page(request, form, write, template="followup/visit.html", context=page, invalid_status=400)


@login_required
@require_http_methods(["GET", "POST"])
def remedy_record(request: HttpRequest, number: str) -> HttpResponse:
    """记录救济途径: the remedy the objecting payer took; its statutory deadline is computed."""
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_follow_up, number=number)
    form = forms.RemedyForm(request.POST or None, case=case)

    def write(d: dict[str, Any]) -> Done:
        remedy = services.remedy_record(case=case, actor=user, **d)
        until = remedy.statutory_deadline.isoformat()
        said = _("已记录案件 %(n)s 的%(k)s，法定期限至%(d)s。") % {
            "n": case.number,
            "k": remedy.get_kind_display(),
            "d": until,
        }
        return Done(said, "case-detail", number=case.number)

    return form_page(request, form, write, template="followup/remedy.html", context={"case": case}, invalid_status=400)


def _remedy_for_action(request: HttpRequest, pk: int) -> tuple[Staff, Remedy]:
    user, remedy = acting_on(request, selectors.remedy_for, _may_follow_up_case_of, pk=pk)
    if remedy.status != RemedyStatus.PENDING:
        messages.info(
            request,
            _("案件 %(n)s 的%(k)s已终结，无需再跟踪。") % {"n": remedy.case.number, "k": remedy.get_kind_display()},
        )
    return user, remedy


def _remedy_page(request: HttpRequest, remedy: Remedy, form: Any, write: Write, title: str) -> HttpResponse:
    """The two remedy actions share one page, under their own title."""
    context = {"case": remedy.case, "remedy": remedy, "title": title}
    return form_page(request, form, write, template="followup/remedy_action.html", context=context, invalid_status=400)


@login_required
@require_http_methods(["GET", "POST"])
def remedy_check(request: HttpRequest, pk: int) -> HttpResponse:
    """跟踪救济进展: note the progress and the next check date."""
    user, remedy = _remedy_for_action(request, pk)

    def write(d: dict[str, Any]) -> Done:
        services.remedy_check(remedy=remedy, actor=user, **d)
        next_on = d["next_check_on"].isoformat()
        said = _("已记录案件 %(n)s 的%(k)s进展，下次跟踪日期 %(d)s。") % {
            "n": remedy.case.number,
            "k": remedy.get_kind_display(),
            "d": next_on,
        }
        return Done(said, "case-detail", number=remedy.case.number)

    return _remedy_page(request, remedy, forms.RemedyCheckForm(request.POST or None), write, _("跟踪救济进展"))


@login_required
@require_http_methods(["GET", "POST"])
def remedy_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """记录救济结果: the remedy ends; an outcome that changes the decision reopens handling."""
    user, remedy = _remedy_for_action(request, pk)

    def write(d: dict[str, Any]) -> Done:
        services.remedy_outcome(remedy=remedy, actor=user, **d)
        case = case_selectors.case_get_for(user=user, number=remedy.case.number)
        kind = remedy.get_kind_display()
        if case.state in (CaseState.JOINT_HANDLING, CaseState.OWN_HANDLING):
            said = _("已记录%(k)s结果：变更了处理意见，案件 %(n)s 已退回重新办理，请重新拟写处理意见。")
            return Done(said % {"n": case.number, "k": kind}, "case-detail", level=messages.WARNING, number=case.number)
        said = _("已记录案件 %(n)s 的%(k)s结果：%(o)s。") % {
            "n": case.number,
            "k": kind,
            "o": RemedyOutcome(d["outcome"]).label,
        }
        return Done(said, "case-detail", number=case.number)

    return _remedy_page(request, remedy, forms.RemedyOutcomeForm(request.POST or None), write, _("记录救济结果"))


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
