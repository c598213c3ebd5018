"""缴费人收取答复与回访 (issue 14; docs/portal.md): on the payer's own pages the granted payer
reads the notices addressed to it, consents to electronic delivery and so receives the decision
(四(四) 结果反馈), and answers the follow-up visit (四(五) 跟踪回访).

Only documents addressed to the payer are ever listed or served: the 受理告知书, the 告知书 of an
INFORM outcome, and the 处理意见书 once delivered to the payer (by staff, or by the payer
opening it online after consenting). Opinions, reviews, minutes, receipts and dossiers are not.
The payer's acts reach the follow-up records through ``fengqiao.followup.services`` — the same
checks-and-writes as staff's (``feedback_record_by_payer``, ``visit_answer_by_payer``) — with no
staff actor: the timeline says ``by: payer``; each file served is a download in the audit trail
(actor name 缴费人).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases.models import Case, CaseEvent, CaseSealed, EventKind, sealed_check
from fengqiao.cases.states import OPEN_STATES, CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.core.forms import DateInput, errors_to_form
from fengqiao.documents import registry
from fengqiao.documents.fonts import FontMissing
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.selectors import documents_current
from fengqiao.followup import services as followup
from fengqiao.followup.models import Delivery, Recipient, Remedy, RemedyKind, Satisfaction, Visit, VisitMethod
from fengqiao.followup.selectors import current_round
from fengqiao.handling.models import Decision, DecisionStatus
from fengqiao.portal.access import payer_case_required
from fengqiao.portal.models import PayerAccess
from fengqiao.portal.services import PAYER, access_for

# The documents addressed to the payer (四(一) 受理告知书 / 告知书, 四(四) 处理意见书); nothing else.
PAYER_DOCUMENTS = (registry.RECEIPT_NOTICE, registry.INFORM_NOTICE, registry.DECISION_NOTICE)
IN_FOLLOW_UP = (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING)
NOT_YET = "none"  # the payer objects but has not (yet) taken a remedy: staff follow it up


# --- reading ----------------------------------------------------------------------------------


def _current_decision(case: Case) -> Decision | None:
    return (
        Decision.objects.filter(case_id=case.pk, status=DecisionStatus.ISSUED, document__isnull=False)
        .select_related("document")
        .order_by("-pk")
        .first()
    )


def payer_documents(case: Case) -> list[IssuedDocument]:
    """The payer-addressed documents of ``case`` in force, oldest first: the 受理告知书, the 告知书
    of an INFORM outcome, and each 处理意见书 already delivered to the payer (two queries)."""
    delivered = set(
        Delivery.objects.filter(case_id=case.pk, recipient=Recipient.PAYER, decision__document__isnull=False)
        .order_by()
        .values_list("decision__document__number", flat=True)
        .distinct()
    )
    return [
        d
        for d in documents_current(case=case).filter(doc_type__in=PAYER_DOCUMENTS)
        if d.doc_type != registry.DECISION_NOTICE or d.number in delivered
    ]


def _delivered(case: Case, decision: Decision) -> bool:
    return Delivery.objects.filter(case_id=case.pk, recipient=Recipient.PAYER, decision=decision).exists()


def _sealed(case: Case) -> bool:
    return case.state == CaseState.ARCHIVED


def case_section(case: Case) -> dict[str, Any]:
    """The status page's 答复与回访 section (``portal/_answers.html``): the notices the payer may
    read, the decision (delivered, to be opened with consent, or how it will be delivered), the
    consent, the visit to answer or the answer recorded."""
    access = PayerAccess.objects.filter(case_id=case.pk).first()
    consent_at = access.e_delivery_consent_at if access is not None else None
    decision = _current_decision(case)
    delivered = decision is not None and _delivered(case, decision)
    in_follow_up = case.state in IN_FOLLOW_UP
    visit = followup.payer_visit_open(case) if in_follow_up else None
    answered = list(
        Visit.objects.filter(case_id=case.pk, party=Recipient.PAYER, method=VisitMethod.PAYER, done_at__isnull=False)
        .filter(current_round())
        .order_by("done_at", "id")
    )
    remedies = list(
        Remedy.objects.filter(case_id=case.pk, recorded_by__isnull=True).filter(current_round()).order_by("id")
    )
    return {
        "ans_documents": payer_documents(case),
        "ans_decision": decision,
        "ans_delivered": delivered,
        "ans_consent_at": consent_at,
        # while a decision may still come to be delivered: open, and not yet in follow-up
        "ans_may_consent": consent_at is None
        and case.state in OPEN_STATES
        and case.state not in followup.FOLLOW_UP_STATES,
        "ans_may_open": decision is not None and not delivered and consent_at is not None,
        "ans_visit_open": visit is not None,
        "ans_answered": answered,
        "ans_remedies": remedies,
    }


def _document_response(request: HttpRequest, case: Case, document: IssuedDocument) -> HttpResponse:
    """The stored PDF of ``document``, recorded as a download by the payer (audit trail)."""
    trail.note(
        Action.DOWNLOAD,
        request=request,
        actor_name=PAYER,
        case=case,
        object_type="document",
        object_id=document.pk,
        summary=f"缴费人下载{document.title}（{document.number}）",
        detail={"by": "payer", "format": "pdf", "doc_type": document.doc_type},
    )
    try:
        handle = document.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    suffix = f"（第{document.version}版）" if document.version > 1 else ""
    response = FileResponse(
        handle,
        as_attachment=False,
        filename=f"{document.title}{document.number}{suffix}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    # A streamed file where the access decorator types a page (``payer_case_required``).
    return cast(HttpResponse, response)


@payer_case_required  # first: a case not granted is the uniform 404, whatever the method
@require_http_methods(["GET"])
def document(request: HttpRequest, case: Case, document_id: int) -> HttpResponse:
    """阅读/下载 one document addressed to the payer; any other id is the uniform 404."""
    found = next((d for d in payer_documents(case) if d.pk == document_id), None)
    if found is None:
        raise Http404
    return _document_response(request, case, found)


# --- electronic delivery ------------------------------------------------------------------------


@transaction.atomic
def consent_give(*, case: Case) -> PayerAccess:
    """同意电子送达 (四(四)): the granted payer agrees that opening the decision on the payer pages
    is its delivery. Recorded once, with its time, on the case's query-code row and in the
    timeline (``by: payer``); giving it again changes nothing. A sealed case refuses (四(七))."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    sealed_check(locked)
    access = access_for(locked)
    access = PayerAccess.objects.select_for_update().get(pk=access.pk)
    if access.e_delivery_consent_at is not None:
        return access
    now = timezone.now()
    access.e_delivery_consent_at = now
    access.save(update_fields=["e_delivery_consent_at"])
    CaseEvent.objects.create(
        case=locked,
        at=now,
        actor=None,
        kind=EventKind.FEEDBACK,
        summary=_("缴费人在网上同意电子送达处理意见书"),
        data={"by": "payer", "e_delivery_consent": True},
    )
    return access


def decision_open(*, case: Case) -> Delivery | None:
    """The payer opens the decision: with consent and while it is not yet delivered, that is
    the payer's delivery (``followup.services.feedback_record_by_payer``); otherwise nothing."""
    access = PayerAccess.objects.filter(case_id=case.pk).first()
    if access is None or access.e_delivery_consent_at is None:
        return None
    return followup.feedback_record_by_payer(case=case, consented_at=access.e_delivery_consent_at)


def _sealed_page(request: HttpRequest, case: Case) -> HttpResponse:
    return render(
        request, "portal/answers/refused.html", {"case": case, "message": CaseSealed().messages[0]}, status=409
    )


@payer_case_required  # first: a case not granted is the uniform 404, whatever the method
@require_POST
def consent(request: HttpRequest, case: Case) -> HttpResponse:
    """同意电子送达 from the status page."""
    if _sealed(case):
        return _sealed_page(request, case)
    try:
        consent_give(case=case)
    except CaseSealed:
        return _sealed_page(request, case)
    return redirect(f"{_case_url(case)}#decision")


def _case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("portal-case", args=[case.number])


@payer_case_required  # first: a case not granted is the uniform 404, whatever the method
@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, case: Case) -> HttpResponse:
    """处理意见书: once delivered to the payer it is served (a download in the audit trail).
    Not yet delivered: with consent, the page offers to open it — the POST is the payer's
    electronic delivery, with its 送达回证, and the case moves to follow-up as staff's delivery
    moves it; without consent, the page says how it will be delivered."""
    current = _current_decision(case)
    if current is None or current.document is None:
        raise Http404
    if request.method == "POST":
        if _sealed(case):
            return _sealed_page(request, case)
        try:
            decision_open(case=case)
        except CaseSealed:
            return _sealed_page(request, case)
        except FontMissing:
            return render(request, "portal/answers/refused.html", {"case": case, "unavailable": True}, status=503)
        return redirect("portal-decision", number=case.number)
    if _delivered(case, current):
        newest = next((d for d in payer_documents(case) if d.number == current.document.number), None)
        if newest is None:
            raise Http404
        return _document_response(request, case, newest)
    access = PayerAccess.objects.filter(case_id=case.pk).first()
    return render(
        request,
        "portal/answers/decision.html",
        {"case": case, "consented": access is not None and access.e_delivery_consent_at is not None},
    )


# --- the follow-up visit --------------------------------------------------------------------------


class VisitAnswerForm(forms.Form):
    """答复回访 (四(五)): satisfaction, objection, and the remedy the objecting payer took."""

    satisfaction = forms.ChoiceField(
        label=gettext_lazy("您对处理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    objects_to_decision = forms.TypedChoiceField(
        label=gettext_lazy("您对处理意见是否有异议"),
        choices=[("0", gettext_lazy("无异议")), ("1", gettext_lazy("有异议"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("有异议的，您已申请的救济途径"),
        choices=[*RemedyKind.choices, (NOT_YET, gettext_lazy("尚未申请"))],
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("无异议的不用选择。已申请的，请填写受理机关和申请日期。"),
    )
    body = forms.CharField(
        label=gettext_lazy("受理机关"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("如：奈曼旗人民政府、通辽市中级人民法院、奈曼旗劳动人事争议仲裁委员会。"),
    )
    filed_on = forms.DateField(label=gettext_lazy("申请/起诉日期"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=gettext_lazy("意见和建议"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        objects, kind = data.get("objects_to_decision"), data.get("kind") or ""
        if objects is True and not kind:
            self.add_error("kind", _("有异议的，请选择救济途径；尚未申请的请选择“尚未申请”。"))
        if objects is False and kind:
            self.add_error("kind", _("无异议的，无需选择救济途径。"))
        if objects and kind in RemedyKind.values:
            if not (data.get("body") or "").strip():
                self.add_error("body", _("请填写受理机关。"))
            if data.get("filed_on") is None and "filed_on" not in self.errors:
                self.add_error("filed_on", _("请填写申请/起诉日期。"))
        return data

    def described(self) -> VisitAnswerForm:
        """Ties each field's error to its input (``aria-describedby``, as ``portal/_field.html``
        names it) for screen readers."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"err-{name}"})
        return self


@payer_case_required  # first: a case not granted is the uniform 404, whatever the method
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, case: Case) -> HttpResponse:
    """答复回访: the payer's answer reaches the visit record and the remedy tracking exactly as
    a visit entered by staff (``followup.services.visit_answer_by_payer``). Without a visit to
    answer, back to the status page (which shows what was recorded)."""
    if request.method == "POST" and _sealed(case):
        return _sealed_page(request, case)
    if case.state not in IN_FOLLOW_UP or followup.payer_visit_open(case) is None:
        return redirect(f"{_case_url(case)}#visit")
    form = VisitAnswerForm(request.POST or None, initial={"version": case.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            kind = d["kind"] if d["kind"] in RemedyKind.values else ""
            filed_on: date | None = d["filed_on"] if kind else None
            try:
                followup.visit_answer_by_payer(
                    case=case,
                    satisfaction=d["satisfaction"],
                    objects_to_decision=d["objects_to_decision"],
                    notes=d["notes"],
                    remedy_kind=kind,
                    remedy_body=d["body"] if kind else "",
                    remedy_filed_on=filed_on,
                    expected_version=d["version"],
                )
            except CaseSealed:
                return _sealed_page(request, case)
            except TransitionError as exc:
                form.add_error(None, exc.messages)
                status = 409
            except ValidationError as exc:  # a field's error: beside it
                errors_to_form(form, exc)
            else:
                return redirect(f"{_case_url(case)}#visit")
        status = status if status != 200 else 400
    return render(request, "portal/answers/visit.html", {"case": case, "form": form.described()}, status=status)
