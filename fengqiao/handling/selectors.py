"""Every read of 调查处理 that depends on who is asking (CONVENTIONS 3).

A task is visible to whoever may see its case (``cases.selectors.cases_visible_to``); a task
someone may not see and one that does not exist give the same 404. The inbox of a department
shows its own tasks; the group office and the leaders see the county's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState
from fengqiao.handling import permissions
from fengqiao.handling.models import (
    Decision,
    DecisionStatus,
    Opinion,
    OpinionStatus,
    SpecialHandlingRequest,
    SpecialHandlingStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from fengqiao.org.models import Department, Role, Staff

OPINION_KINDS = (TaskKind.JOINT_OPINION, TaskKind.SPECIAL_OPINION, TaskKind.OWN_HANDLING)
TASK_RELATED = ("case", "case__payer", "department", "assignee", "opinion")

INBOX_VIEWS = ("pending", "in_progress", "to_sign", "returned", "done", "all")


def _rerouted() -> Exists:
    """A task of the same case and kind for another department, given after this one was
    returned, replaced it (``services.task_reroute``)."""
    return Exists(
        Task.objects.filter(
            case_id=OuterRef("case_id"),
            kind=OuterRef("kind"),
            pk__gt=OuterRef("pk"),
            created_at__gte=OuterRef("returned_at"),
        ).exclude(department_id=OuterRef("department_id"))
    )


def tasks_visible_to(user: Staff) -> QuerySet[Task]:
    """The tasks of the cases ``user`` may see."""
    return Task.objects.filter(case__in=cases_visible_to(user))


def task_get_for(*, user: Staff, pk: int) -> Task:
    """One task, if ``user`` may see its case; otherwise 404 as if it did not exist."""
    try:
        return tasks_visible_to(user).select_related(*TASK_RELATED, "case__jurisdiction", "created_by").get(pk=pk)
    except (Task.DoesNotExist, ValueError):
        raise Http404("no such task") from None


def _inbox_base(user: Staff) -> QuerySet[Task]:
    county = user.jurisdiction
    if county is None or not user.is_active or not permissions.has_inbox(user):
        return Task.objects.none()
    qs = Task.objects.filter(case__jurisdiction_id=county.pk)
    if permissions.sees_county_tasks(user):
        return qs
    mine = Q(department_id=user.department_id)
    if user.has_role(Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD):
        # The receiving department's reviewers see the tasks of the cases they routed,
        # so a returned task comes back to them (re-routing) and they follow the progress.
        mine |= Q(case__receiving_department_id=user.department_id)
    return qs.filter(mine)


def _view_filter(view: str, user: Staff) -> Q:
    submitted = Q(opinion__status=OpinionStatus.SUBMITTED)
    own = Q(department_id=user.department_id)
    if view == "pending":
        return Q(status=TaskStatus.PENDING) & own
    if view == "in_progress":
        return Q(status=TaskStatus.SIGNED) & ~submitted & own
    if view == "to_sign":
        return Q(status=TaskStatus.SIGNED) & submitted & own
    if view == "returned":
        return Q(status=TaskStatus.RETURNED, rerouted=False)
    if view == "done":
        return Q(status=TaskStatus.DONE)
    return Q(status__in=[TaskStatus.PENDING, TaskStatus.SIGNED]) | Q(status=TaskStatus.RETURNED, rerouted=False)


def _scoped(view: str, user: Staff, qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.filter(_scoped_q(view, user))


def task_inbox_for(*, user: Staff, view: str = "all") -> QuerySet[Task]:
    """The task inbox: 待签收 (pending), 办理中 (in progress), 待我签发 (awaiting the head's
    signature), 已退回 (returned, not yet re-routed), 已办结 (done), or all open. Ordered by
    deadline then id — a total order, so the pages of the inbox (page and API) neither skip nor
    repeat a row; what a row shows is fetched up front, so the queries do not grow with rows."""
    if view not in INBOX_VIEWS:
        view = "all"
    qs = _inbox_base(user).annotate(rerouted=_rerouted())
    return _scoped(view, user, qs).select_related(*TASK_RELATED).order_by("due_on", "id")


def inbox_counts(*, user: Staff) -> dict[str, int]:
    """How many tasks each inbox view holds (one aggregate query)."""
    qs = _inbox_base(user).annotate(rerouted=_rerouted())
    today = timezone.localdate()
    counts = qs.aggregate(
        **{view: Count("pk", filter=_scoped_q(view, user)) for view in INBOX_VIEWS},
        overdue=Count("pk", filter=Q(status__in=[TaskStatus.PENDING, TaskStatus.SIGNED], due_on__lt=today)),
    )
    return {k: v or 0 for k, v in counts.items()}


def _scoped_q(view: str, user: Staff) -> Q:
    if permissions.sees_county_tasks(user) and view in ("pending", "in_progress", "to_sign"):
        return {
            "pending": Q(status=TaskStatus.PENDING),
            "in_progress": Q(status=TaskStatus.SIGNED) & ~Q(opinion__status=OpinionStatus.SUBMITTED),
            "to_sign": Q(status=TaskStatus.SIGNED, opinion__status=OpinionStatus.SUBMITTED),
        }[view]
    return _view_filter(view, user)


def task_is_overdue(task: Task, today: date | None = None) -> bool:
    """Overdue is derived: the due date has passed and the task is still open."""
    today = today or timezone.localdate()
    return task.status in (TaskStatus.PENDING, TaskStatus.SIGNED) and task.due_on < today


def tasks_of_case(*, case: Case) -> list[Task]:
    """The tasks of a case (fetched through ``case_get_for``), with their opinions."""
    return list(
        case.tasks.select_related("department", "assignee", "opinion", "opinion__signed_by")
        .annotate(rerouted=_rerouted())
        .order_by("id")
    )


def opinion_of(task: Task) -> Opinion | None:
    try:
        return task.opinion
    except Opinion.DoesNotExist:
        return None


def opinions_outstanding(*, case: Case) -> list[str] | None:
    """The departments whose written opinion the decision still waits for: a task not yet
    done, or returned and not yet re-routed. None when no department has any opinion task
    with a signed opinion (nothing to consolidate)."""
    tasks = list(
        Task.objects.filter(case=case, kind__in=OPINION_KINDS)
        .annotate(rerouted=_rerouted())
        .select_related("department")
        .order_by("id")
    )
    if not any(t.status == TaskStatus.DONE for t in tasks):
        return None
    waiting = [
        t.department.name
        for t in tasks
        if t.status in (TaskStatus.PENDING, TaskStatus.SIGNED)
        or (t.status == TaskStatus.RETURNED and not getattr(t, "rerouted", False))
    ]
    return waiting


def opinions_signed(case: Case, data: dict[str, Any]) -> str | None:
    """The decide step's guard (``cases.workflow``, added in ``HandlingConfig.ready``): 四(三)1 3),
    2 3) every department's written opinion is signed before the decision consolidates them (a
    returned task counts once it has been re-routed). A mediation agreement (调解协议) settles
    the matter without waiting for them; a referred matter is answered through its referral."""
    if data.get("from_mediation") or case.state == CaseState.REFERRED:
        return None
    outstanding = opinions_outstanding(case=case)
    if outstanding is None:
        return _("尚无部门的书面意见，不能形成处理意见")
    if outstanding:
        return _("以下部门的书面意见尚未签发或退回后尚未重新转办：%(d)s") % {"d": "、".join(outstanding)}
    return None


def signed_opinions(*, case: Case) -> list[Opinion]:
    return list(
        Opinion.objects.filter(task__case=case, status=OpinionStatus.SIGNED)
        .select_related("task__department", "signed_by")
        .order_by("task__is_lead", "task_id")
        .reverse()
    )


def decision_current(*, case: Case) -> Decision | None:
    """The case's decision: the newest one — the draft being written or the decision issued.
    After a remedy outcome changed the decision and handling reopened, the new draft is newer
    than the issued decision it will replace."""
    return Decision.objects.filter(case=case).select_related("document", "drafted_by").order_by("-pk").first()


def remedies_default(*, case: Case) -> list[dict[str, str]]:
    """救济途径 the notice must name with their bodies and deadlines (DOMAIN.md; 行政复议法
    第二十条): reconsideration 60 days, litigation 6 months, labour arbitration 1 year where
    the dispute is between an employee and an employer, and mediation. The bodies are the
    county's defaults; the department edits them before issuing."""
    county = case.jurisdiction
    city = county.parent.name if county.parent_id and county.parent else ""
    receiving = case.receiving_department
    # A tax bureau's act is reconsidered by the tax authority one level up (行政复议法第二十四条),
    # the other departments' acts by the county government.
    tax = receiving.code == "tax" and city
    reconsideration_body = f"国家税务总局{city}税务局" if tax else f"{county.name}人民政府"
    remedies = [
        {
            "kind": "申请行政复议",
            "body": reconsideration_body,
            "deadline": "自知道或者应当知道该行政行为之日起60日内",
            "basis": "《中华人民共和国行政复议法》第二十条",
        },
        {
            "kind": "提起行政诉讼",
            "body": f"{county.name}人民法院",
            "deadline": "自知道或者应当知道作出行政行为之日起6个月内；经行政复议的，自收到复议决定书之日起15日内",
            "basis": "《中华人民共和国行政诉讼法》第四十五条、第四十六条",
        },
    ]
    if case.other_party_id is not None or case.payer.payer_group in ("employee", "employer"):
        remedies.append(
            {
                "kind": "申请劳动人事争议仲裁",
                "body": f"{county.name}劳动人事争议仲裁委员会",
                "deadline": "自知道或者应当知道其权利被侵害之日起1年内",
                "basis": "《中华人民共和国劳动争议调解仲裁法》第二十七条",
            }
        )
    remedies.append(
        {
            "kind": "申请调解",
            "body": "国家税务总局奈曼旗税务局公职律师涉税争议咨询调解中心或依法设立的调解组织"
            if county.name == "奈曼旗"
            else "依法设立的调解组织",
            "deadline": "自调解组织收到调解申请之日起15日内未达成调解协议的，可以依法申请仲裁",
            "basis": "《中华人民共和国劳动争议调解仲裁法》第十四条",
        }
    )
    return remedies


_BASIS_SPLIT = re.compile(r"[\n；;]+")
_BASIS_TRIM = "。，,；; \t　"


def distinct_bases(texts: Iterable[str]) -> list[str]:
    """The provisions cited in ``texts`` (one a line or separated by ；), each once: two
    departments citing 《中华人民共和国社会保险法》第六十条 and 中华人民共和国社会保险法第六十条。
    cite the same provision. The first spelling (with 《》 if any) is kept."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for text in texts:
        for part in _BASIS_SPLIT.split(text):
            line = part.strip(_BASIS_TRIM)
            if not line:
                continue
            key = re.sub(r"[《》〈〉\s]", "", line)
            if key in seen:
                if "《" in line and "《" not in out[seen[key]]:
                    out[seen[key]] = line
                continue
            seen[key] = len(out)
            out.append(line)
    return out


def decision_prefill(*, case: Case) -> dict[str, Any]:
    """The decision editor's first draft: the payer's request, the signed opinions' facts and
    reasons and their bases, and the default remedies."""
    opinions = signed_opinions(case=case)
    facts = "\n".join(f"{o.task.department.name}：{o.facts}\n{o.text}".strip() for o in opinions)
    return {
        "request": case.claims or case.summary,
        "facts_and_reasons": facts,
        # No result is assumed: the opinions are free text, the department chooses 支持 /
        # 解释说明 / 不予支持 itself (the editor offers no default).
        "result": "",
        "legal_basis": "\n".join(distinct_bases(o.basis or "" for o in opinions)),
        "remedies": remedies_default(case=case),
    }


@dataclass(frozen=True)
class DecisionState:
    """What the decision editor shows about whether the decision may be issued."""

    outstanding: list[str] | None
    needs_minutes: bool
    minutes_issued: bool


#: The consultations covering a case (or an ``OuterRef`` to one inside a filter on cases) whose
#: minutes (会议纪要) are issued, which a major matter's decision follows (四(三)2 3)): meetings'
#: ``minutes_issued_of``, given from its ``AppConfig.ready()`` (:func:`minutes_source_register`).
_minutes_source: Callable[[Any], QuerySet[Any]] | None = None


def minutes_source_register(source: Callable[[Any], QuerySet[Any]]) -> None:
    global _minutes_source
    _minutes_source = source


def minutes_issued_of(case: Case | OuterRef) -> QuerySet[Any]:
    """The issued minutes covering ``case`` (the decision editor's, the to-do list's and the kept
    ``decision_ready`` rule's one definition, meetings')."""
    if _minutes_source is None:
        raise LookupError("no source of issued minutes: fengqiao.meetings registers it")
    return _minutes_source(case)


def minutes_issued(case: Case) -> bool:
    return minutes_issued_of(case).exists()


def decision_state(*, case: Case) -> DecisionState:
    needs = case.state == CaseState.SPECIAL_HANDLING
    return DecisionState(
        outstanding=opinions_outstanding(case=case),
        needs_minutes=needs,
        minutes_issued=minutes_issued(case) if needs else False,
    )


def special_requests_visible_to(user: Staff) -> QuerySet[SpecialHandlingRequest]:
    """The requests for special handling of the cases ``user`` may see."""
    return SpecialHandlingRequest.objects.filter(case__in=cases_visible_to(user))


def special_request_get_for(*, user: Staff, pk: int) -> SpecialHandlingRequest:
    try:
        return special_requests_visible_to(user).select_related("case", "case__payer", "requested_by").get(pk=pk)
    except (SpecialHandlingRequest.DoesNotExist, ValueError):
        raise Http404("no such request") from None


def approval_queue_for(*, user: Staff) -> QuerySet[SpecialHandlingRequest]:
    """The leader's approval queue: for the group office the requests to forward, for the
    leader those forwarded to him — and, for both, what was decided lately."""
    county = user.jurisdiction
    if county is None or not user.has_role(Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER):
        return SpecialHandlingRequest.objects.none()
    return (
        SpecialHandlingRequest.objects.filter(case__jurisdiction_id=county.pk)
        .select_related("case", "case__payer", "case__receiving_department", "requested_by", "forwarded_by")
        .order_by("requested_at", "id")
    )


def approval_pending_for(*, user: Staff) -> QuerySet[SpecialHandlingRequest]:
    qs = approval_queue_for(user=user)
    statuses = []
    if user.has_role(Role.GROUP_OFFICE):
        statuses.append(SpecialHandlingStatus.REQUESTED)
    if user.has_role(Role.GROUP_LEADER):
        statuses.append(SpecialHandlingStatus.FORWARDED)
    return qs.filter(status__in=statuses)


def decided_issued(case: Case) -> bool:
    return Decision.objects.filter(case=case, status=DecisionStatus.ISSUED).exists()


def special_units_proposed(*, case: Case) -> list[Department]:
    """The member units the leader's approval form proposes for special handling: the
    receiving department and the departments the routing rules (``cases.RoutingRule``) give the
    case's categories and payer kind (三(二) department duties), in the county's order — not
    every member unit; the leader adds others. Without any rule for the case, every member unit
    (the list of 四(三)2 2))."""
    from fengqiao.cases.selectors import routing_propose

    members = list(
        Department.objects.filter(jurisdiction_id=case.jurisdiction_id, is_member_unit=True, active=True).order_by(
            "sort_order", "id"
        )
    )
    proposal = routing_propose(case=case)
    wanted = {case.receiving_department_id, *(d.pk for d in proposal.co)}
    if proposal.lead is not None:
        wanted.add(proposal.lead.pk)
    chosen = [d for d in members if d.pk in wanted]
    if proposal.lead is None and not proposal.co:
        return members
    return chosen
