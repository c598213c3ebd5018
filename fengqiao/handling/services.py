"""Every write of 调查处理 (四(三)): the departments' tasks, their written opinions, the leader's
approval of special handling and the receiving department's consolidated decision.

Each function is one transaction. Where two people can act on the same case at once, the
case row is locked first and then the task (or opinion, decision, request) row — always in
that order, so two departments submitting at the same moment are serialised without
deadlock; ``expected_version`` refuses an action taken from a page that someone else's
change has made stale (409 in the API). Every step writes its event on the case timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import kept, workflow
from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, EventKind, sealed_check
from fengqiao.cases.states import CaseState
from fengqiao.cases.workflow import TransitionError
from fengqiao.core import calendar, timelimits
from fengqiao.handling import permissions
from fengqiao.handling.delegation import delegation_active
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    Decision,
    DecisionResult,
    DecisionStatus,
    Opinion,
    OpinionStatus,
    SpecialHandlingRequest,
    SpecialHandlingStatus,
    Task,
    TaskKind,
    TaskStatus,
    decision_content_digest,
)
from fengqiao.org.models import Department, Role, Staff

# The time limit of each kind of task (DOMAIN.md "Default time limits").
KIND_LIMITS: dict[str, str] = {
    TaskKind.JOINT_OPINION: timelimits.JOINT_OPINION,
    TaskKind.SPECIAL_OPINION: timelimits.SPECIAL_OPINION,
    TaskKind.OWN_HANDLING: timelimits.OWN_HANDLING,
}
# Tasks whose written opinions the decision consolidates.
OPINION_KINDS = (TaskKind.JOINT_OPINION, TaskKind.SPECIAL_OPINION, TaskKind.OWN_HANDLING)


# --- locking helpers --------------------------------------------------------------------


def _for_update(qs: Any) -> Any:
    # PostgreSQL: lock only the named row, not the rows joined by select_related.
    if connection.features.has_select_for_update_of:
        return qs.select_for_update(of=("self",))
    return qs.select_for_update()


def _lock_case(case_id: int) -> Case:
    """Lock the case every handling step writes; a sealed case is refused first, before the
    step's own state check (四(七), ``cases.models.sealed_check``)."""
    case: Case = _for_update(
        Case.objects.filter(pk=case_id).select_related("jurisdiction", "receiving_department")
    ).get()
    sealed_check(case)
    return case


def _lock_task(task: Task) -> Task:
    """Lock the case, then the task (always in that order), and return the fresh task."""
    case = _lock_case(task.case_id)
    locked: Task = _for_update(Task.objects.filter(pk=task.pk).select_related("department")).get()
    locked.case = case
    return locked


def _stale_check(obj: Task | Opinion | Decision, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != obj.version:
        raise TransitionError(_("该记录已被他人更新，请刷新页面后重试。"), code="stale")


def _state_error(message: str) -> TransitionError:
    return TransitionError(message, code="state")


def _event(*, case: Case, actor: Staff | None, kind: str, summary: str, data: dict[str, Any]) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, at=timezone.now(), actor=actor, kind=kind, summary=summary[:255], data=data
    )


def _today() -> date:
    return calendar.local_day(timezone.now())


def _task_data(task: Task, **extra: Any) -> dict[str, Any]:
    return {
        "task": task.pk,
        "department": task.department.code,
        "kind": task.kind,
        "status": task.status,
        "due_on": task.due_on.isoformat(),
        **extra,
    }


# --- tasks ------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    case: Case,
    department: Department,
    kind: str,
    actor: Staff,
    due_on: date | None = None,
    limit: str = "",
    is_lead: bool = False,
    instructions: str = "",
    kept_refresh: bool = True,
) -> Task:
    """交办: give one department its part of a case — 各联办单位依职权办理，在规定时限内向受理
    单位提供书面意见 (四(三)1 3)), 各部门依职权办理，在规定时限内提供书面审批意见 (四(三)2 3)), the
    receiving department's own handling (四(一)), or a consultation's resolution (四(三)3).

    The due date comes from the calendar service with the kind's time-limit row, or ``limit``
    (a resolution names its own ``due_on`` or ``limit``); the code and start day are kept on
    the task so the date can be recomputed (``handling.followthrough.recompute``). The limit for returning
    the task as not the department's duty is ``timelimits.TASK_RETURN``. The department joins
    the case, so its people see it. Callers check who may give the task; the case is locked
    by them. The case's kept to-do values are refreshed (an open task: the decision waits
    again) unless ``kept_refresh`` is false — for a case that cannot have one true."""
    if kind not in TaskKind.values:
        raise ValidationError({"kind": [_("未知的任务类型。")]})
    if department.jurisdiction_id != case.jurisdiction_id:
        raise ValidationError({"department": [_("承办部门不属于本旗县。")]})
    today = _today()
    provisional = False
    code = ""
    if due_on is None:
        code = limit or KIND_LIMITS.get(kind, "")
        if not code:
            raise ValidationError({"due_on": [_("请填写办理期限。")]})
        due = timelimits.due(code, today)
        due_on, provisional = due.day, due.provisional
    returning = timelimits.due(timelimits.TASK_RETURN, today)
    task = Task.objects.create(
        case=case,
        department=department,
        kind=kind,
        is_lead=is_lead,
        instructions=instructions.strip(),
        created_at=timezone.now(),
        created_by=actor,
        return_due_on=returning.day,
        due_on=due_on,
        due_provisional=provisional or returning.provisional,
        due_limit=code,
        due_from=today,
    )
    if department.pk != case.receiving_department_id:
        role = CaseDepartment.Role.LEAD if is_lead else CaseDepartment.Role.CO
        CaseDepartment.objects.bulk_create(
            [CaseDepartment(case=case, department=department, role=role)], ignore_conflicts=True
        )
    _event(
        case=case,
        actor=actor,
        kind=EventKind.TASK,
        summary=_("交办%(dept)s：%(kind)s，%(due)s前办结")
        % {"dept": department.name, "kind": TaskKind(kind).label, "due": due_on.isoformat()},
        data=_task_data(task, is_lead=is_lead),
    )
    if kept_refresh:
        kept.refresh([case])  # an open opinion task: the decision waits again
    return task


def _has_live_task(case: Case, department: Department, kinds: Iterable[str]) -> bool:
    return (
        Task.objects.filter(case=case, department=department, kind__in=list(kinds))
        .exclude(status__in=[TaskStatus.RETURNED, TaskStatus.CANCELLED])
        .exists()
    )


@transaction.atomic
def tasks_for_general(
    *, case: Case, actor: Staff, departments: Sequence[Department], lead: Department | None = None
) -> list[Task]:
    """一般事项联办 (四(三)1 2)): one written-opinion task for the lead department and each
    co-handling department. A department that already has a live task of the case gets no
    second one, so routing twice does not double the work."""
    case = _lock_case(case.pk)
    if not permissions.may_reroute(actor, case):
        raise PermissionDenied(_("您无权为该案件交办任务。"))
    if case.state != CaseState.JOINT_HANDLING:
        raise _state_error(_("只有联合办理中的案件才能交办联办任务。"))
    tasks = []
    seen: set[int] = set()
    ordered = [lead, *departments] if lead is not None else list(departments)
    for department in ordered:
        if department is None or department.pk in seen:
            continue
        seen.add(department.pk)
        if _has_live_task(case, department, (TaskKind.JOINT_OPINION,)):
            continue
        tasks.append(
            task_create(
                case=case,
                department=department,
                kind=TaskKind.JOINT_OPINION,
                actor=actor,
                is_lead=lead is not None and department.pk == lead.pk,
            )
        )
    return tasks


@transaction.atomic
def task_for_own_handling(*, case: Case, actor: Staff) -> Task:
    """属于本单位职责范围内事项，按照规定限时办结 (四(一)): the receiving department's own task,
    given at registration (``cases.services.case_register``): the case has no other task and no
    decision, so its kept to-do values stay false (``cases.kept``) and need no refresh."""
    return task_create(
        case=case,
        department=case.receiving_department,
        kind=TaskKind.OWN_HANDLING,
        actor=actor,
        is_lead=True,
        kept_refresh=False,
    )


@transaction.atomic
def task_sign(*, task: Task, actor: Staff, expected_version: int | None = None) -> Task:
    """签收: the department takes the task on; the handler who signs becomes its handler."""
    task = _lock_task(task)
    if not permissions.may_work_task(actor, task):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以签收。"))
    _stale_check(task, expected_version)
    if task.status != TaskStatus.PENDING:
        raise _state_error(_("任务当前状态为“%(s)s”，不能签收。") % {"s": task.get_status_display()})
    task.status = TaskStatus.SIGNED
    task.signed_at = timezone.now()
    task.assignee = actor
    task.version += 1
    task.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.TASK,
        summary=_("%(dept)s签收任务") % {"dept": task.department.name},
        data=_task_data(task),
    )
    return task


@transaction.atomic
def task_return(*, task: Task, actor: Staff, reason: str, expected_version: int | None = None) -> Task:
    """退回: 'not our duty' — within its return limit and with reasons, the department sends
    the task back to the reviewer, who re-routes it (``task_reroute``)."""
    task = _lock_task(task)
    if not permissions.may_work_task(actor, task):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以退回。"))
    _stale_check(task, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明退回理由（如：不属本部门职责及依据）。")]})
    if task.status != TaskStatus.PENDING:
        raise _state_error(
            _("任务当前状态为“%(s)s”，不能退回；已签收的任务应办结。") % {"s": task.get_status_display()}
        )
    if task.return_due_on is not None and _today() > task.return_due_on:
        raise ValidationError(
            {"reason": [_("退回期限（%(day)s）已过，请签收办理。") % {"day": task.return_due_on.isoformat()}]}
        )
    task.status = TaskStatus.RETURNED
    task.returned_at = timezone.now()
    task.return_reason = reason
    task.version += 1
    task.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.TASK,
        summary=_("%(dept)s退回任务：%(reason)s") % {"dept": task.department.name, "reason": reason},
        data=_task_data(task, reason=reason),
    )
    kept.refresh([task.case_id])  # returned and not yet re-routed: the decision waits on the reviewer
    return task


def task_rerouted_to(task: Task) -> Task | None:
    """The task that replaced a returned one (same case and kind, given after the return)."""
    if task.returned_at is None:
        return None
    return (
        Task.objects.filter(case_id=task.case_id, kind=task.kind, pk__gt=task.pk, created_at__gte=task.returned_at)
        .exclude(department_id=task.department_id)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def task_reroute(*, task: Task, department: Department, actor: Staff, instructions: str = "") -> Task:
    """重新转办: the reviewer gives a returned task to another department (the new task has
    the same kind, a fresh deadline, and takes the lead if the returned one had it)."""
    task = _lock_task(task)
    case = task.case
    if not permissions.may_reroute(actor, case):
        raise PermissionDenied(_("您无权重新转办该任务。"))
    if task.status != TaskStatus.RETURNED:
        raise _state_error(_("只有被退回的任务才能重新转办。"))
    if not case.is_open or case.state == CaseState.DECIDED:
        raise _state_error(_("案件已形成处理意见，不能再转办。"))
    if department.pk == task.department_id:
        raise ValidationError({"department": [_("请选择退回部门以外的部门。")]})
    if task_rerouted_to(task) is not None:
        raise _state_error(_("该任务已重新转办。"))
    if _has_live_task(case, department, (task.kind,)):
        raise ValidationError({"department": [_("%(dept)s已有本案的任务。") % {"dept": department.name}]})
    new = task_create(
        case=case,
        department=department,
        kind=task.kind,
        actor=actor,
        is_lead=task.is_lead,
        instructions=instructions or task.instructions,
        due_on=task.due_on if task.kind == TaskKind.RESOLUTION else None,
    )
    _event(
        case=case,
        actor=actor,
        kind=EventKind.ROUTED,
        summary=_("%(old)s退回的任务重新转办至%(new)s") % {"old": task.department.name, "new": department.name},
        data={"returned_task": task.pk, "task": new.pk, "department": department.code},
    )
    return new


def _cancel(task: Task, *, actor: Staff, reason: str) -> Task:
    """Close an open task as no longer needed. The step with its checks is
    ``taskcontrol.task_cancel``; a decision from a mediation agreement cancels the open tasks
    through here."""
    task.status = TaskStatus.CANCELLED
    task.completed_at = timezone.now()
    task.cancel_reason = reason
    task.version += 1
    task.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.TASK,
        summary=_("撤销%(dept)s的任务：%(reason)s") % {"dept": task.department.name, "reason": reason},
        data=_task_data(task, reason=reason),
    )
    return task


# --- written opinions ---------------------------------------------------------------------


def _opinion_of(task: Task) -> Opinion | None:
    return _for_update(Opinion.objects.filter(task=task)).first()


@transaction.atomic
def opinion_save(
    *,
    task: Task,
    actor: Staff,
    facts: str,
    text: str,
    basis: str = "",
    expected_version: int | None = None,
) -> Opinion:
    """起草书面意见: the handler writes the department's written opinion — the facts found,
    the opinion and its basis (attachments are the case's attachments). A draft may change
    until it is submitted; ``expected_version`` is the opinion's version as read."""
    task = _lock_task(task)
    if not permissions.may_work_task(actor, task):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以起草书面意见。"))
    if task.status != TaskStatus.SIGNED:
        raise _state_error(_("任务签收后才能起草书面意见。"))
    opinion = _opinion_of(task)
    now = timezone.now()
    if opinion is None:
        if expected_version not in (None, 0):
            raise TransitionError(_("该记录已被他人更新，请刷新页面后重试。"), code="stale")
        opinion = Opinion(task=task, author=actor, facts=facts.strip(), text=text.strip(), basis=basis.strip())
        opinion.updated_at = now
        opinion.save()
        summary = _("%(dept)s起草书面意见") % {"dept": task.department.name}
    else:
        _stale_check(opinion, expected_version)
        if opinion.status != OpinionStatus.DRAFT:
            raise _state_error(_("书面意见已提交或已签发，不能修改。"))
        opinion.facts, opinion.text, opinion.basis = facts.strip(), text.strip(), basis.strip()
        opinion.author = actor
        opinion.updated_at = now
        opinion.version += 1
        opinion.save()
        summary = _("%(dept)s修改书面意见草稿") % {"dept": task.department.name}
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.OPINION,
        summary=summary,
        data={"task": task.pk, "opinion": opinion.pk, "status": opinion.status, "version": opinion.version},
    )
    return opinion


@transaction.atomic
def opinion_submit(*, task: Task, actor: Staff, expected_version: int | None = None) -> Opinion:
    """提交: the handler sends the draft to the department head for signature."""
    task = _lock_task(task)
    if not permissions.may_work_task(actor, task):
        raise PermissionDenied(_("只有承办部门的经办人或负责人可以提交书面意见。"))
    opinion = _opinion_of(task)
    if opinion is None:
        raise ValidationError({"text": [_("请先起草书面意见。")]})
    _stale_check(opinion, expected_version)
    if task.status != TaskStatus.SIGNED or opinion.status != OpinionStatus.DRAFT:
        raise _state_error(_("只有草稿状态的书面意见可以提交。"))
    errors = {}
    if not opinion.facts.strip():
        errors["facts"] = [_("请写明查明的事实。")]
    if not opinion.text.strip():
        errors["text"] = [_("请写明意见。")]
    if errors:
        raise ValidationError(errors)
    opinion.status = OpinionStatus.SUBMITTED
    opinion.updated_at = timezone.now()
    opinion.version += 1
    opinion.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.OPINION,
        summary=_("%(dept)s提交书面意见，待负责人签发") % {"dept": task.department.name},
        data={"task": task.pk, "opinion": opinion.pk, "status": opinion.status, "version": opinion.version},
    )
    return opinion


@transaction.atomic
def opinion_send_back(*, task: Task, actor: Staff, reason: str, expected_version: int | None = None) -> Opinion:
    """退回修改: the department head returns a submitted opinion to the handler as a draft."""
    task = _lock_task(task)
    if not permissions.may_sign_opinion(actor, task):
        raise PermissionDenied(_("只有承办部门负责人可以退回修改书面意见。"))
    opinion = _opinion_of(task)
    if opinion is None or opinion.status != OpinionStatus.SUBMITTED:
        raise _state_error(_("只有待签发的书面意见可以退回修改。"))
    _stale_check(opinion, expected_version)
    opinion.status = OpinionStatus.DRAFT
    opinion.updated_at = timezone.now()
    opinion.version += 1
    opinion.save()
    _event(
        case=task.case,
        actor=actor,
        kind=EventKind.OPINION,
        summary=_("%(dept)s负责人退回书面意见修改：%(reason)s") % {"dept": task.department.name, "reason": reason},
        data={"task": task.pk, "opinion": opinion.pk, "status": opinion.status, "reason": reason},
    )
    return opinion


@transaction.atomic
def opinion_sign(*, task: Task, actor: Staff, expected_version: int | None = None) -> Opinion:
    """签发: the department head signs the written opinion; the task is done. A signed
    opinion never changes (``Opinion.save`` refuses it)."""
    task = _lock_task(task)
    if not permissions.may_sign_opinion(actor, task):
        raise PermissionDenied(_("只有承办部门负责人可以签发书面意见。"))
    opinion = _opinion_of(task)
    if opinion is None or opinion.status != OpinionStatus.SUBMITTED or task.status != TaskStatus.SIGNED:
        raise _state_error(_("只有已提交、待签发的书面意见可以签发。"))
    _stale_check(opinion, expected_version)
    # Not the head: a deputy signing under the head's 代签授权 (``permissions.may_sign_opinion``).
    delegation = (
        None
        if actor.has_role(Role.DEPARTMENT_HEAD)
        else delegation_active(deputy=actor, department_id=task.department_id)
    )
    now = timezone.now()
    opinion.status = OpinionStatus.SIGNED
    opinion.signed_by = actor
    opinion.signed_at = now
    opinion.delegation = delegation
    opinion.updated_at = now
    opinion.version += 1
    opinion.save()
    task.status = TaskStatus.DONE
    task.completed_at = now
    task.version += 1
    task.save()
    data: dict[str, Any] = {"task": task.pk, "opinion": opinion.pk, "status": opinion.status}
    if delegation is None:
        summary = _("%(dept)s负责人签发书面意见，任务办结") % {"dept": task.department.name}
    else:
        summary = _("%(dept)s书面意见由%(deputy)s代签（%(head)s授权），任务办结") % {
            "dept": task.department.name,
            "deputy": actor,
            "head": delegation.principal,
        }
        data.update(delegation=delegation.pk, signed_for=delegation.principal.username)
    _event(case=task.case, actor=actor, kind=EventKind.OPINION, summary=summary, data=data)
    kept.refresh([task.case_id])  # the task is done: the last one makes the decision due
    return opinion


# --- the decision ------------------------------------------------------------------------


def _clean_remedies(remedies: Any) -> list[dict[str, str]]:
    """The one check of remedy rows (``handling.remedies``): errors name the row and field."""
    from fengqiao.handling.remedies import clean_remedies

    return clean_remedies(remedies)


def _lock_decision(decision_id: int, case_id: int) -> tuple[Case, Decision]:
    case = _lock_case(case_id)
    decision: Decision = _for_update(Decision.objects.filter(pk=decision_id)).get()
    decision.case = case
    return case, decision


# The states in which the receiving department writes (or rewrites, after a remedy reopened
# handling) the case's decision.
DRAFTING_STATES = (
    CaseState.JOINT_HANDLING,
    CaseState.SPECIAL_HANDLING,
    CaseState.OWN_HANDLING,
    CaseState.REFERRED,  # 四(八): the handling department's feedback (fengqiao.referrals)
)


@transaction.atomic
def decision_save(
    *,
    case: Case,
    actor: Staff,
    request: str,
    facts_and_reasons: str,
    result: str,
    legal_basis: str,
    remedies: Sequence[dict[str, str]],
    expected_version: int | None = None,
) -> Decision:
    """拟写处理意见: the receiving department consolidates the written opinions into its
    answer to the payer — the request, the facts and reasons, the result (支持 / 解释说明 /
    不予支持), the legal basis and the remedies with their bodies and deadlines. One draft per
    case; ``expected_version`` is the draft's version as read (0 or None for a new one).

    Saving a draft with the same content (``Decision.content_digest``) changes nothing: the
    version stays and so does the 司法局's review of that content (三(二)5)."""
    case = _lock_case(case.pk)
    if not permissions.may_decide(actor, case):
        raise PermissionDenied(_("您无权拟写该案件的处理意见。"))
    if case.state not in DRAFTING_STATES:
        raise _state_error(_("案件当前状态为“%(s)s”，不能拟写处理意见。") % {"s": case.get_state_display()})
    if result not in DecisionResult.values:
        raise ValidationError({"result": [_("请选择处理结论（支持 / 解释说明 / 不予支持）。")]})
    cleaned = _clean_remedies(remedies)
    now = timezone.now()
    draft = _for_update(Decision.objects.filter(case=case, status=DecisionStatus.DRAFT)).order_by("-pk").first()
    fields = {
        "request": request.strip(),
        "facts_and_reasons": facts_and_reasons.strip(),
        "result": result,
        "legal_basis": legal_basis.strip(),
        "remedies": cleaned,
    }
    if draft is None:
        if expected_version not in (None, 0):
            raise TransitionError(_("该记录已被他人更新，请刷新页面后重试。"), code="stale")
        draft = Decision.objects.create(case=case, drafted_by=actor, updated_at=now, **fields)
        summary = _("拟写处理意见（%(r)s）") % {"r": DecisionResult(result).label}
    else:
        _stale_check(draft, expected_version)
        same = decision_content_digest(
            request=request,
            facts_and_reasons=facts_and_reasons,
            result=result,
            legal_basis=legal_basis,
            remedies=cleaned,
        )
        if same == draft.content_digest:
            draft.case = case
            return draft  # nothing changed: no new version, the review still covers it
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.drafted_by = actor
        draft.updated_at = now
        draft.version += 1
        draft.save()
        summary = _("修改处理意见草稿（%(r)s）") % {"r": DecisionResult(result).label}
    _event(
        case=case,
        actor=actor,
        kind=EventKind.DECISION,
        summary=summary,
        data={"decision": draft.pk, "result": result, "version": draft.version},
    )
    kept.refresh([case])  # a major matter's new draft content waits on the 司法局's review
    return draft


def _decision_incomplete(decision: Decision) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not decision.request.strip():
        errors["request"] = [_("请写明缴费人的请求。")]
    if not decision.facts_and_reasons.strip():
        errors["facts_and_reasons"] = [_("请写明事实和理由。")]
    if not decision.legal_basis.strip():
        errors["legal_basis"] = [_("请写明法律依据。")]
    if not decision.remedies:
        errors["remedies"] = [_("处理意见书须告知救济途径、受理机关和期限（行政复议法第二十条）。")]
    return errors


@transaction.atomic
def decision_issue(*, decision: Decision, actor: Staff, expected_version: int | None = None) -> Decision:
    """出具处理意见书: 受理部门负责综合各联办单位的意见，将处理意见以书面形式告知缴费人
    (四(三)1 3)); for a major matter 经小组会商后形成会议纪要，由受理部门将处理意见以书面形式告知
    缴费人 (四(三)2 3)).

    The workflow step ``decide`` checks that every department's written opinion is signed and,
    for special handling, that a consultation's minutes cover the case; the 司法局's legal
    review must not block it (``fengqiao.handling.legal.legal_review_blocking``). The notice is
    rendered and numbered by the document engine; the case moves to DECIDED and the time limit
    for the result feedback starts."""
    from fengqiao.documents.services import document_issue
    from fengqiao.handling.legal import legal_review_blocking

    case, decision = _lock_decision(decision.pk, decision.case_id)
    if not permissions.may_decide(actor, case):
        raise PermissionDenied(_("您无权出具该案件的处理意见书。"))
    _stale_check(decision, expected_version)
    if decision.status != DecisionStatus.DRAFT:
        raise _state_error(_("处理意见已出具。"))
    errors = _decision_incomplete(decision)
    if errors:
        raise ValidationError(errors)
    blocking = legal_review_blocking(decision)
    if blocking:
        raise TransitionError(blocking, code="guard")
    now = timezone.now()
    workflow.transition(
        case=case,
        name="decide",
        actor=actor,
        at=now,
        data={"decision": decision.pk, "result": decision.result, "from_mediation": decision.from_mediation},
        summary=_("形成处理意见（%(r)s）") % {"r": decision.get_result_display()},
    )
    if decision.from_mediation:
        for task in Task.objects.filter(case=case, status__in=OPEN_TASK_STATUSES).select_related("department"):
            task.case = case
            _cancel(task, actor=actor, reason=_("已通过调解达成协议"))
    decision.status = DecisionStatus.ISSUED
    decision.issued_at = now
    decision.version += 1
    decision.save()
    document = document_issue(doc_type="decision_notice", case=case, actor=actor)
    decision.document = document
    decision.save(update_fields=["document"])
    _event(
        case=case,
        actor=actor,
        kind=EventKind.DECISION,
        summary=_("出具处理意见书（%(n)s），处理结论：%(r)s")
        % {"n": document.number, "r": decision.get_result_display()},
        data={"decision": decision.pk, "document": document.pk, "result": decision.result},
    )
    return decision


# --- special handling of major matters ----------------------------------------------------


@transaction.atomic
def special_request_create(*, case: Case, actor: Staff, reason: str) -> SpecialHandlingRequest:
    """报请专案处理: the receiving department asks, with reasons, that the group leader agree
    to special handling of a major matter (四(二), 四(三)2 2)). Called by the review."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明报请专案处理的理由。")]})
    open_request = SpecialHandlingRequest.objects.filter(
        case=case, status__in=[SpecialHandlingStatus.REQUESTED, SpecialHandlingStatus.FORWARDED]
    ).first()
    if open_request is not None:
        return open_request
    request = SpecialHandlingRequest.objects.create(
        case=case, reason=reason, requested_by=actor, requested_at=timezone.now()
    )
    _event(
        case=case,
        actor=actor,
        kind=EventKind.APPROVAL,
        summary=_("报请领导小组组长同意专案处理：%(reason)s") % {"reason": reason},
        data={"special_request": request.pk, "status": request.status},
    )
    return request


def _lock_special(special: SpecialHandlingRequest) -> tuple[Case, SpecialHandlingRequest]:
    case = _lock_case(special.case_id)
    locked: SpecialHandlingRequest = _for_update(SpecialHandlingRequest.objects.filter(pk=special.pk)).get()
    locked.case = case
    return case, locked


@transaction.atomic
def special_request_forward(*, special: SpecialHandlingRequest, actor: Staff, note: str = "") -> SpecialHandlingRequest:
    """上报: the group office forwards the request to the group leader (受理部门上报领导小组办公室)."""
    case, special = _lock_special(special)
    if not permissions.may_forward_special(actor, case):
        raise PermissionDenied(_("只有领导小组办公室可以转报专案处理申请。"))
    if special.status != SpecialHandlingStatus.REQUESTED:
        raise _state_error(_("该申请当前为“%(s)s”，不能转报。") % {"s": special.get_status_display()})
    special.status = SpecialHandlingStatus.FORWARDED
    special.forwarded_by = actor
    special.forwarded_at = timezone.now()
    special.save()
    _event(
        case=case,
        actor=actor,
        kind=EventKind.APPROVAL,
        summary=_("领导小组办公室转报组长审批") + (f"：{note.strip()}" if note.strip() else ""),
        data={"special_request": special.pk, "status": special.status, "note": note.strip()},
    )
    return special


def member_units_of(case: Case) -> list[Department]:
    """The member units of the leadership group in the case's county (default: all nine)."""
    return list(
        Department.objects.filter(jurisdiction_id=case.jurisdiction_id, is_member_unit=True, active=True).order_by(
            "sort_order", "id"
        )
    )


@transaction.atomic
def special_request_approve(
    *,
    special: SpecialHandlingRequest,
    actor: Staff,
    member_units: Sequence[Department] | None = None,
    note: str = "",
) -> SpecialHandlingRequest:
    """组长同意: special handling by the member units chosen: 会同政府办、司法局、财政局、人社局、
    医保局、行政审批政务服务与数据管理局、信访局、税务局、网信办 … 专案处理 (四(三)2 2)). Without a
    choice, the units the routing rules propose for the case (``selectors.special_units_proposed``;
    every member unit only when no rule applies). Each unit gets a task for its written approval
    opinion (书面审批意见)."""
    case, special = _lock_special(special)
    if not permissions.may_approve_special(actor, case):
        raise PermissionDenied(_("只有领导小组组长可以审批专案处理。"))
    if special.status != SpecialHandlingStatus.FORWARDED:
        raise _state_error(_("该申请当前为“%(s)s”，不能审批。") % {"s": special.get_status_display()})
    allowed = {d.pk: d for d in member_units_of(case)}
    if member_units:
        chosen = list(member_units)
    else:
        from fengqiao.handling.selectors import special_units_proposed

        chosen = special_units_proposed(case=case)
    wrong = [d.name for d in chosen if d.pk not in allowed]
    if wrong:
        raise ValidationError({"member_units": [_("不是本旗县领导小组成员单位：%(d)s") % {"d": "、".join(wrong)}]})
    if not chosen:
        raise ValidationError({"member_units": [_("请选择参与专案处理的成员单位。")]})
    now = timezone.now()
    special.status = SpecialHandlingStatus.APPROVED
    special.decided_by = actor
    special.decided_at = now
    special.decision_note = note.strip()
    special.save()
    special.member_units.set(chosen)
    workflow.transition(
        case=case,
        name="approve_special",
        actor=actor,
        at=now,
        data={"special_request": special.pk, "member_units": [d.code for d in chosen], "note": note.strip()},
        summary=_("组长同意专案处理（%(n)d个成员单位）") % {"n": len(chosen)},
    )
    for department in chosen:
        if not _has_live_task(case, department, (TaskKind.SPECIAL_OPINION,)):
            task_create(
                case=case,
                department=department,
                kind=TaskKind.SPECIAL_OPINION,
                actor=actor,
                is_lead=department.pk == case.receiving_department_id,
            )
    return special


@transaction.atomic
def special_request_decline(*, special: SpecialHandlingRequest, actor: Staff, reason: str) -> SpecialHandlingRequest:
    """组长不同意: back to general handling with the reason; the reviewer then routes the
    departments (``tasks_for_general``)."""
    case, special = _lock_special(special)
    if not permissions.may_approve_special(actor, case):
        raise PermissionDenied(_("只有领导小组组长可以审批专案处理。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明不同意的理由。")]})
    if special.status != SpecialHandlingStatus.FORWARDED:
        raise _state_error(_("该申请当前为“%(s)s”，不能审批。") % {"s": special.get_status_display()})
    now = timezone.now()
    special.status = SpecialHandlingStatus.DECLINED
    special.decided_by = actor
    special.decided_at = now
    special.decision_note = reason
    special.save()
    workflow.transition(
        case=case,
        name="decline_special",
        actor=actor,
        at=now,
        data={"special_request": special.pk, "reason": reason},
        summary=_("组长不同意专案处理，转为一般事项联合办理：%(reason)s") % {"reason": reason},
    )
    return special
