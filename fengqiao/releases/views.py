"""Staff pages of 信息发布审批 (五(三)): the request form (from the thing to release, e.g. the
dossier's 申请导出), the requester's list, the approvers' queue, a request's page with its
decision, withdrawal and the record of a release. Views parse with a form, call a service and
redirect; they never save a model."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, form_page, post_step
from fengqiao.org.models import Staff
from fengqiao.releases import forms, permissions, selectors, services
from fengqiao.releases.models import ReleaseKind

LIST_LIMIT = 200


def request_url(*, kind: str, case: Case | None = None) -> str:
    """The request form for ``kind`` (and ``case``): the 申请导出 link of the thing to release."""
    query = {"kind": kind, **({"case": case.number} if case is not None else {})}
    return f"{reverse('release-request')}?{urlencode(query)}"


def _case(user: Staff, number: str) -> Case | None:
    if not number:
        return None
    try:
        return case_selectors.case_get_for(user=user, number=number)
    except Http404:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def release_request(request: HttpRequest) -> HttpResponse:
    """信息发布申请: what, to whom, why — sent to the county's approvers."""
    user = request_staff(request)
    if not permissions.may_request_any(user):
        raise PermissionDenied(_("您无权申请发布信息。"))
    if request.method == "POST":
        form = forms.RequestForm(request.POST)
    else:
        kind = request.GET.get("kind", "")
        initial = {
            "kind": kind if kind in ReleaseKind.values else ReleaseKind.DOSSIER,
            "case": request.GET.get("case", ""),
        }
        case = _case(user, initial["case"])
        if case is not None and initial["kind"] == ReleaseKind.DOSSIER:
            initial["description"] = _("案件%(c)s的案卷归档包（含卷内全部文件及清单）") % {"c": case.number}
        form = forms.RequestForm(initial=initial)

    def write(d: dict[str, Any]) -> Done:
        case = _case(user, d["case"].strip())
        if d["case"].strip() and case is None:
            raise ValidationError({"case": _("没有该编号的案件，或您无权查看。")})
        release = services.release_request(actor=user, **{**d, "case": case})
        to = {"o": release.recipient_organisation, "k": release.get_kind_display()}
        return Done(_("已提交信息发布申请（向%(o)s提供%(k)s），待审批人审批。") % to, "release-detail", pk=release.pk)

    return form_page(request, form, write, template="releases/request_form.html")


@login_required
@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    """The requester's own requests, and for approvers the queue of pending ones."""
    user = request_staff(request)
    view = "queue" if request.GET.get("view") == "queue" else "mine"
    rows = selectors.queue(user=user) if view == "queue" else selectors.mine(user=user)
    return render(
        request,
        "releases/release_list.html",
        {
            "releases": list(rows[:LIST_LIMIT]),
            "view": view,
            "may_approve": user.holds_any(permissions.APPROVER_CANDIDATES),
            "may_request": permissions.may_request_any(user),
        },
    )


@login_required
@require_GET
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: what, to whom, why, its decision; the approver decides here."""
    user = request_staff(request)
    release = selectors.release_get_for(user=user, pk=pk)
    return render(
        request,
        "releases/release_detail.html",
        {
            "release": release,
            "may_decide": release.state == "pending" and permissions.may_decide(user, release),
            "is_requester": release.requested_by_id == user.pk,
            "decision_form": forms.DecisionForm(),
            "record_form": forms.RecordForm(),
        },
    )


@login_required
@require_POST
def release_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    release = selectors.release_get_for(user=user, pk=pk)
    form = forms.DecisionForm(request.POST)

    def write(d: dict[str, Any]) -> Done:
        approve = d["decision"] == "approve"
        services.release_decide(release=release, actor=user, approve=approve, reason=d["reason"])
        said = _("已批准向%(o)s提供%(k)s的申请。") if approve else _("已不予批准向%(o)s提供%(k)s的申请。")
        return Done(
            said % {"o": release.recipient_organisation, "k": release.get_kind_display()}, "release-detail", pk=pk
        )

    back = reverse("release-detail", args=[pk])
    return post_step(request, form, write, back=back, refused=_("请选择批准或不予批准。"), joined=True)


@login_required
@require_POST
def release_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    release = selectors.release_get_for(user=user, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        services.release_withdraw(release=release, actor=user)
        said = _("已撤回向%(o)s提供信息的申请。") % {"o": release.recipient_organisation}
        return Done(said, "release-detail", pk=pk)

    return post_step(request, None, write, back=reverse("release-detail", args=[pk]), joined=True)


@login_required
@require_POST
def release_record(request: HttpRequest, pk: int) -> HttpResponse:
    """记录发布 of approved information handed over outside the system."""
    user = request_staff(request)
    release = selectors.release_get_for(user=user, pk=pk)
    form = forms.RecordForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def write(d: dict[str, Any]) -> Done:
        services.release_record(release=release, actor=user, note=note)
        return Done(_("已记录向%(o)s提供信息。") % {"o": release.recipient_organisation}, "release-detail", pk=pk)

    return post_step(request, None, write, back=reverse("release-detail", args=[pk]), joined=True)
