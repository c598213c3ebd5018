"""Pages of 时限督办 (督办, 我的提醒, 延期) and of 调解, and the case page's panel of them (which
also shows where the decision's 司法局 legal review stands, ``handling.legal``).

Views parse input with ``forms``, call a service, and render; a case the user may not see is
a 404 exactly like one that does not exist; one the user may see but not act on is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, form_page
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


def _may_request_extension(user: Staff, case: Case) -> bool:
    """申请延期 for the case, or for one of its open tasks."""
    open_tasks = case.tasks.filter(status__in=OPEN_TASK_STATUSES)
    return extensions.may_request(user, case, None) or any(extensions.may_request(user, case, t) for t in open_tasks)


@login_required
@require_http_methods(["GET", "POST"])
def extension_request(request: HttpRequest, number: str) -> HttpResponse:
    """申请延期 for the case or one of its open tasks."""
    user, case = acting_on(request, case_selectors.case_get_for, _may_request_extension, number=number)
    form = ExtensionRequestForm(request.POST or None, case=case)

    def write(d: dict[str, Any]) -> Done:
        try:
            extensions.extension_request(case=case, actor=user, **d)
        except PermissionDenied as exc:  # not for the task chosen: said beside it
            raise ValidationError({"task": _("您无权为该事项申请延期。")}) from exc
        who = _("领导小组组长") if extensions.is_major(case) else _("部门负责人")
        said = _("已提交案件 %(n)s 的延期申请，待%(who)s审批。") % {"n": case.number, "who": who}
        return Done(said, "case-detail", number=case.number)

    def page() -> dict[str, Any]:
        return {"case": case, "major": extensions.is_major(case)}

    return form_page(request, form, write, template="handling/followthrough/extension_request.html", context=page)


@login_required
@require_http_methods(["GET", "POST"])
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """审批延期: the department head, or the group leader for a major matter's case."""
    user, ext = acting_on(request, extension_for, extensions.may_decide, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        extensions.extension_decide(extension=ext, actor=user, **d)
        said = _("已批准案件 %(n)s 的延期申请。") if d["approve"] else _("已不批准案件 %(n)s 的延期申请。")
        return Done(said % {"n": ext.case.number}, "case-detail", number=ext.case.number)

    form = ExtensionDecideForm(request.POST or None)
    template = "handling/followthrough/extension_decide.html"
    return form_page(request, form, write, template=template, context={"ext": ext})


@login_required
@require_http_methods(["GET", "POST"])
def mediation_open(request: HttpRequest, number: str) -> HttpResponse:
    """组织调解 (调解中心/线上团队)."""
    user, case = acting_on(request, case_selectors.case_get_for, mediation.may_mediate, number=number)
    form = MediationOpenForm(request.POST or None, case=case, initial={"mediator": user.pk})

    def write(d: dict[str, Any]) -> Done:
        mediation.mediation_open(case=case, actor=user, **d)
        said = _("已登记案件 %(n)s 的调解，调解员%(m)s。") % {"n": case.number, "m": d["mediator"].name}
        return Done(said, "case-detail", number=case.number)

    template = "handling/followthrough/mediation_open.html"
    return form_page(request, form, write, template=template, context={"case": case})


@login_required
@require_http_methods(["GET", "POST"])
def mediation_result(request: HttpRequest, pk: int) -> HttpResponse:
    """记录调解结果: an agreement becomes the draft decision; otherwise handling goes on."""
    user, session = acting_on(request, session_for, mediation.may_record, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        mediation.mediation_record_result(session=session, actor=user, **d)
        said = _("已记录案件 %(n)s 的调解结果：%(r)s。") % {
            "n": session.case.number,
            "r": MediationResult(d["result"]).label,
        }
        return Done(said, "case-detail", number=session.case.number)

    def page() -> dict[str, Any]:
        return {"session": session, "done": session.result != MediationResult.PENDING}

    form = MediationResultForm(request.POST or None)
    template = "handling/followthrough/mediation_result.html"
    return form_page(request, form, write, template=template, context=page)


def notice_count_for_home(user: Staff) -> dict[str, Any]:
    """The 我的提醒 number on the staff home."""
    return {"my_notice_count": deadlines.my_notice_count(user=user)}
