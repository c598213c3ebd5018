"""Staff pages of 调查处理 (四(三)): a department's task inbox, the task page with the opinion
editor, the leader's approval queue and the decision editor of a case.

Views parse input with the forms, call a service and redirect; they never save a model. A
task or case someone may not see answers 404 exactly like one that does not exist; a step
someone may not take answers 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.forms import AttachmentForm
from fengqiao.cases.models import Case
from fengqiao.cases.services import attachment_add
from fengqiao.cases.states import CaseState
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, arguments, form_page, post_step
from fengqiao.handling import forms, legal, permissions, selectors, services
from fengqiao.handling.models import DecisionStatus, OpinionStatus, SpecialHandlingRequest, Task, TaskStatus
from fengqiao.handling.taskcontrol_views import task_control_context
from fengqiao.org.models import Department, Staff

INBOX_TABS = [
    ("pending", "待签收"),
    ("in_progress", "办理中"),
    ("to_sign", "待负责人签发"),
    ("returned", "已退回待重新转办"),
    ("done", "已办结"),
    ("all", "全部未办结"),
]
INBOX_PAGE_SIZE = 50


# --- inbox and task ----------------------------------------------------------------------


@login_required
@require_GET
def task_inbox(request: HttpRequest) -> HttpResponse:
    """任务: the department's tasks — to sign for, in progress, awaiting the head's signature,
    returned — with their deadlines; overdue ones marked. 50 rows a page; the paging links keep
    the tab."""
    user = request_staff(request)
    if not permissions.has_inbox(user):
        raise PermissionDenied
    view = request.GET.get("view", "all")
    if view not in selectors.INBOX_VIEWS:
        view = "all"
    # Ordered by deadline then id (``task_inbox_for``), so the pages neither skip nor repeat a row.
    page = Paginator(selectors.task_inbox_for(user=user, view=view), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = page.object_list = list(page.object_list)
    today = timezone.localdate()
    for task in tasks:
        task.overdue = selectors.task_is_overdue(task, today)  # type: ignore[attr-defined]
    kept = QueryDict(mutable=True)
    kept["view"] = view
    context = {
        "tasks": tasks,
        "page": page,
        "query_without_page": kept.urlencode(),
        "view": view,
        "tabs": [(key, _(label)) for key, label in INBOX_TABS],
        "counts": selectors.inbox_counts(user=user),
        "today": today,
        "show_delegations": user.has_role(*permissions.TASK_ROLES),
    }
    return render(request, "handling/inbox.html", context)


def _task_context(user: Staff, task: Task, **extra: Any) -> dict[str, Any]:
    case = task.case
    opinion = selectors.opinion_of(task)
    may_work = permissions.may_work_task(user, task)
    editable = (
        may_work and task.status == TaskStatus.SIGNED and (opinion is None or opinion.status == OpinionStatus.DRAFT)
    )
    initial: dict[str, Any] = {"version": opinion.version if opinion else 0}
    if opinion is not None:
        initial.update(facts=opinion.facts, text=opinion.text, basis=opinion.basis)
    rerouted = services.task_rerouted_to(task) if task.status == TaskStatus.RETURNED else None
    return {
        "task": task,
        "case": case,
        "opinion": opinion,
        "overdue": selectors.task_is_overdue(task),
        "may_sign_for": may_work and task.status == TaskStatus.PENDING,
        "may_return": may_work and task.status == TaskStatus.PENDING,
        "may_edit": editable,
        "may_submit": editable and opinion is not None,
        "may_sign_opinion": permissions.may_sign_opinion(user, task)
        and opinion is not None
        and opinion.status == OpinionStatus.SUBMITTED,
        "may_reroute": task.status == TaskStatus.RETURNED
        and rerouted is None
        and case.is_open
        and permissions.may_reroute(user, case),
        "may_attach": permissions.may_attach_to_task(user, task),
        "rerouted": rerouted,
        "opinion_form": extra.pop("opinion_form", None) or forms.OpinionForm(initial=initial),
        "return_form": forms.TaskReturnForm(initial={"version": task.version}),
        "reroute_form": forms.RerouteForm(county=case.jurisdiction),
        "send_back_form": forms.SendBackForm(initial={"version": opinion.version if opinion else 0}),
        "attachment_form": AttachmentForm(),
        "attachments": case.attachments.select_related("uploaded_by"),
        **task_control_context(user, task),
        **extra,
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The task page: sign for it or return it; the written opinion (draft, submit; the
    head signs); re-routing a returned task for the reviewer."""
    user = request_staff(request)
    task = selectors.task_get_for(user=user, pk=pk)
    return render(request, "handling/task.html", _task_context(user, task))


def _task_step(
    form_class: Any, may: Callable[[Staff, Task], bool], take: Callable[..., Any], said: Any
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A button of the task page (签收, 退回, 签发, 退回修改): for whoever ``may``, ``take(task=…,
    actor=…, **the form's data)`` and ``said`` (with the case number and the department) on the
    task page; whatever is refused is said there too."""

    @login_required
    @require_POST
    def step(request: HttpRequest, pk: int) -> HttpResponse:
        user, task = acting_on(request, selectors.task_get_for, may, pk=pk)

        def write(d: dict[str, Any]) -> Done:
            take(task=task, actor=user, **arguments(d))
            return Done(said % {"n": task.case.number, "d": task.department.name}, "task-detail", pk=task.pk)

        return post_step(request, form_class(request.POST), write, back=reverse("task-detail", args=[task.pk]))

    return step


SIGNED_FOR = gettext_lazy("已签收案件 %(n)s 的办理任务（%(d)s），请撰写书面意见。")
RETURNED = gettext_lazy("已将案件 %(n)s 的办理任务退回受理部门审核转办。")
OPINION_SIGNED = gettext_lazy("已签发%(d)s对案件 %(n)s 的书面意见，该任务办结。")
SENT_BACK = gettext_lazy("已将案件 %(n)s 的书面意见退回经办人修改。")
task_sign = _task_step(forms.VersionForm, permissions.may_work_task, services.task_sign, SIGNED_FOR)
task_return = _task_step(forms.TaskReturnForm, permissions.may_work_task, services.task_return, RETURNED)
opinion_sign = _task_step(forms.VersionForm, permissions.may_sign_opinion, services.opinion_sign, OPINION_SIGNED)
opinion_send_back = _task_step(forms.SendBackForm, permissions.may_sign_opinion, services.opinion_send_back, SENT_BACK)


def _may_reroute_task(user: Staff, task: Task) -> bool:
    return permissions.may_reroute(user, task.case)


@login_required
@require_POST
def task_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    user, task = acting_on(request, selectors.task_get_for, _may_reroute_task, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        new = services.task_reroute(task=task, actor=user, **d)
        said = _("已将案件 %(n)s 重新转办至%(d)s。") % {"n": new.case.number, "d": new.department.name}
        return Done(said, "task-detail", pk=new.pk)

    form = forms.RerouteForm(request.POST, county=task.case.jurisdiction)
    return post_step(request, form, write, back=reverse("task-detail", args=[task.pk]))


@login_required
@require_POST
def opinion_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft; with ``action=submit`` also send it to the department head. A refused
    form shows the task page again with the editor's errors (400)."""
    user, task = acting_on(request, selectors.task_get_for, permissions.may_work_task, pk=pk)
    form = forms.OpinionForm(request.POST)
    if not form.is_valid():
        return render(request, "handling/task.html", _task_context(user, task, opinion_form=form), status=400)

    def write(d: dict[str, Any]) -> Done:
        opinion = services.opinion_save(task=task, actor=user, **arguments(d))
        if request.POST.get("action") == "submit":
            services.opinion_submit(task=task, actor=user, expected_version=opinion.version)
            said = _("已提交案件 %(n)s 的书面意见，待%(d)s负责人签发。") % {
                "n": task.case.number,
                "d": task.department.name,
            }
        else:
            said = _("已保存案件 %(n)s 的书面意见草稿（第%(v)d版）。") % {"n": task.case.number, "v": opinion.version}
        return Done(said, "task-detail", pk=task.pk)

    return post_step(request, form, write, back=reverse("task-detail", args=[task.pk]))


@login_required
@require_POST
def task_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment of the written opinion is an attachment of the case."""
    refused = _("只有签收该任务的部门可在此上传书面意见的附件。")
    user, task = acting_on(request, selectors.task_get_for, permissions.may_attach_to_task, refused=refused, pk=pk)

    def write(d: dict[str, Any]) -> Done:
        added = attachment_add(case=task.case, actor=user, upload=d["file"], kind=d["kind"])
        said = _("已为案件 %(n)s 上传附件“%(f)s”。") % {"n": task.case.number, "f": added.original_name}
        return Done(said, "task-detail", pk=task.pk)

    form = AttachmentForm(request.POST, request.FILES)
    return post_step(request, form, write, back=reverse("task-detail", args=[task.pk]))


# --- the decision --------------------------------------------------------------------------


def case_handling_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """What the case page's 调查处理 section shows: the tasks with their opinions, the
    decision, the special-handling requests, and what ``user`` may do."""
    tasks = selectors.tasks_of_case(case=case)
    today = timezone.localdate()
    for task in tasks:
        task.overdue = selectors.task_is_overdue(task, today)  # type: ignore[attr-defined]
        task.current_opinion = selectors.opinion_of(task)  # type: ignore[attr-defined]
    decision = selectors.decision_current(case=case)
    may_decide = permissions.may_decide(user, case)
    live = any(t.status not in (TaskStatus.RETURNED, TaskStatus.CANCELLED) for t in tasks)
    may_route = may_decide and case.state == CaseState.JOINT_HANDLING and not live
    route_initial: dict[str, Any] = {}
    if may_route:
        # The routing form proposes the departments of the routing matrix, as the review did.
        proposal = case_selectors.routing_propose(case=case)
        route_initial = {
            "lead_department": proposal.lead.code if proposal.lead else None,
            "co_departments": [d.code for d in proposal.co],
        }
    return {
        "handling_tasks": tasks,
        "handling_decision": decision,
        "handling_may_decide": may_decide
        and case.state in (CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING, CaseState.OWN_HANDLING),
        "handling_may_route": may_route,
        "handling_route_form": forms.RouteForm(county=case.jurisdiction, initial=route_initial),
        "handling_special_requests": list(
            case.special_requests.select_related("requested_by", "forwarded_by", "decided_by").prefetch_related(
                "member_units"
            )
        ),
    }


@login_required
@require_POST
def case_route(request: HttpRequest, number: str) -> HttpResponse:
    """交办联办部门 for a case in joint handling (after the leader declined special handling)."""
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_reroute, number=number)

    def write(d: dict[str, Any]) -> Done:
        routed = services.tasks_for_general(
            case=case, actor=user, departments=list(d["co_departments"]), lead=d["lead_department"]
        )
        said = _("已将案件 %(n)s 交办：%(d)s。") % {"n": case.number, "d": "、".join(t.department.name for t in routed)}
        return Done(said, "case-detail", number=case.number)

    form = forms.RouteForm(request.POST, county=case.jurisdiction)
    return post_step(request, form, write, back=reverse("case-detail", args=[case.number]))


def _decision_initial(case: Case) -> tuple[dict[str, Any], list[dict[str, str]]]:
    decision = selectors.decision_current(case=case)
    if decision is not None:
        return (
            {
                "request": decision.request,
                "facts_and_reasons": decision.facts_and_reasons,
                "result": decision.result,
                "legal_basis": decision.legal_basis,
                # An issued decision here is one a remedy changed: the new draft starts from it.
                "version": decision.version if decision.status == DecisionStatus.DRAFT else 0,
            },
            list(decision.remedies),
        )
    prefill = selectors.decision_prefill(case=case)
    remedies = prefill.pop("remedies")
    return {**prefill, "version": 0}, remedies


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, number: str) -> HttpResponse:
    """处理意见 editor: consolidate the signed opinions; save the draft; issue the notice. A
    refused draft shows the editor again with 400."""
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_decide, number=number)
    decision = selectors.decision_current(case=case)
    # After a remedy outcome reopened handling the issued decision is rewritten as a new draft.
    issued = (
        decision is not None and decision.status == DecisionStatus.ISSUED and case.state not in services.DRAFTING_STATES
    )
    if request.method == "POST" and not issued:
        form = forms.DecisionForm(request.POST)
    else:  # an issued decision takes no post: the editor shows it as on a GET
        initial, remedies = _decision_initial(case)
        form = forms.DecisionForm(initial={**initial, "remedies": remedies})

    def write(d: dict[str, Any]) -> Done:
        # 出具 = save what the page shows and issue it, in one transaction: refused, it leaves
        # nothing saved. Saving unchanged content keeps the version and with it the 司法局's
        # review of that content (``services.decision_save``).
        with transaction.atomic():
            saved = services.decision_save(case=case, actor=user, **arguments(d))
            if request.POST.get("action") != "issue":
                return Done(
                    _("已保存处理意见草稿（第%(v)d版）。") % {"v": saved.version}, "case-decision", number=case.number
                )
            saved = services.decision_issue(decision=saved, actor=user, expected_version=saved.version)
        said = _("已出具处理意见书%(n)s。") % {"n": saved.document.number if saved.document else ""}
        return Done(said, "case-detail", number=case.number)

    def page() -> dict[str, Any]:
        draft = decision if decision is not None and decision.status == DecisionStatus.DRAFT else None
        review = legal.review_state(draft) if draft is not None else None
        return {
            "case": case,
            "decision": decision,
            "issued": issued,
            "state": selectors.decision_state(case=case),
            "opinions": selectors.signed_opinions(case=case),
            "review": review,
            "may_request_review": review is not None and review.requestable and legal.may_request_review(user, case),
        }

    status = 200 if issued else 400
    return form_page(request, form, write, template="handling/decision.html", context=page, invalid_status=status)


# --- the leader's approval queue -------------------------------------------------------------


@login_required
@require_GET
def approval_queue(request: HttpRequest) -> HttpResponse:
    """审批: requests for special handling — to forward (the office), to approve (the leader)."""
    user = request_staff(request)
    qs = selectors.approval_queue_for(user=user)
    if not user.has_role(*permissions.COUNTY_TASK_ROLES):
        raise PermissionDenied
    pending = list(selectors.approval_pending_for(user=user))
    recent = list(qs.exclude(pk__in=[r.pk for r in pending]).order_by("-requested_at")[:50])
    county = user.jurisdiction
    may_approve = user.has_role("group_leader")
    for r in pending:
        if may_approve and r.status == "forwarded":
            # Each request proposes the units of the routing matrix for its own case.
            proposed = [d.code for d in selectors.special_units_proposed(case=r.case)]
            r.approve_form = forms.ApproveForm(  # type: ignore[attr-defined]
                county=county, initial={"member_units": proposed}, auto_id=f"id_{r.pk}_%s"
            )
    return render(
        request,
        "handling/approvals.html",
        {
            "pending": pending,
            "recent": recent,
            "may_forward": user.has_role("group_office"),
            "may_approve": user.has_role("group_leader"),
            "approve_form": forms.ApproveForm(county=county),
            "decline_form": forms.DeclineForm(),
            "forward_form": forms.ForwardForm(),
        },
    )


def _special_step(
    form_class: Any, may: Callable[[Staff, Case], bool], take: Callable[..., Any], said: Any
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A button of the approval queue (转报, 同意, 不同意) on one request of special handling:
    for whoever ``may`` on its case, ``take(special=…, actor=…, **the form's data)`` and
    ``said`` (with the case number) on the queue; whatever is refused is said there too."""

    @login_required
    @require_POST
    def step(request: HttpRequest, pk: int) -> HttpResponse:
        user = request_staff(request)
        special = selectors.special_request_get_for(user=user, pk=pk)
        if not may(user, special.case):
            raise PermissionDenied
        kwargs = {"county": special.case.jurisdiction} if form_class is forms.ApproveForm else {}

        def write(d: dict[str, Any]) -> Done:
            take(special=special, actor=user, **d)
            return Done(said % {"n": special.case.number}, "approval-queue")

        return post_step(request, form_class(request.POST, **kwargs), write, back="approval-queue")

    return step


def _approve(
    *, special: SpecialHandlingRequest, actor: Staff, member_units: Iterable[Department], note: str
) -> SpecialHandlingRequest:
    """同意: no unit ticked leaves the units to the service (the routing matrix's proposal)."""
    return services.special_request_approve(
        special=special, actor=actor, member_units=list(member_units) or None, note=note
    )


FORWARDED = gettext_lazy("已将案件 %(n)s 的专案处理申请转报组长审批。")
APPROVED = gettext_lazy("已同意案件 %(n)s 专案处理。")
DECLINED = gettext_lazy("已不同意案件 %(n)s 专案处理，该案转一般事项联合办理。")
special_forward = _special_step(
    forms.ForwardForm, permissions.may_forward_special, services.special_request_forward, FORWARDED
)
special_approve = _special_step(forms.ApproveForm, permissions.may_approve_special, _approve, APPROVED)
special_decline = _special_step(
    forms.DeclineForm, permissions.may_approve_special, services.special_request_decline, DECLINED
)
