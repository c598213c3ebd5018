"""Staff pages of online items (三(二)9): the list with filters, the recording form, an item's
page with its cases, steps, screenshots and forms. Views parse with a form, call a service and
redirect; they never save a model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.audit.models import Action
from fengqiao.audit.trail import note
from fengqiao.cases.models import Case
from fengqiao.cases.selectors import departments_of
from fengqiao.cases.services import mask_name
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form
from fengqiao.core.pages import Done, acting_on, form_page, post_step, take_step
from fengqiao.opinion import forms, permissions, selectors, services
from fengqiao.opinion.models import ItemStatus, LinkHow, OnlineItem, Platform, RiskLevel
from fengqiao.org.models import Staff


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """网络舆情: the items the user may read, newest seen first, with filters."""
    user = request_staff(request)
    g = request.GET
    filters = selectors.ItemFilter(
        status=g.get("status", "") if g.get("status") in ItemStatus.values else "",
        risk=g.get("risk", "") if g.get("risk") in RiskLevel.values else "",
        platform=g.get("platform", "") if g.get("platform") in Platform.values else "",
        department=_int(g.get("department")),
        number=g.get("number", "")[:40],
    )
    items = list(selectors.item_list_for(user=user, filters=filters)[: selectors.LIST_LIMIT])
    county = user.jurisdiction
    return render(
        request,
        "opinion/item_list.html",
        {
            "items": items,
            "filters": filters,
            "statuses": ItemStatus.choices,
            "risks": RiskLevel.choices,
            "platforms": Platform.choices,
            "departments": list(departments_of(county)) if county is not None else [],
            "may_record": permissions.may_record(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    """登记网络舆情."""
    user = request_staff(request)
    if not permissions.may_record(user):
        raise PermissionDenied(_("您无权登记网络舆情。"))
    if request.method == "POST":
        form = forms.ItemForm(request.POST, request.FILES, user=user)
    else:
        form = forms.ItemForm(user=user)

    def write(d: dict[str, Any]) -> Done:
        item = services.item_record(actor=user, data=form.item_data())
        return Done(_("已登记网络舆情 %(n)s。") % {"n": item.number}, "opinion-detail", pk=item.pk)

    return form_page(request, form, write, template="opinion/item_form.html")


def _detail(request: HttpRequest, user: Staff, item: OnlineItem, **extra: Any) -> HttpResponse:
    manage = permissions.may_manage(user, item)
    context = {
        "item": item,
        "summary": selectors.summary_for(user=user, item=item),
        "links": selectors.item_links(item=item, user=user),
        "steps": list(item.steps.select_related("actor")),
        "events": list(item.events.select_related("actor")),
        "attachments": list(item.attachments.all()),
        "categories": list(item.categories.all()),
        "may_manage": manage and item.is_open,
        "may_respond": permissions.may_respond(user, item) and item.is_open,
        "assign_form": forms.AssignForm(
            user=user,
            initial={
                "department": item.responsible_department.code if item.responsible_department else None,
                "risk": item.risk,
                "version": item.version,
            },
        ),
        "find_form": forms.FindForm(),
        "lead_form": forms.LeadForm(user=user, initial={"summary": item.summary}),
        "step_form": forms.StepForm(initial={"version": item.version}),
        "close_form": forms.CloseForm(initial={"version": item.version}),
        "screenshot_form": forms.ScreenshotForm(),
        "candidates": [],
        **extra,
    }
    return render(request, "opinion/item_detail.html", context, status=400 if extra.get("invalid") else 200)


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    return _detail(request, user, selectors.item_get_for(user=user, pk=pk))


@login_required
@require_POST
def item_find(request: HttpRequest, pk: int) -> HttpResponse:
    """查找关联案件 (a POST: an ID number never goes into a URL); changes nothing."""
    user, item = acting_on(
        request, selectors.item_get_for, permissions.may_manage, refused=_("您无权关联该舆情。"), pk=pk
    )
    form = forms.FindForm(request.POST)
    candidates: list[tuple[Case, str]] = []
    how = request.POST.get("how", LinkHow.NUMBER)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["how"] == LinkHow.NUMBER:
                found = services.cases_by_number(county=item.jurisdiction, number=d["number"])
            elif d["how"] == LinkHow.PAYER:
                found = services.cases_by_payer(
                    county=item.jurisdiction,
                    kind=d["payer_kind"],
                    id_number=d["id_number"],
                    credit_code=d["credit_code"],
                )
            else:
                found = services.cases_by_duplicate_rules(
                    county=item.jurisdiction,
                    kind=d["payer_kind"],
                    id_number=d["id_number"],
                    credit_code=d["credit_code"],
                    categories=list(d["categories"]),
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            candidates = [(case, mask_name(case.payer.name)) for case in found]
            if not candidates:
                form.add_error(None, _("没有找到符合条件的案件。"))
    return _detail(request, user, item, find_form=form, candidates=candidates, find_how=how, find_open=True)


@login_required
@require_POST
def item_link(request: HttpRequest, pk: int) -> HttpResponse:
    user, item = acting_on(
        request, selectors.item_get_for, permissions.may_manage, refused=_("您无权关联该舆情。"), pk=pk
    )
    form = forms.LinkForm(request.POST)

    def write(d: dict[str, Any]) -> Done:
        case = Case.objects.filter(jurisdiction=item.jurisdiction, number=d["number"].strip()).first()
        if case is None:
            raise ValidationError(_("没有该编号的案件。"))
        services.item_link(item=item, actor=user, case=case, how=d["how"])
        return Done(_("已关联案件 %(n)s。") % {"n": case.number}, "opinion-detail", pk=pk)

    back = reverse("opinion-detail", args=[pk])
    return post_step(request, form, write, back=back, refused=_("请选择要关联的案件。"), joined=True)


def _lead(user: Staff, item: OnlineItem, d: dict[str, Any], form: Any) -> str:
    case = services.lead_case_open(item=item, actor=user, data=form.intake_data())
    return _("已据此舆情立案，案件编号 %(n)s。") % {"n": case.number}


def _assign(user: Staff, item: OnlineItem, d: dict[str, Any], form: Any) -> str:
    services.item_assign(
        item=item, actor=user, department=d["department"], risk=d["risk"], expected_version=d.get("version")
    )
    return _("已确定责任部门和回应期限。")


def _step(user: Staff, item: OnlineItem, d: dict[str, Any], form: Any) -> str:
    services.step_record(item=item, actor=user, kind=d["kind"], text=d["text"], expected_version=d.get("version"))
    return _("已记录处置情况。")


def _close(user: Staff, item: OnlineItem, d: dict[str, Any], form: Any) -> str:
    services.item_close(item=item, actor=user, summary=d["closing_summary"], expected_version=d.get("version"))
    return _("已办结。")


def _screenshot(user: Staff, item: OnlineItem, d: dict[str, Any], form: Any) -> str:
    services.screenshot_add(item=item, actor=user, upload=d["file"])
    return _("已上传截图。")


@dataclass(frozen=True)
class PageStep:
    """One form posted on the item's page: its form (shown on the page as ``<step>_form``), the
    service call (``write``, which returns the success message), and who may (``may``, else 403
    with ``refused``)."""

    form: type[Any]
    write: Callable[[Staff, OnlineItem, dict[str, Any], Any], str]
    refused: Any  # a lazy gettext string
    may: Callable[[Staff, OnlineItem], bool] = permissions.may_manage
    county_form: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


PAGE_STEPS: dict[str, PageStep] = {
    "lead": PageStep(
        forms.LeadForm, _lead, gettext_lazy("您无权据此舆情立案。"), county_form=True, extra={"lead_open": True}
    ),
    "assign": PageStep(forms.AssignForm, _assign, gettext_lazy("您无权确定该舆情的责任部门。"), county_form=True),
    "step": PageStep(forms.StepForm, _step, gettext_lazy("您无权记录该舆情的处置情况。"), may=permissions.may_respond),
    "close": PageStep(forms.CloseForm, _close, gettext_lazy("您无权办结该舆情。")),
    "screenshot": PageStep(forms.ScreenshotForm, _screenshot, gettext_lazy("您无权为该舆情上传截图。")),
}


@login_required
@require_POST
def item_post(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """据此立案, 确定责任部门, 处置步骤, 办结, 上传截图: the item read within the user's scope (404),
    the right checked (403), the form parsed and the service called; success redirects to the
    page with the step's message, an error shows the page again with the form beside its
    fields (400)."""
    spec = PAGE_STEPS[step]
    user, item = acting_on(request, selectors.item_get_for, spec.may, refused=spec.refused, pk=pk)
    kwargs = {"user": user} if spec.county_form else {}
    form = spec.form(request.POST, request.FILES, **kwargs)

    def write(d: dict[str, Any]) -> Done:
        return Done(spec.write(user, item, d, form), "opinion-detail", pk=pk)

    taken = take_step(request, form, write)
    if taken is not None:
        return taken
    return _detail(request, user, item, invalid=True, **{f"{step}_form": form}, **spec.extra)


@login_required
@require_GET
def screenshot_download(request: HttpRequest, pk: int, token: str) -> FileResponse:
    """A screenshot, decrypted, to whoever may read the item; recorded in the audit trail."""
    user = request_staff(request)
    item = selectors.item_get_for(user=user, pk=pk)
    attachment = item.attachments.filter(token=token).first()
    if attachment is None:
        raise Http404("no such screenshot")
    note(
        Action.DOWNLOAD,
        actor=user,
        object_type="opinion_screenshot",
        object_id=str(attachment.pk),
        summary=_("下载舆情截图（%(n)s）") % {"n": item.number},
    )
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.token}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
