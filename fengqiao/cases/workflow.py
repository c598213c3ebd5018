"""The case life cycle as one table (四 工作流程; ARCHITECTURE.md "The case life cycle").

A reader can hold ``TRANSITIONS`` against the document: each row names the step, the states
it leaves from and arrives at, who may take it, what must hold, and which time limit starts.
``transition`` is the only code that changes ``Case.state``; ``Case.save`` and
``Case.objects.update`` refuse any other change. Later parts of the procedure add their rows
here.

What must hold that only an app above cases knows — the departments' opinions, the minutes of a
major matter, a referral's feedback, a case ready to archive — that app adds to the step from
its ``AppConfig.ready()`` (:func:`guard_add`), and who takes a step an app above decides (the
leader's approval, the decision: handling) it sets there too (:func:`who_set`); each row below
names them in a comment. Cases imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import kept, permissions
from fengqiao.cases.models import (  # noqa: F401 (CaseSealed, sealed_check: the guard every write consults)
    Case,
    CaseEvent,
    CaseSealed,
    EventKind,
    sealed_check,
)
from fengqiao.cases.states import OPEN_STATES, CaseState, IntakeOutcome
from fengqiao.core import calendar, timelimits

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from fengqiao.org.models import Staff

NEW = ""  # the source "state" of a case being registered

# Both signals carry ``case``, ``event`` and ``transition`` (the step's name).
#
# Sent by ``transition`` inside the step's transaction, right after its event is written: for
# receivers whose rows must commit or roll back together with the step (the transactional
# outbox, e.g. the 12345 platform's status reports). A receiver's exception fails the step.
case_transition_recorded = Signal()
# Sent after the commit of every transition: for listeners that act outside the database and
# must hear only of committed steps. Nothing written here is part of the step.
case_transitioned = Signal()

Who = Callable[["Staff", Case], bool]
Guard = Callable[[Case, dict[str, Any]], "str | _StrPromise | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    sources: frozenset[str]
    target: CaseState
    may: Who
    guards: tuple[Guard, ...] = ()
    # Guards that read only the case, not the step's data: checked when the step is taken like
    # the others, and also when the steps are offered (a step they refuse is not offered).
    case_guards: tuple[Guard, ...] = ()
    time_limit: str | None = None  # code of the TimeLimit that starts on arrival
    section: str = ""  # the seed document's section
    # Taken only as the consequence of a record (e.g. a remedy outcome that changes the
    # decision reopens handling): never offered to a user as a step of its own.
    consequence: bool = False
    # The payer's own act on the payer pages (线上枫桥, docs/portal.md) may take this step, with no
    # staff actor (``transition(by_payer=True)``): reading the decision online after consenting
    # to electronic delivery (四(四)), answering the follow-up visit online (四(五)).
    payer: bool = False


def _anyone_registering(staff: Staff, case: Case) -> bool:
    return permissions.may_register(staff)


def _needs_informed_department(case: Case, data: dict[str, Any]) -> str | Any | None:
    if case.informed_department_id is None:
        return _("不属本部门职责的，应写明告知缴费人前往的部门")
    return None


def _filed_online(case: Case, data: dict[str, Any]) -> str | Any | None:
    """The window's intake outcomes at review only for a dispute the payer filed online: at the
    window the clerk chose them at registration."""
    from fengqiao.cases.models import Channel

    if case.channel != Channel.ONLINE:
        return _("窗口受理的案件已在受理时确定受理结果，审核时只能分类转办")
    return None


def _needs_two_departments(case: Case, data: dict[str, Any]) -> str | Any | None:
    if len(data.get("departments", ())) < 2:
        return _("一般事项需由两个及两个以上职能部门联合办理，请选择牵头和协办部门")
    return None


def _needs_reason(case: Case, data: dict[str, Any]) -> str | Any | None:
    if not (data.get("reason") or "").strip():
        return _("请填写理由")
    return None


def _set_above(staff: Staff, case: Case) -> bool:
    """Who takes a step whose actor an app above cases decides, until it says (:func:`who_set`): nobody."""
    return False


def _may_follow_up(staff: Staff, case: Case) -> bool:
    """结果反馈、跟踪回访 (四(四)(五)): the receiving department, which decided, or the group office."""
    return permissions.may_review(staff, case)


def _reopen_joint(case: Case, data: dict[str, Any]) -> str | Any | None:
    if case.intake_outcome == IntakeOutcome.OWN:
        return _("本部门办理的案件应退回本部门办理")
    return None


def _reopen_own(case: Case, data: dict[str, Any]) -> str | Any | None:
    if case.intake_outcome != IntakeOutcome.OWN:
        return _("非本部门办理的案件应退回联合办理")
    return None


def _may_archive(staff: Staff, case: Case) -> bool:
    """四(七) 案卷归档 is done by the receiving department (首问责任制), like the review."""
    return permissions.may_review(staff, case)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "register_own",
            _("受理登记：属本部门职责"),
            frozenset({NEW}),
            CaseState.OWN_HANDLING,
            _anyone_registering,
            time_limit=timelimits.OWN_HANDLING,
            section="四(一)",
        ),
        Transition(
            "register_inform",
            _("受理登记：告知缴费人前往相关部门"),
            frozenset({NEW}),
            CaseState.INFORMED,
            _anyone_registering,
            guards=(_needs_informed_department,),
            time_limit=None,
            section="四(一)",
        ),
        Transition(
            "register_review",
            _("受理登记：待审核转办"),
            frozenset({NEW}),
            CaseState.REGISTERED,
            _anyone_registering,
            time_limit=timelimits.REVIEW,
            section="四(一)",
            payer=True,  # 线上受理: the payer's online filing arrives for the clerk's review (四(一)(二))
        ),
        # 四(一) for a dispute filed online (fengqiao.portal): the clerk makes at review the
        # decision a clerk makes at the window — own duty, or tell the payer where to go.
        Transition(
            "review_own",
            _("审核：属本部门职责，限时办结"),
            frozenset({CaseState.REGISTERED}),
            CaseState.OWN_HANDLING,
            permissions.may_review,
            case_guards=(_filed_online,),
            time_limit=timelimits.OWN_HANDLING,
            section="四(一)",
        ),
        Transition(
            "review_inform",
            _("审核：告知缴费人前往相关部门"),
            frozenset({CaseState.REGISTERED}),
            CaseState.INFORMED,
            permissions.may_review,
            case_guards=(_filed_online,),
            guards=(_needs_informed_department,),
            section="四(一)",
        ),
        Transition(
            "route_general",
            _("审核转办：一般事项联合办理"),
            frozenset({CaseState.REGISTERED}),
            CaseState.JOINT_HANDLING,
            permissions.may_review,
            guards=(_needs_two_departments,),
            time_limit=timelimits.GENERAL_DECISION,
            section="四(二)、四(三)1",
        ),
        Transition(
            "route_major",
            _("审核转办：重大疑难事项报组长同意"),
            frozenset({CaseState.REGISTERED}),
            CaseState.AWAITING_APPROVAL,
            permissions.may_review,
            guards=(_needs_reason,),
            time_limit=timelimits.LEADER_APPROVAL,
            section="四(二)、四(三)2",
        ),
        Transition(
            "route_unclear",
            _("审核转办：职责不清，报送旗政府办"),
            frozenset({CaseState.REGISTERED}),
            CaseState.REFERRED,
            permissions.may_review,
            guards=(_needs_reason,),
            time_limit=timelimits.REFERRAL_SIGN,
            section="四(八)",
        ),
        Transition(
            "approve_special",
            _("组长同意专案处理"),
            frozenset({CaseState.AWAITING_APPROVAL}),
            CaseState.SPECIAL_HANDLING,
            _set_above,  # handling.permissions.may_approve_special, set by handling
            time_limit=timelimits.MAJOR_DECISION,
            section="四(三)2 2)",
        ),
        Transition(
            "decline_special",
            _("组长不同意专案处理，转一般事项联合办理"),
            frozenset({CaseState.AWAITING_APPROVAL}),
            CaseState.JOINT_HANDLING,
            _set_above,  # handling.permissions.may_approve_special, set by handling
            guards=(_needs_reason,),
            time_limit=timelimits.GENERAL_DECISION,
            section="四(二)",
        ),
        Transition(
            "decide",
            _("形成处理意见，出具处理意见书"),
            frozenset(
                {CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING, CaseState.OWN_HANDLING, CaseState.REFERRED}
            ),
            CaseState.DECIDED,
            _set_above,  # handling.permissions.may_decide, set by handling
            # Guards added by their apps: handling.selectors.opinions_signed (四(三)1 3), 2 3)),
            # meetings.selectors.minutes_before_decision (四(三)2 3)) and
            # referrals.selectors.referral_answered (四(八)).
            time_limit=timelimits.FEEDBACK,
            section="四(三)1 3)、四(三)2 3)、四(一)、四(八)",
            # taken by handling.services.decision_issue
        ),
        Transition(
            "notify",
            _("结果反馈：处理意见书已送达缴费人"),
            frozenset({CaseState.DECIDED}),
            CaseState.NOTIFIED,
            _may_follow_up,
            section="四(四)",
            # taken by followup.services.feedback_record
            payer=True,  # 电子送达: the payer opened the decision online (feedback_record_by_payer)
        ),
        Transition(
            "follow_up_start",
            _("转入跟踪回访"),
            frozenset({CaseState.NOTIFIED}),
            CaseState.FOLLOWING_UP,
            _may_follow_up,
            time_limit=timelimits.FOLLOW_UP,
            section="四(五)",
            # taken by followup.services.feedback_record
            consequence=True,
            payer=True,
        ),
        Transition(
            "object",
            _("缴费人有异议，跟踪救济途径"),
            frozenset({CaseState.FOLLOWING_UP}),
            CaseState.REMEDY_TRACKING,
            _may_follow_up,
            section="四(四)、四(五)",
            # taken by followup.services.visit_record
            payer=True,  # the payer's own answer to the visit online (visit_answer_by_payer)
        ),
        Transition(
            "reopen",
            _("救济结果变更处理意见，重新联合办理"),
            frozenset({CaseState.REMEDY_TRACKING}),
            CaseState.JOINT_HANDLING,
            _may_follow_up,
            guards=(_reopen_joint,),
            time_limit=timelimits.GENERAL_DECISION,
            section="四(三)1",
            # taken by followup.services.remedy_outcome
            consequence=True,
        ),
        Transition(
            "reopen_own",
            _("救济结果变更处理意见，本部门重新办理"),
            frozenset({CaseState.REMEDY_TRACKING}),
            CaseState.OWN_HANDLING,
            _may_follow_up,
            guards=(_reopen_own,),
            time_limit=timelimits.OWN_HANDLING,
            section="四(一)",
            # taken by followup.services.remedy_outcome
            consequence=True,
        ),
        Transition(
            "archive",
            _("案卷归档"),
            frozenset({CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING, CaseState.INFORMED}),
            CaseState.ARCHIVED,
            _may_archive,
            # + followup.selectors.archive_guard (四(七)), added by followup.
            section="四(七)",
            # taken by archive.services.dossier_seal
        ),
        Transition(
            "merge",
            _("合并至另一案件"),
            frozenset(OPEN_STATES),
            CaseState.MERGED,
            permissions.may_edit_intake,
            guards=(_needs_reason,),
            section="四(一)",
        ),
    ]
}


def who_set(name: str, may: Who) -> None:
    """Who may take the step ``name``, for a step an app above cases decides (handling: the
    leader's approval of special handling, the decision), set from that app's ``AppConfig.ready()``."""
    TRANSITIONS[name] = replace(TRANSITIONS[name], may=may)


def guard_add(name: str, guard: Guard) -> None:
    """Add ``guard`` to the step ``name``: called by an app above cases, from its
    ``AppConfig.ready()``, with a check on its own records (a message when the step may not be
    taken, else None). A step's guards run in the order added — its own first, then the apps'
    in the order they are installed."""
    step = TRANSITIONS[name]
    if guard not in step.guards:
        TRANSITIONS[name] = replace(step, guards=(*step.guards, guard))


class TransitionError(ValidationError):
    """The step cannot be taken now (wrong state, a guard failed, or a stale page)."""


def allowed_transitions(*, case: Case, actor: Staff) -> list[Transition]:
    """The steps ``actor`` may take on ``case`` now (for the buttons on the case page); steps
    that only follow from a record (``consequence``) are not offered."""
    return [
        t
        for t in TRANSITIONS.values()
        if not t.consequence
        and case.state in t.sources
        and t.may(actor, case)
        and not any(guard(case, {}) for guard in t.case_guards)
    ]


def transition(
    *,
    case: Case,
    name: str,
    actor: Staff | None,
    data: dict[str, Any] | None = None,
    summary: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
    by_payer: bool = False,
) -> CaseEvent:
    """Take the step ``name`` on ``case`` for ``actor``: check the source state, the actor and
    the guards, set the state and the step's due date, bump the version and write the event.

    The caller runs inside ``transaction.atomic`` and has locked the case row
    (``select_for_update``), so two people acting at once are serialised; ``expected_version``
    refuses a step taken from a page that someone else's change has made stale. ``by_payer``:
    the payer's own act on the payer pages takes a step marked ``payer``, with no staff actor
    (the event's ``data["by"]`` is ``"payer"``)."""
    step = TRANSITIONS[name]
    data = {**(data or {}), "by": "payer"} if by_payer else (data or {})
    now = at or timezone.now()
    if expected_version is not None and case.pk is not None and expected_version != case.version:
        raise TransitionError(_("该案件已被他人更新，请刷新页面后重试。"), code="stale")
    source = case.state if case.pk is not None else NEW
    if source == CaseState.ARCHIVED:
        # 四(七): a sealed dossier is final; no step leaves the archive.
        raise TransitionError(_("案件已归档，案卷已封存，不能再变更状态。"), code="state")
    if source not in step.sources:
        raise TransitionError(
            _("当前状态“%(state)s”不能执行“%(step)s”。")
            % {"state": CaseState(source).label if source else "—", "step": step.label},
            code="state",
        )
    if (by_payer and (actor is not None or not step.payer)) or (
        not by_payer and (actor is None or not step.may(actor, case))
    ):
        raise PermissionDenied(_("您无权执行“%(step)s”。") % {"step": step.label})
    for guard in (*step.case_guards, *step.guards):
        message = guard(case, data)
        if message:
            raise TransitionError(message, code="guard")

    # The limit of the step being left, kept on the event: whether it was met is a fact the
    # monthly analysis and the scorecards read later (四(六), 五(四)).
    due_was = case.due_on.isoformat() if case.pk is not None and case.due_on else None
    case.state = step.target
    case.state_changed_at = now
    if step.time_limit:
        start = calendar.local_day(now)
        due = timelimits.due(step.time_limit, start)
        case.due_on, case.due_provisional = due.day, due.provisional
        case.due_limit, case.due_from = step.time_limit, start
    else:
        case.due_on, case.due_provisional = None, False
        case.due_limit, case.due_from = "", None
    if case.pk is not None:
        case.version += 1
    case._workflow_token = True
    case.save()
    event = CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.REGISTERED if source == NEW else EventKind.TRANSITION,
        from_state=source,
        to_state=step.target,
        summary=summary or str(step.label),
        data={
            "transition": name,
            **({"due_was": due_was} if due_was else {}),
            **{k: v for k, v in data.items() if _jsonable(v)},
        },
    )
    if source != NEW and (source in kept.KEPT_STATES or step.target in kept.KEPT_STATES):
        # The kept to-do values follow the state (a rule is false outside these states, and a
        # case being registered has no tasks, decisions or visits yet: the columns' defaults).
        kept.refresh([case])
    # In the step's transaction: what receivers write (the 12345 status report in the outbox)
    # commits with the step or rolls back with it, so no crash can keep one without the other.
    case_transition_recorded.send(sender=Case, case=case, event=event, transition=name)
    # After the commit: listeners hear of a step only once it is taken for good.
    transaction.on_commit(lambda: case_transitioned.send(sender=Case, case=case, event=event, transition=name))
    return event


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict | type(None))
