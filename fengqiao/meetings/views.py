"""Staff pages of 会商: the list, planning and editing, the leader's consent, attendance, the
minutes editor with resolutions, issuing and downloading the minutes.

A consultation comes through ``consultation_get_for`` (404 if the user may not see it); a
user who sees it but may not act gets 403. Views parse input with a form, call a service
and redirect; they never save a model."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.audit import trail
from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, arguments, errors_of, form_page, post_step
from fengqiao.documents.fonts import FontMissing
from fengqiao.documents.services import CONTENT_TYPES, FORMATS
from fengqiao.meetings import forms, permissions, selectors, services
from fengqiao.meetings.models import Consultation, ConsultationKind, ConsultationStatus
from fengqiao.org.models import Staff


@login_required
@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    """会商: upcoming (not yet held) or held ones, that the user may see."""
    user = request_staff(request)
    view = "held" if request.GET.get("view") == "held" else "upcoming"
    return render(
        request,
        "meetings/consultation_list.html",
        {
            "consultations": selectors.consultation_list_for(user=user, view=view)[:200],
            "view": view,
            "may_organise": permissions.may_organise(user, user.jurisdiction.pk if user.jurisdiction else None),
        },
    )


def _create_initial(request: HttpRequest, user: Staff) -> dict[str, Any]:
    """What the new-consultation form starts from: 一般事项会商 with no case ticked, unless the
    link says otherwise — the to-do row 组织重大事项会商 links ``?kind=major&case=<number>``, so
    the form opens set to 重大事项会商 with that case ticked (四(三)2 3): its decision follows the
    minutes). A case is ticked only if it is among those the organiser may pick
    (``selectors.cases_awaiting_consultation``); an unknown kind or number is ignored."""
    kind = request.GET.get("kind", "")
    initial: dict[str, Any] = {"kind": kind if kind in ConsultationKind.values else ConsultationKind.GENERAL}
    number = request.GET.get("case", "").strip()
    if number:
        pk = selectors.cases_awaiting_consultation(user=user).filter(number=number).values_list("pk", flat=True).first()
        if pk is not None:
            initial["cases"] = [pk]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def consultation_create(request: HttpRequest) -> HttpResponse:
    """安排会商 (the group office)."""
    user = request_staff(request)
    if user.jurisdiction is None or not permissions.may_organise(user, user.jurisdiction.pk):
        raise PermissionDenied
    form = forms.ConsultationForm(request.POST or None, user=user, initial=_create_initial(request, user))

    def write(d: dict[str, Any]) -> Done:
        consultation = services.consultation_create(actor=user, data=form.data_for_service())
        when = timezone.localtime(consultation.starts_at).strftime("%Y-%m-%d %H:%M")
        return Done(
            _("已安排会商“%(t)s”（%(when)s），默认邀请领导小组成员参加。") % {"t": consultation.topic, "when": when},
            "consultation-detail",
            pk=consultation.pk,
        )

    return form_page(request, form, write, template="meetings/consultation_form.html", context={"consultation": None})


@login_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    initial = forms.ConsultationForm.initial_for(consultation)
    form = forms.ConsultationForm(request.POST or None, user=user, initial=initial)

    def write(d: dict[str, Any]) -> Done:
        services.consultation_update(
            consultation=consultation, actor=user, data=form.data_for_service(), expected_version=d.get("version")
        )
        return Done(_("已修改会商“%(t)s”的安排。") % {"t": consultation.topic}, "consultation-detail", pk=pk)

    context = {"consultation": consultation}
    return form_page(request, form, write, template="meetings/consultation_form.html", context=context)


def _detail_context(user: Staff, consultation: Consultation) -> dict[str, Any]:
    may_edit = permissions.may_edit(user, consultation)
    return {
        "consultation": consultation,
        "cases": consultation.cases.select_related("payer").order_by("number"),
        "attendees": selectors.attendees_of(consultation),
        "resolutions": selectors.resolutions_of(consultation),
        "documents": consultation.documents.select_related("issued_by").order_by("issued_at", "id"),
        "may_edit": may_edit,
        "may_approve": permissions.may_approve(user, consultation)
        and consultation.status == ConsultationStatus.AWAITING_APPROVAL,
        "S": ConsultationStatus,
        "decide_form": forms.DecideForm(initial={"version": consultation.version}),
    }


@login_required
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    consultation = selectors.consultation_get_for(user=user, pk=pk)
    return render(request, "meetings/consultation_detail.html", _detail_context(user, consultation))


@login_required
@require_POST
def consultation_step(request: HttpRequest, pk: int) -> HttpResponse:
    """报请组长同意 / 已召开 / 取消 (the group office)."""
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        if d["action"] == "request_approval":
            services.consultation_request_approval(
                consultation=consultation, actor=user, reason=d["reason"], expected_version=d["version"]
            )
        elif d["action"] == "hold":
            services.consultation_hold(consultation=consultation, actor=user, expected_version=d["version"])
        else:
            services.consultation_cancel(
                consultation=consultation, actor=user, reason=d["reason"], expected_version=d["version"]
            )
        done = {
            "request_approval": _("已将会商“%(t)s”报请领导小组组长同意。"),
            "hold": _("已记录会商“%(t)s”已召开，请录入参会人员和纪要。"),
        }.get(d["action"], _("已取消会商“%(t)s”。"))
        return Done(done % {"t": consultation.topic}, "consultation-detail", pk=pk)

    back = reverse("consultation-detail", args=[pk])
    return post_step(request, forms.StepForm(request.POST), write, back=back, refused=_("请求有误。"))


@login_required
@require_POST
def consultation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """组长同意 (or not) a major consultation."""
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_approve, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        approved = d["decision"] == "approve"
        services.consultation_decide(
            consultation=consultation, actor=user, approve=approved, note=d["note"], expected_version=d["version"]
        )
        said = _("已同意召开会商“%(t)s”。") if approved else _("已不同意召开会商“%(t)s”。")
        return Done(said % {"t": consultation.topic}, "consultation-detail", pk=pk)

    back = reverse("consultation-detail", args=[pk])
    return post_step(request, forms.DecideForm(request.POST), write, back=back, refused=_("请选择同意或不同意。"))


@login_required
@require_http_methods(["GET", "POST"])
def consultation_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """参会人员: department, person and 出席 / 请假 / 列席."""
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    county = consultation.jurisdiction
    initial = [
        {"department": a.department, "name": a.name, "title": a.title, "attendance": a.attendance, "staff": a.staff_id}
        for a in selectors.attendees_of(consultation)
    ]
    formset = forms.AttendeeFormSet(
        request.POST or None, initial=None if request.method == "POST" else initial, form_kwargs={"county": county}
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.attendance_set(
                consultation=consultation,
                actor=user,
                attendees=forms.attendees_from(formset),
                expected_version=int(request.POST.get("version") or 0) or None,
            )
        except ValidationError as exc:
            for message in exc.messages:  # a formset: the service's refusal above it
                messages.error(request, message)
        else:
            messages.success(request, _("已保存会商“%(t)s”的参会人员。") % {"t": consultation.topic})
            return redirect("consultation-detail", pk=pk)
    return render(request, "meetings/attendance_form.html", {"consultation": consultation, "formset": formset})


@login_required
@require_http_methods(["GET", "POST"])
def consultation_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """纪要编辑: the discussion, the conclusions, and the resolutions."""
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    form = forms.MinutesForm(
        request.POST or None,
        initial={
            "chair": consultation.chair,
            "discussion": consultation.discussion,
            "conclusions": consultation.conclusions,
            "version": consultation.version,
        },
    )

    def write(d: dict[str, Any]) -> Done:
        services.minutes_save(consultation=consultation, actor=user, **arguments(d))
        return Done(_("已保存会商“%(t)s”的纪要。") % {"t": consultation.topic}, "consultation-minutes", pk=pk)

    def page() -> dict[str, Any]:
        return {
            "consultation": consultation,
            "resolution_form": forms.ResolutionForm(consultation=consultation),
            "resolutions": selectors.resolutions_of(consultation),
            "default_due": services.resolution_default_due(consultation),
        }

    return form_page(request, form, write, template="meetings/minutes_form.html", context=page)


@login_required
@require_POST
def resolution_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    form = forms.ResolutionForm(request.POST, consultation=consultation)

    def write(d: dict[str, Any]) -> Done:
        services.resolution_add(consultation=consultation, actor=user, **d)
        said = _("已添加决定事项，并转为%(d)s的办理任务。") if d["make_task"] else _("已添加决定事项，承办单位%(d)s。")
        return Done(said % {"d": d["department"].name}, "consultation-minutes", pk=pk)

    return post_step(request, form, write, back=reverse("consultation-minutes", args=[pk]), refused=errors_of)


@login_required
@require_POST
def resolution_task(request: HttpRequest, pk: int, resolution_id: int) -> HttpResponse:
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    resolution = selectors.resolutions_of(consultation).filter(pk=resolution_id).first()
    if resolution is None:
        raise Http404("no such resolution")

    def write(d: dict[str, Any]) -> Done:
        services.resolution_task_create(resolution=resolution, actor=user)
        said = _("已将决定事项转为%(d)s的办理任务。") % {"d": resolution.department.name}
        return Done(said, "consultation-detail", pk=pk)

    return post_step(request, None, write, back=reverse("consultation-detail", args=[pk]))


@login_required
@require_POST
def minutes_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """印发会议纪要 (DOCX and PDF per GB/T 9704)."""
    user, consultation = acting_on(request, selectors.consultation_get_for, permissions.may_edit, pk=pk)
    version = int(request.POST.get("version") or 0) or None

    def write(d: dict[str, Any]) -> Done:
        try:
            document = services.minutes_issue(consultation=consultation, actor=user, expected_version=version)
        except FontMissing as exc:
            raise ValidationError(str(exc)) from exc
        return Done(_("已印发会议纪要（%(n)s）。") % {"n": document.number}, "consultation-detail", pk=pk)

    return post_step(request, None, write, back=reverse("consultation-detail", args=[pk]))


@login_required
@require_GET
def minutes_download(request: HttpRequest, pk: int, document_id: int, fmt: str) -> FileResponse:
    """The minutes as DOCX (download) or PDF (open for printing), to anyone who sees the
    consultation."""
    user = request_staff(request)
    consultation = selectors.consultation_get_for(user=user, pk=pk)
    if fmt not in FORMATS:
        raise Http404("no such format")
    document = consultation.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404("no such document")
    file = document.docx if fmt == "docx" else document.pdf
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    trail.minutes_downloaded(actor=user, document=document, fmt=fmt)
    response = FileResponse(
        handle,
        as_attachment=fmt == "docx",
        filename=f"{document.title}{document.number}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response


def case_consultations_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """The case page's 会商 list: the consultations covering the case that the user sees."""
    return {"case_consultations": list(selectors.consultations_of_case(case=case, user=user))}
