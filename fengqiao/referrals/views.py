"""Staff pages of 报送办理: the hotline office's desk, the referral page with the steps each
role may take, the discipline liaison's list of transferred clues, and the section on the case
page. Views parse input with a form, call a service and redirect; they never save a model."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, take_step
from fengqiao.org.models import Role, Staff
from fengqiao.referrals import actions, permissions, selectors
from fengqiao.referrals.models import Referral

DESK_LABELS = {
    "incoming": gettext_lazy("待派单"),
    "dispatched": gettext_lazy("已派单"),
    "returned": gettext_lazy("已退回"),
    "overdue": gettext_lazy("已超期"),
    "answered": gettext_lazy("已反馈"),
    "all": gettext_lazy("全部"),
}


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """热线办工作台 (and a department's referrals): incoming, dispatched, returned, overdue."""
    user = request_staff(request)
    if not user.has_role(Role.HOTLINE_OFFICE, Role.HANDLER, Role.DEPARTMENT_HEAD, Role.INTAKE_CLERK):
        raise PermissionDenied
    view = request.GET.get("view", "incoming")
    if view not in selectors.DESK_VIEWS:
        view = "incoming"
    return render(
        request,
        "referrals/desk.html",
        {
            "referrals": selectors.desk_list_for(user=user, view=view)[:200],
            "view": view,
            "tabs": list(DESK_LABELS.items()),
        },
    )


def _page(request: HttpRequest, user: Staff, referral: Referral, bound: dict[str, Any] | None = None) -> HttpResponse:
    steps = actions.steps_for(user=user, referral=referral)
    forms_ = []
    for step in steps:
        form = (bound or {}).get(step.name) or actions.form_for(step, None, referral)
        if not (bound or {}).get(step.name):
            form.initial = {"version": referral.version, "kind": referral.kind}
        forms_.append((step, form))
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "case": referral.case,
            "steps": forms_,
            "proposals": selectors.catalogue_propose(referral=referral),
            "events": referral.case.events.filter(kind__in=("referral", "transfer")).select_related("actor"),
            "refusal": actions.services.refusal_ground(referral),
        },
        status=400 if bound else 200,
    )


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_staff(request)
    return _page(request, user, selectors.referral_get_for(user=user, pk=pk))


def _step_done(step: str, referral: Referral, data: dict[str, Any]) -> str:
    """What the step did (四(八)), said on the next page with the case and the department."""
    department = data.get("department")
    values = {
        "n": referral.case.number,
        "d": department.name if department is not None else "",
        "wo": data.get("work_order_number", ""),
    }
    done = {
        "work_order": _("已登记案件 %(n)s 的12345工单号 %(wo)s。"),
        "dispatch": _("已将案件 %(n)s 派单至%(d)s。"),
        "designate": _("已指定%(d)s承办案件 %(n)s。"),
        "reject_return": _("已认定退回理由不成立，案件 %(n)s 发回承办部门办理。"),
        "sign": _("已签收案件 %(n)s 的报送事项，请在办理期限内反馈办理结果。"),
        "return": _("已将案件 %(n)s 的报送事项退回12345热线办，理由已记录。"),
        "feedback": _("已反馈案件 %(n)s 的办理结果。"),
        "transfer": _("已将案件 %(n)s 的问题线索移交纪委监委。"),
    }
    return done.get(step, _("已办理案件 %(n)s 的报送事项。")) % values


@login_required
@require_POST
def referral_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step on the referral (派单, 指定, 签收, 退回, 反馈, 移交...)."""
    user = request_staff(request)
    referral = selectors.referral_get_for(user=user, pk=pk)
    found = actions.STEPS.get(step)
    if found is None:
        raise Http404
    if not found.may(user, referral):
        raise PermissionDenied
    form = actions.form_for(found, request.POST, referral)

    def write(d: dict[str, Any]) -> Done:
        found.run(referral, user, d)
        return Done(_step_done(step, referral, d), "referral-detail", pk=pk)

    taken = take_step(request, form, write)
    if taken is not None:
        return taken
    return _page(request, user, selectors.referral_get_for(user=user, pk=pk), bound={step: form})


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    """移交线索: the discipline liaison's list (and the receiving departments' own transfers)."""
    user = request_staff(request)
    if not (
        permissions.is_discipline_liaison(user)
        or user.has_role(Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD, Role.GROUP_OFFICE)
    ):
        raise PermissionDenied
    return render(request, "referrals/transfer_list.html", {"transfers": selectors.transfer_list_for(user=user)[:200]})


def case_referral_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """The 报送办理 section of the case page (the case came through ``case_get_for``)."""
    referral = selectors.referral_of_case(case=case)
    return {"case_referral": referral}
