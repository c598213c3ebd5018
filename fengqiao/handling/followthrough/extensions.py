"""延期 (issue 5 item 5): a longer time limit for a task or a case, requested with a reason.

- a task's extension is approved by the head of the task's department;
- a case's extension by the receiving department's head — and for a major matter
  (重大疑难事项: classification major, or in special handling) by the group leader, once, by
  ``core.TimeLimit`` ``major_extension`` (信访工作条例第三十四条: 30 days, the reasons told to
  the payer).

Approval moves the deadline (``Task.due_on`` / ``Case.due_on``; the case's state is never
touched) and, for a case, records that the payer was told and puts a "延期告知缴费人" event
on the timeline (the notice document itself comes with the documents engine).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, EventKind, sealed_check
from fengqiao.cases.states import OPEN_STATES, CaseState, Classification
from fengqiao.core import calendar, dates, timelimits
from fengqiao.handling.models import OPEN_TASK_STATUSES, Extension, ExtensionStatus, Task
from fengqiao.org.models import Role, Staff

#: How the payer is told when nobody says otherwise: the written notice (to be issued).
DEFAULT_TOLD_HOW = "书面告知"


def is_major(case: Case) -> bool:
    """重大疑难事项: classified major, or already in special handling."""
    return case.classification == Classification.MAJOR or case.state == CaseState.SPECIAL_HANDLING


def may_request(staff: Staff, case: Case, task: Task | None) -> bool:
    """A task's department (handler or head) asks for its task; the receiving department,
    the first receiver or the group office ask for the case."""
    if not staff.is_active or staff.department_id is None:
        return False
    if task is not None:
        return staff.department_id == task.department_id and staff.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD)
    if staff.has_role(Role.GROUP_OFFICE) and staff.jurisdiction == case.jurisdiction:
        return True
    if case.owner_id == staff.pk:
        return True
    involved = staff.department_id == case.receiving_department_id or (
        CaseDepartment.objects.filter(
            case=case, department_id=staff.department_id, role=CaseDepartment.Role.LEAD
        ).exists()
    )
    return involved and staff.has_role(Role.HANDLER, Role.DEPARTMENT_HEAD, Role.INTAKE_CLERK)


def approver_role(extension: Extension) -> str:
    """Who decides: the department head, or the group leader for a major matter's case."""
    if extension.task_id is None and is_major(extension.case):
        return Role.GROUP_LEADER
    return Role.DEPARTMENT_HEAD


def may_decide(staff: Staff, extension: Extension) -> bool:
    if not staff.is_active or staff.department_id is None:
        return False
    role = approver_role(extension)
    if role == Role.GROUP_LEADER:
        return staff.has_role(Role.GROUP_LEADER) and staff.jurisdiction == extension.case.jurisdiction
    department_id = extension.task.department_id if extension.task_id and extension.task else None
    department_id = department_id or extension.case.receiving_department_id
    return staff.has_role(Role.DEPARTMENT_HEAD) and staff.department_id == department_id


def original_due(*, case: Case, task: Task | None, current: date) -> date:
    """The deadline before any extension of this subject (the case's current step, or the
    task): follow the approved extensions back from ``current`` (one query)."""
    moved = dict(
        Extension.objects.filter(case=case, task=task, status=ExtensionStatus.APPROVED).values_list(
            "new_due_on", "old_due_on"
        )
    )
    day = current
    seen = {day}
    while day in moved and moved[day] not in seen:
        day = moved[day]
        seen.add(day)
    return day


def latest_due(*, case: Case, task: Task | None, current: date) -> tuple[date, date]:
    """(the original deadline, the latest an extension may reach): the original deadline plus
    the longest extension the law allows, ``TimeLimit`` ``major_extension`` (信访工作条例第三十四条:
    延长期限不得超过30日), however many extensions it is reached in."""
    original = original_due(case=case, task=task, current=current)
    return original, timelimits.due(timelimits.MAJOR_EXTENSION, original).day


def _check_new_due(case: Case, task: Task | None, old: date, new: date | None) -> date:
    """A deadline named by the requester: after the current one, no later than the original
    deadline plus the longest extension (信访工作条例第三十四条), and on a working day
    (``core.dates.working_day``: a year whose holidays are not entered is said so)."""
    if new is None:
        raise ValidationError({"new_due_on": [_("请填写延期后的期限。")]})
    label = _("延期后的期限")
    if new <= old:
        dates.refuse("new_due_on", _("延期后的期限应晚于原期限（%(old)s）。") % {"old": old.isoformat()}, "too_early")
    original, latest = latest_due(case=case, task=task, current=old)
    limit = timelimits.limit(timelimits.MAJOR_EXTENSION)
    dates.not_after(
        new,
        field="new_due_on",
        label=label,
        bound=latest,
        what=_("原期限%(original)s延长%(n)d日（%(basis)s）")
        % {"original": original.isoformat(), "n": limit.amount, "basis": limit.basis},
    )
    dates.working_day(new, field="new_due_on", label=label)
    return new


@transaction.atomic
def extension_request(
    *, case: Case, actor: Staff, reason: str, task: Task | None = None, new_due_on: date | None = None
) -> Extension:
    """申请延期 with a reason. For a major matter's case the new deadline is the statutory
    one (``major_extension`` after the current deadline); otherwise the requester names it."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    sealed_check(case)  # 四(七): the archive's message before the state's
    if task is not None:
        task = Task.objects.select_for_update(of=("self",)).select_related("department").get(pk=task.pk)
        if task.case_id != case.pk:
            raise ValidationError({"task": [_("该任务不属于本案件。")]})
    if not may_request(actor, case, task):
        raise PermissionDenied(_("您无权为该事项申请延期。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写延期理由。")]})
    if case.state not in OPEN_STATES:
        raise ValidationError(_("案件已办结，不能申请延期。"), code="state")
    if task is not None:
        if task.status not in OPEN_TASK_STATUSES:
            raise ValidationError(_("任务已办结或退回，不能申请延期。"), code="state")
        old = task.due_on
    else:
        if case.due_on is None:
            raise ValidationError(_("案件当前环节没有办理期限。"), code="state")
        old = case.due_on
    pending = Extension.objects.filter(case=case, task=task, status=ExtensionStatus.REQUESTED)
    if pending.exists():
        raise ValidationError(_("已有待批准的延期申请。"), code="state")
    if task is None and is_major(case):
        if Extension.objects.filter(case=case, task=None, status=ExtensionStatus.APPROVED).exists():
            raise ValidationError(_("重大疑难事项只能延期一次（信访工作条例第三十四条）。"), code="state")
        new = timelimits.due(timelimits.MAJOR_EXTENSION, old).day
    else:
        new = _check_new_due(case, task, old, new_due_on)
    now = timezone.now()
    extension = Extension.objects.create(
        case=case,
        task=task,
        reason=reason,
        requested_by=actor,
        requested_at=now,
        old_due_on=old,
        new_due_on=new,
    )
    subject = f"{task.department}任务" if task else "案件"
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.EXTENSION,
        summary=f"申请{subject}延期：{old} → {new}",
        data={"extension": extension.pk, "task": task.pk if task else None, "reason": reason, "step": "requested"},
    )
    return extension


@transaction.atomic
def extension_decide(
    *,
    extension: Extension,
    actor: Staff,
    approve: bool,
    note: str = "",
    payer_told_how: str = "",
) -> Extension:
    """批准或不批准延期. Approval moves the deadline (the state is not touched) and, for a
    case, records how the payer is told and writes the "延期告知缴费人" event."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=extension.case_id)
    extension = Extension.objects.select_for_update(of=("self",)).select_related("case", "task").get(pk=extension.pk)
    task = Task.objects.select_for_update().get(pk=extension.task_id) if extension.task_id else None
    if not may_decide(actor, extension):
        raise PermissionDenied(_("您无权审批该延期申请。"))
    if extension.status != ExtensionStatus.REQUESTED:
        raise ValidationError(_("该延期申请已审批。"), code="state")
    note = (note or "").strip()
    now = timezone.now()
    if not approve:
        if not note:
            raise ValidationError({"note": [_("不批准延期的，请填写理由。")]})
        Extension.objects.filter(pk=extension.pk).update(
            status=ExtensionStatus.DECLINED, decided_by=actor, decided_at=now
        )
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=EventKind.EXTENSION,
            summary=f"不批准延期（{extension.old_due_on} → {extension.new_due_on}）",
            data={"extension": extension.pk, "reason": note, "step": "declined"},
        )
        extension.refresh_from_db()
        return extension
    current = task.due_on if task is not None else case.due_on
    if current != extension.old_due_on or (task is None and case.state not in OPEN_STATES):
        raise ValidationError(_("办理期限已变更或事项已办结，请重新申请延期。"), code="stale")
    if task is not None and task.status not in OPEN_TASK_STATUSES:
        raise ValidationError(_("任务已办结或退回，不能延期。"), code="state")
    if task is not None or not is_major(case):
        # The date was named by the requester: it keeps its bounds at approval too (a request
        # saved before they were checked, or a year's holidays entered since).
        _check_new_due(case, task, extension.old_due_on, extension.new_due_on)
    provisional = calendar.calendar_year_status(extension.new_due_on.year) == calendar.CalendarSource.MISSING
    if task is not None:
        Task.objects.filter(pk=task.pk).update(
            due_on=extension.new_due_on, due_provisional=provisional, due_limit="", version=F("version") + 1
        )
    else:
        Case.objects.filter(pk=case.pk).update(
            due_on=extension.new_due_on, due_provisional=provisional, due_limit="", version=F("version") + 1
        )
    told_how = (payer_told_how or "").strip() or DEFAULT_TOLD_HOW
    fields: dict[str, object] = {"status": ExtensionStatus.APPROVED, "decided_by": actor, "decided_at": now}
    if task is None:
        fields.update(payer_told_at=now, payer_told_how=told_how[:64])
    Extension.objects.filter(pk=extension.pk).update(**fields)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.EXTENSION,
        summary=f"批准延期：{extension.old_due_on} → {extension.new_due_on}",
        data={"extension": extension.pk, "task": extension.task_id, "reason": note, "step": "approved"},
    )
    if task is None:
        # The outbox-like record of telling the payer (信访工作条例第三十四条: 告知延期理由).
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=EventKind.EXTENSION_TOLD,
            summary=f"延期告知缴费人：办理期限延长至{extension.new_due_on:%Y年%m月%d日}（{told_how}）",
            data={
                "extension": extension.pk,
                "new_due_on": extension.new_due_on.isoformat(),
                "reason": extension.reason,
                "how": told_how,
                "payer": case.payer_id,
            },
        )
    extension.refresh_from_db()
    return extension
