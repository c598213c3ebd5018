"""Pages of 时限督办 (督办, 我的提醒, 延期) and of 调解, and the case page's panel of them (which
also shows where the decision's 司法局 legal review stands, ``handling.legal``).

Views parse input with ``forms``, call a service, and render; a case the user may not see is
a 404 exactly like one that does not exist; one the user may see but not act on is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form
from fengqiao.handling import legal
from fengqiao.handling.followthrough import deadlines, extensions, mediation
from fengqiao.handling.followthrough.forms import (
    ExtensionDecideForm,
    ExtensionRequestForm,
    MediationOpenForm,
    MediationResultForm,
)
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    Decision,
    DecisionStatus,
    Extension,
    ExtensionStatus,
    MediationResult,
    MediationSession,
    Task,
)
from fengqiao.org.models import Staff


def extension_for(*, user: Staff, pk: int) -> Extension:
    """An extension, through its case: 404 if the user may not see the case."""
    ext = Extension.objects.filter(pk=pk).select_related("case", "task__department", "requested_by").first()
    if ext is None:
        raise Http404("no such extension")
    case_selectors.case_get_for(user=user, number=ext.case.number)
    return ext


def session_for(*, user: Staff, pk: int) -> MediationSession:
    session = MediationSession.objects.filter(pk=pk).select_related("case", "division", "mediator").first()
    if session is None:
        raise Http404("no such mediation")
    case_selectors.case_get_for(user=user, number=session.case.number)
    return session


def case_panel_context(
    *,
    user: Staff,
    case: Case,
    tasks: list[Task] | None = None,
    current: Decision | None = None,
    current_read: bool = False,
) -> dict[str, Any]:
    """What the case page shows of 催办督办, 延期, 调解 and 法律审查 (one include). What the page
    has read already for the 调查处理 panel is not read again: ``tasks``, the case's tasks with
    their departments; ``current`` (with ``current_read``), its newest decision
    (``selectors.decision_current``, None when it has none) — when that is a draft, or there is
    none, it is the answer to which draft is the newest."""
    if current_read and (current is None or current.status == DecisionStatus.DRAFT):
        decision = current
    else:
        decision = case.decisions.filter(status=DecisionStatus.DRAFT).order_by("-id").first()
    review = legal.review_state(decision) if decision is not None else None
    exts = list(
        case.extensions.select_related("task__department", "requested_by", "decided_by").order_by("-requested_at")
    )
    if tasks is None:
        tasks = list(case.tasks.select_related("department"))
    tasks = [t for t in tasks if t.status in OPEN_TASK_STATUSES]
    may_request_ext = extensions.may_request(user, case, None) or any(
        extensions.may_request(user, case, t) for t in tasks
    )
    return {
        "ft_notices": list(case.followup_notices.select_related("task__department").order_by("-created_at")[:20]),
        "ft_extensions": [
            {"ext": e, "may_decide": e.status == ExtensionStatus.REQUESTED and extensions.may_decide(user, e)}
            for e in exts
        ],
        "ft_may_request_extension": case.is_open and may_request_ext,
        "ft_mediations": list(case.mediations.select_related("division", "mediator").order_by("-held_at")),
        "ft_may_mediate": case.state in mediation.MEDIATION_STATES and mediation.may_mediate(user, case),
        "ft_decision": decision,
        "ft_review_status": review.status if review else "",
        "ft_review_required": review.required if review else False,
        "ft_may_request_review": review is not None and review.requestable and legal.may_request_review(user, case),
        "ft_is_reviewer": legal.is_reviewer(user),
    }


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """督办: overdue tasks and cases of the county by department, and the notices sent."""
    user = request_staff(request)
    if not deadlines.may_supervise(user):
        raise PermissionDenied
    board = deadlines.supervision_board(user=user)
    county = user.jurisdiction
    assert county is not None
    due_soon = list(deadlines.due_soon_tasks(county=county, today=board.today)[:50])
    return render(
        request,
        "handling/followthrough/supervision.html",
        {"board": board, "due_soon": due_soon, "limit": deadlines.SUPERVISION_ROWS},
    )


@login_required
@require_GET
def reminders(request: HttpRequest) -> HttpResponse:
    """我的提醒: the reminders and escalations sent to me."""
    user = request_staff(request)
    page = Paginator(deadlines.my_notices(user=user), 25).get_page(request.GET.get("page"))
    return render(request, "handling/followthrough/reminders.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def extension_request(request: HttpRequest, number: str) -> HttpResponse:
    """申请延期 for the case or one of its open tasks."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    open_tasks = case.tasks.filter(status__in=OPEN_TASK_STATUSES)
    if not (extensions.may_request(user, case, None) or any(extensions.may_request(user, case, t) for t in open_tasks)):
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            extensions.extension_request(
                case=case,
                actor=user,
                task=form.cleaned_data["task"],
                reason=form.cleaned_data["reason"],
                new_due_on=form.cleaned_data["new_due_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied:
            form.add_error("task", _("您无权为该事项申请延期。"))
        else:
            messages.success(
                request,
                _("已提交案件 %(n)s 的延期申请，待%(who)s审批。")
                % {"n": case.number, "who": _("领导小组组长") if extensions.is_major(case) else _("部门负责人")},
            )
            return redirect("case-detail", number=case.number)
    return render(
        request,
        "handling/followthrough/extension_request.html",
        {"case": case, "form": form, "major": extensions.is_major(case)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """审批延期: the department head, or the group leader for a major matter's case."""
    user = request_staff(request)
    ext = extension_for(user=user, pk=pk)
    if not extensions.may_decide(user, ext):
        raise PermissionDenied
    form = ExtensionDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extensions.extension_decide(
                extension=ext,
                actor=user,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
                payer_told_how=form.cleaned_data["payer_told_how"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                (
                    _("已批准案件 %(n)s 的延期申请。")
                    if form.cleaned_data["approve"]
                    else _("已不批准案件 %(n)s 的延期申请。")
                )
                % {"n": ext.case.number},
            )
            return redirect("case-detail", number=ext.case.number)
    return render(request, "handling/followthrough/extension_decide.html", {"ext": ext, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mediation_open(request: HttpRequest, number: str) -> HttpResponse:
    """组织调解 (调解中心/线上团队)."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    if not mediation.may_mediate(user, case):
        raise PermissionDenied
    form = MediationOpenForm(request.POST or None, case=case, initial={"mediator": user.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mediation.mediation_open(
                case=case,
                actor=user,
                mediator=d["mediator"],
                held_at=d["held_at"],
                parties=d["parties"],
                division=d["division"],
                place=d["place"],
                notes=d["notes"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("已登记案件 %(n)s 的调解，调解员%(m)s。") % {"n": case.number, "m": d["mediator"].name}
            )
            return redirect("case-detail", number=case.number)
    return render(request, "handling/followthrough/mediation_open.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mediation_result(request: HttpRequest, pk: int) -> HttpResponse:
    """记录调解结果: an agreement becomes the draft decision; otherwise handling goes on."""
    user = request_staff(request)
    session = session_for(user=user, pk=pk)
    if not mediation.may_record(user, session):
        raise PermissionDenied
    form = MediationResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mediation.mediation_record_result(
                session=session,
                actor=user,
                result=d["result"],
                agreement=d["agreement"],
                notes=d["notes"],
                decision_result=d["decision_result"],
                legal_basis=d["legal_basis"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("已记录案件 %(n)s 的调解结果：%(r)s。")
                % {"n": session.case.number, "r": MediationResult(d["result"]).label},
            )
            return redirect("case-detail", number=session.case.number)
    return render(
        request,
        "handling/followthrough/mediation_result.html",
        {"session": session, "form": form, "done": session.result != MediationResult.PENDING},
    )


def notice_count_for_home(user: Staff) -> dict[str, Any]:
    """The 我的提醒 number on the staff home."""
    return {"my_notice_count": deadlines.my_notice_count(user=user)}
