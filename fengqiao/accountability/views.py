"""Staff pages of 责任追究 (五(四)): the list with its filters, one record, the confirm and dismiss
forms, and the hand-entry form.

A record comes through ``record_get_for`` (404 if the user may not read it); a user who reads
it but may not decide gets 403. Views parse input with a form, call a service and redirect;
they never save a model."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fengqiao.accountability import forms, permissions, selectors, services
from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form
from fengqiao.core.pages import Done, form_page
from fengqiao.org.models import Department, Staff

PAGE_SIZE = 50


def _may_decide(user: Staff) -> bool:
    county = user.jurisdiction
    return county is not None and permissions.may_decide(user, county.pk)


@login_required
@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    """责任追究记录: the records the user may read, filtered by status, failure, department and
    month, 50 a page."""
    user = request_staff(request)
    filters = selectors.RecordFilter.of(request.GET.dict())
    page = Paginator(selectors.record_list_for(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    county = user.jurisdiction
    departments = (
        Department.objects.filter(jurisdiction=county).order_by("sort_order", "id").only("code", "name", "short_name")
        if county is not None and permissions.may_read_all(user)
        else Department.objects.none()
    )
    return render(
        request,
        "accountability/record_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": RecordStatus.choices,
            "failures": Failure.choices,
            "departments": departments,
            "may_decide": _may_decide(user),
            "see_person": permissions.may_see_person(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest) -> HttpResponse:
    """人工录入 (the group office)."""
    user = request_staff(request)
    county = user.jurisdiction
    if county is None or not permissions.may_decide(user, county.pk):
        raise PermissionDenied
    form = forms.RecordForm(request.POST or None, county=county)

    def write(d: dict[str, Any]) -> Done:
        record = services.record_enter(actor=user, data=form.data_for_service())
        said = _("已录入责任追究记录（%(s)s）。") % {"s": record.get_status_display()}
        return Done(said, "accountability-detail", pk=record.pk)

    return form_page(request, form, write, template="accountability/record_form.html")


def _detail(request: HttpRequest, user: Staff, record: AccountabilityRecord, **extra: Any) -> HttpResponse:
    open_ = record.status == RecordStatus.PROPOSED and permissions.may_decide(user, record.jurisdiction_id)
    context = {
        "record": record,
        "see_person": permissions.may_see_person(user, record),
        "may_decide": open_,
        "confirm_form": forms.ConfirmForm(initial={"version": record.version}),
        "dismiss_form": forms.DismissForm(initial={"version": record.version}),
        **extra,
    }
    return render(request, "accountability/record_detail.html", context, status=400 if extra else 200)


@login_required
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    return _detail(request, user, selectors.record_get_for(user=user, pk=pk))


def _decide(request: HttpRequest, pk: int, *, confirm: bool) -> HttpResponse:
    user = request_staff(request)
    record = selectors.record_get_for(user=user, pk=pk)
    if not permissions.may_decide(user, record.jurisdiction_id):
        raise PermissionDenied
    if request.method == "GET":
        return redirect("accountability-detail", pk=pk)
    form: Any = (forms.ConfirmForm if confirm else forms.DismissForm)(request.POST)
    key = "confirm_form" if confirm else "dismiss_form"
    if form.is_valid():
        d = form.cleaned_data
        try:
            if confirm:
                services.record_confirm(
                    record=record, actor=user, decision=d["decision"], expected_version=d.get("version")
                )
            else:
                services.record_dismiss(
                    record=record, actor=user, reason=d["reason"], expected_version=d.get("version")
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors_to_form(form, exc)
            else:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("accountability-detail", pk=pk)
        else:
            messages.success(request, _("已确认责任追究。") if confirm else _("已决定不予追究。"))
            return redirect("accountability-detail", pk=pk)
    return _detail(request, user, record, **{key: form})


@login_required
@require_http_methods(["GET", "POST"])
def record_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """确认 a proposal with the decision taken (the group office)."""
    return _decide(request, pk, confirm=True)


@login_required
@require_http_methods(["GET", "POST"])
def record_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """不予追究, with the reason (the group office)."""
    return _decide(request, pk, confirm=False)
