"""Every write of 会商 (四(三)3): planning a consultation, the leader's consent to a major one,
attendance, the minutes, resolutions and their tasks, and issuing the minutes.

Each function is one transaction that locks the consultation row first (and a case row
before giving a task on it), checks who acts and the consultation's status against the one
transition table below, refuses a stale ``expected_version``, and writes a timeline event
(``EventKind.CONSULTATION``) on every covered case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.cases import kept
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.core import calendar, dates, timelimits
from fengqiao.documents.models import IssuedDocument
from fengqiao.meetings import permissions
from fengqiao.meetings.models import (
    Attendance,
    Attendee,
    Consultation,
    ConsultationKind,
    ConsultationStatus,
    Resolution,
)
from fengqiao.org.models import Department, GroupMembership, Jurisdiction, Staff

S = ConsultationStatus

# The consultation's life cycle as one table: step → (statuses it may start from, per kind;
# the status it leads to). A general consultation (一般事项会商) needs no consent; a major one
# (重大事项会商) is held only after the group leader agrees (经领导小组组长同意后召开专题会议).
TRANSITIONS: dict[str, tuple[dict[str, tuple[str, ...]], str]] = {
    "request_approval": ({ConsultationKind.MAJOR: (S.PLANNED,)}, S.AWAITING_APPROVAL),
    "approve": ({ConsultationKind.MAJOR: (S.AWAITING_APPROVAL,)}, S.APPROVED),
    "decline": ({ConsultationKind.MAJOR: (S.AWAITING_APPROVAL,)}, S.DECLINED),
    "hold": ({ConsultationKind.GENERAL: (S.PLANNED, S.APPROVED), ConsultationKind.MAJOR: (S.APPROVED,)}, S.HELD),
    "cancel": (
        {
            ConsultationKind.GENERAL: (S.PLANNED, S.APPROVED),
            ConsultationKind.MAJOR: (S.PLANNED, S.AWAITING_APPROVAL, S.APPROVED),
        },
        S.CANCELLED,
    ),
    "issue_minutes": ({ConsultationKind.GENERAL: (S.HELD,), ConsultationKind.MAJOR: (S.HELD,)}, S.MINUTES_ISSUED),
}

STEP_LABELS = {
    "created": gettext_lazy("安排会商"),
    "updated": gettext_lazy("修改会商安排"),
    "case_added": gettext_lazy("纳入会商"),
    "case_removed": gettext_lazy("移出会商"),
    "attendance": gettext_lazy("登记参会人员"),
    "request_approval": gettext_lazy("报请组长同意召开重大事项会商"),
    "approve": gettext_lazy("组长同意召开重大事项会商"),
    "decline": gettext_lazy("组长不同意召开重大事项会商"),
    "hold": gettext_lazy("召开会商"),
    "cancel": gettext_lazy("取消会商"),
    "minutes": gettext_lazy("修改会议纪要"),
    "resolution": gettext_lazy("会商决定事项"),
    "issue_minutes": gettext_lazy("印发会议纪要"),
}


@dataclass(frozen=True)
class AttendeeData:
    department: Department
    staff: Staff | None = None
    name: str = ""
    title: str = ""
    attendance: str = Attendance.PRESENT


@dataclass(frozen=True)
class ConsultationData:
    kind: str
    topic: str
    starts_at: datetime
    place: str
    policy_issue: str = ""
    cases: Sequence[Case] = field(default_factory=tuple)
    chair: str = ""


# --- helpers ----------------------------------------------------------------------------


def _locked(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=consultation.pk)


def _check_version(consultation: Consultation, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != consultation.version:
        raise ValidationError(_("该会商已被他人修改，请刷新页面后重试。"), code="stale")


def _bump(consultation: Consultation, *fields: str) -> None:
    consultation.version += 1
    consultation.save(update_fields=[*fields, "version"])


def _require_organiser(actor: Staff, consultation: Consultation) -> None:
    if not permissions.may_edit(actor, consultation):
        raise PermissionDenied(_("只有领导小组办公室可以组织会商。"))


def _events(
    consultation: Consultation, *, actor: Staff, step: str, cases: Sequence[Case] | None = None, **data: Any
) -> None:
    """The timeline event on every covered case (or on ``cases``)."""
    targets = list(consultation.cases.all()) if cases is None else list(cases)
    if not targets:
        return
    now = timezone.now()
    summary = f"{STEP_LABELS[step]}：{consultation.get_kind_display()}“{consultation.topic}”"
    payload = {"consultation": consultation.pk, "step": step, "status": consultation.status, **data}
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case=c, at=now, actor=actor, kind=EventKind.CONSULTATION, summary=summary[:255], data=payload)
            for c in targets
        ]
    )


def _move(consultation: Consultation, *, step: str) -> str:
    """Check the step against the table; set the new status (saved by the caller)."""
    sources, target = TRANSITIONS[step]
    allowed = sources.get(consultation.kind, ())
    if consultation.status not in allowed:
        raise ValidationError(
            _("会商当前状态为“%(status)s”，不能%(step)s。")
            % {"status": consultation.get_status_display(), "step": STEP_LABELS[step]},
            code="state",
        )
    before = consultation.status
    consultation.status = target
    return before


def _validate_cases(county: Jurisdiction, cases: Sequence[Case]) -> list[Case]:
    wrong = [c.number for c in cases if c.jurisdiction_id != county.pk]
    if wrong:
        raise ValidationError({"cases": [_("案件不属于本旗县：%(n)s") % {"n": "、".join(wrong)}]})
    return list(dict.fromkeys(cases))


def _validate_plan(data: ConsultationData) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in ConsultationKind.values:
        errors["kind"] = [_("会商类型只能是一般事项会商或重大事项会商。")]
    if not data.topic.strip():
        errors["topic"] = [_("请填写议题。")]
    if not data.place.strip():
        errors["place"] = [_("请填写会商地点。")]
    if not data.cases and not data.policy_issue.strip():
        errors["cases"] = [_("请至少选择一件案件，或填写会商的政策性、普遍性、倾向性问题。")]
    # 会商时间 (core.dates): planned within reach, not before the mechanism. (That the cases
    # were received first is checked when the meeting is held: a plan may be entered late.)
    label = _("会商时间")
    dates.collect(errors, dates.within_plan_horizon, data.starts_at, field="starts_at", label=label)
    dates.collect(errors, dates.after_mechanism_start, data.starts_at, field="starts_at", label=label)
    if errors:
        raise ValidationError(errors)


def default_attendees(county: Jurisdiction) -> list[AttendeeData]:
    """The default invitation list: the seats of the county's leadership group (三(一)),
    leader and deputies first. The group office attends without a vote (列席)."""
    seats = (
        GroupMembership.objects.filter(group__jurisdiction=county)
        .select_related("department", "staff", "group")
        .order_by("sort_order", "id")
    )
    out: list[AttendeeData] = []
    office_id = None
    for seat in seats:
        office_id = seat.group.office_department_id
        out.append(
            AttendeeData(
                department=seat.department,
                staff=seat.staff,
                name=(seat.staff.name if seat.staff else ""),
                title=seat.holder_title,
            )
        )
    if office_id is not None:
        office = Department.objects.get(pk=office_id)
        out.append(AttendeeData(department=office, title=_("领导小组办公室"), attendance=Attendance.OBSERVER))
    return out


def _attendees_write(consultation: Consultation, attendees: Sequence[AttendeeData]) -> None:
    wrong = [a.department.name for a in attendees if a.department.jurisdiction_id != consultation.jurisdiction_id]
    if wrong:
        raise ValidationError({"attendees": [_("参会单位不属于本旗县：%(d)s") % {"d": "、".join(wrong)}]})
    bad = [a.attendance for a in attendees if a.attendance not in Attendance.values]
    if bad:
        raise ValidationError({"attendees": [_("出席情况只能是出席、请假或列席。")]})
    consultation.attendees.all().delete()
    Attendee.objects.bulk_create(
        [
            Attendee(
                consultation=consultation,
                department=a.department,
                staff=a.staff,
                name=(a.name or (a.staff.name if a.staff else "")).strip()[:64],
                title=a.title.strip()[:64],
                attendance=a.attendance,
                sort_order=i,
            )
            for i, a in enumerate(attendees)
        ]
    )


# --- planning ---------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *, actor: Staff, data: ConsultationData, attendees: Sequence[AttendeeData] | None = None
) -> Consultation:
    """安排会商: the group office plans a consultation on cases and/or a policy issue. Without
    an attendee list, the leadership group is invited (出席), the office attends (列席)."""
    county = actor.jurisdiction
    if county is None or not permissions.may_organise(actor, county.pk):
        raise PermissionDenied(_("只有领导小组办公室可以组织会商。"))
    _validate_plan(data)
    cases = _validate_cases(county, data.cases)
    # The county's sequence number; the unique constraint refuses a duplicate taken at once.
    last = Consultation.objects.filter(jurisdiction=county).aggregate(m=Max("number"))["m"] or 0
    consultation = Consultation.objects.create(
        jurisdiction=county,
        number=last + 1,
        kind=data.kind,
        topic=data.topic.strip(),
        starts_at=data.starts_at,
        place=data.place.strip(),
        policy_issue=data.policy_issue.strip(),
        chair=data.chair.strip(),
        organiser=actor,
        created_at=timezone.now(),
    )
    consultation.cases.set(cases)
    _attendees_write(consultation, default_attendees(county) if attendees is None else attendees)
    _events(consultation, actor=actor, step="created", starts_at=consultation.starts_at.isoformat())
    return consultation


@transaction.atomic
def consultation_update(
    *, consultation: Consultation, actor: Staff, data: ConsultationData, expected_version: int | None = None
) -> Consultation:
    """修改会商安排: topic, time, place, cases and policy issue, while it is not yet held. The
    kind cannot change once a major consultation went to the leader."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    if not consultation.is_editable:
        raise ValidationError(
            _("会商当前状态为“%(s)s”，不能修改安排。") % {"s": consultation.get_status_display()}, code="state"
        )
    _validate_plan(data)
    if data.kind != consultation.kind and consultation.status != S.PLANNED:
        raise ValidationError({"kind": [_("已报请组长同意的会商不能改变类型。")]})
    cases = _validate_cases(consultation.jurisdiction, data.cases)
    before = set(consultation.cases.values_list("pk", flat=True))
    after = {c.pk for c in cases}
    consultation.kind = data.kind
    consultation.topic = data.topic.strip()
    consultation.starts_at = data.starts_at
    consultation.place = data.place.strip()
    consultation.policy_issue = data.policy_issue.strip()
    consultation.chair = data.chair.strip()
    _bump(consultation, "kind", "topic", "starts_at", "place", "policy_issue", "chair")
    consultation.cases.set(cases)
    removed = [c for c in Case.objects.filter(pk__in=before - after)]
    added = [c for c in cases if c.pk in after - before]
    kept = [c for c in cases if c.pk in before & after]
    _events(consultation, actor=actor, step="case_added", cases=added)
    _events(consultation, actor=actor, step="case_removed", cases=removed)
    _events(consultation, actor=actor, step="updated", cases=kept)
    return consultation


@transaction.atomic
def attendance_set(
    *,
    consultation: Consultation,
    actor: Staff,
    attendees: Sequence[AttendeeData],
    expected_version: int | None = None,
) -> Consultation:
    """登记参会人员: who is invited, and afterwards who attended (出席), was on leave (请假) or
    attended without a vote (列席). Fixed once the minutes are issued."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    if consultation.status in (S.MINUTES_ISSUED, S.DECLINED, S.CANCELLED):
        raise ValidationError(
            _("会商当前状态为“%(s)s”，不能修改参会人员。") % {"s": consultation.get_status_display()}, code="state"
        )
    _attendees_write(consultation, attendees)
    _bump(consultation)
    counts = {k: sum(1 for a in attendees if a.attendance == k) for k in Attendance.values}
    _events(consultation, actor=actor, step="attendance", attendance=counts)
    return consultation


# --- the leader's consent, holding, cancelling ------------------------------------------


@transaction.atomic
def consultation_request_approval(
    *, consultation: Consultation, actor: Staff, reason: str = "", expected_version: int | None = None
) -> Consultation:
    """报请组长同意: the office asks the group leader to agree to a major consultation."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    _move(consultation, step="request_approval")
    consultation.approval_requested_at = timezone.now()
    consultation.approval_reason = reason.strip()
    _bump(consultation, "status", "approval_requested_at", "approval_reason")
    _events(consultation, actor=actor, step="request_approval", reason=consultation.approval_reason)
    return consultation


@transaction.atomic
def consultation_decide(
    *,
    consultation: Consultation,
    actor: Staff,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Consultation:
    """组长同意 (or not) a major consultation. Declining needs a reason."""
    consultation = _locked(consultation)
    if not permissions.may_approve(actor, consultation):
        raise PermissionDenied(_("只有领导小组组长可以同意召开重大事项会商。"))
    _check_version(consultation, expected_version)
    if not approve and not note.strip():
        raise ValidationError({"note": [_("不同意召开时请写明理由。")]})
    step = "approve" if approve else "decline"
    _move(consultation, step=step)
    consultation.decided_by = actor
    consultation.decided_at = timezone.now()
    consultation.decision_note = note.strip()
    _bump(consultation, "status", "decided_by", "decided_at", "decision_note")
    _events(consultation, actor=actor, step=step, note=consultation.decision_note)
    return consultation


@transaction.atomic
def consultation_hold(
    *, consultation: Consultation, actor: Staff, held_at: datetime | None = None, expected_version: int | None = None
) -> Consultation:
    """召开会商: the meeting took place (a major one only after the leader agreed) — on or after
    its scheduled date (``_require_scheduled_date_reached``), and not in the future."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    _move(consultation, step="hold")
    now = timezone.now()
    held = held_at or now
    if held > now:
        raise ValidationError({"held_at": [_("召开时间不能晚于现在：会商召开后再登记。")]})
    _require_scheduled_date_reached(consultation, held, _("登记为已召开"))
    last = consultation.cases.order_by("-received_at").only("number", "received_at").first()
    if last is not None:  # a consultation on cases is held after they were received (core.dates)
        dates.not_before(
            held,
            field="held_at",
            label=_("召开时间"),
            bound=last.received_at,
            what=_("案件%(n)s的受理时间") % {"n": last.number},
        )
    consultation.held_at = held
    _bump(consultation, "status", "held_at")
    _events(consultation, actor=actor, step="hold", held_at=consultation.held_at.isoformat())
    return consultation


@transaction.atomic
def consultation_cancel(
    *, consultation: Consultation, actor: Staff, reason: str, expected_version: int | None = None
) -> Consultation:
    """取消会商 before it is held, with the reason."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": [_("请写明取消理由。")]})
    _move(consultation, step="cancel")
    consultation.cancel_reason = reason.strip()
    _bump(consultation, "status", "cancel_reason")
    _events(consultation, actor=actor, step="cancel", reason=consultation.cancel_reason)
    return consultation


# --- minutes and resolutions ------------------------------------------------------------


def _require_scheduled_date_reached(consultation: Consultation, at: datetime, what: str) -> None:
    """A consultation is held and minuted on or after its scheduled date (会商时间), never
    before: 四(三)3's minutes record a meeting that took place. The error names 会商时间."""
    scheduled = calendar.local_day(consultation.starts_at)
    if calendar.local_day(at) < scheduled:
        raise ValidationError(
            {
                "starts_at": [
                    _("会商时间为%(d)s，此前不能%(what)s。会商提前召开的，请先修改会商时间。")
                    % {"d": timezone.localtime(consultation.starts_at).strftime("%Y-%m-%d %H:%M"), "what": what}
                ]
            },
            code="early",
        )


def _require_held(consultation: Consultation, what: str) -> None:
    if consultation.status != S.HELD:
        raise ValidationError(
            _("会商当前状态为“%(s)s”，%(what)s须在会商召开后、纪要印发前进行。")
            % {"s": consultation.get_status_display(), "what": what},
            code="state",
        )


@transaction.atomic
def minutes_save(
    *,
    consultation: Consultation,
    actor: Staff,
    discussion: str,
    conclusions: str,
    chair: str | None = None,
    expected_version: int | None = None,
) -> Consultation:
    """会议纪要: the discussion and the conclusions (one per line, numbered in the minutes)."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    _require_held(consultation, _("纪要"))
    _require_scheduled_date_reached(consultation, timezone.now(), _("录入纪要"))
    consultation.discussion = discussion.strip()
    consultation.conclusions = "\n".join(line.strip() for line in conclusions.splitlines() if line.strip())
    if chair is not None:
        consultation.chair = chair.strip()
    _bump(consultation, "discussion", "conclusions", "chair")
    _events(consultation, actor=actor, step="minutes", conclusions=len(consultation.conclusion_lines()))
    return consultation


def resolution_default_due(consultation: Consultation, start: date | None = None) -> calendar.DueDate:
    """A resolution's default deadline: the time limit for a department's written opinion —
    专案处理书面审批意见 after a major consultation, 联办书面意见 after a general one."""
    code = timelimits.SPECIAL_OPINION if consultation.kind == ConsultationKind.MAJOR else timelimits.JOINT_OPINION
    return timelimits.due(code, start or calendar.local_day(timezone.now()))


@transaction.atomic
def resolution_add(
    *,
    consultation: Consultation,
    actor: Staff,
    department: Department,
    text: str,
    case: Case | None = None,
    due_on: date | None = None,
    make_task: bool = False,
) -> Resolution:
    """决定事项: what a department must do by when. Without ``due_on`` the deadline comes
    from the calendar (``resolution_default_due``). With ``make_task`` (which needs a case)
    it becomes the department's task on that case at once."""
    consultation = _locked(consultation)
    _require_organiser(actor, consultation)
    _require_held(consultation, _("决定事项"))
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("请填写决定事项。")]
    if department.jurisdiction_id != consultation.jurisdiction_id:
        errors["department"] = [_("承办单位不属于本旗县。")]
    if case is not None and not consultation.cases.filter(pk=case.pk).exists():
        errors["case"] = [_("案件%(n)s不在本次会商范围内。") % {"n": case.number}]
    if make_task and case is None:
        errors["case"] = [_("转为办理任务须指定案件。")]
    if due_on is not None:  # a deadline named by the organiser (core.dates)
        label = _("办理期限")
        held = consultation.held_at or consultation.starts_at
        dates.collect(errors, dates.not_before, due_on, field="due_on", label=label, bound=held, what=_("会商召开之日"))
        dates.collect(errors, dates.within_plan_horizon, due_on, field="due_on", label=label)
        if "due_on" not in errors:
            dates.collect(errors, dates.working_day, due_on, field="due_on", label=label)
    if errors:
        raise ValidationError(errors)
    provisional = False
    if due_on is None:
        due = resolution_default_due(consultation)
        due_on, provisional = due.day, due.provisional
    last = consultation.resolutions.aggregate(m=Max("sort_order"))["m"]
    resolution = Resolution.objects.create(
        consultation=consultation,
        case=case,
        department=department,
        text=text.strip(),
        due_on=due_on,
        due_provisional=provisional,
        created_by=actor,
        created_at=timezone.now(),
        sort_order=(last + 1) if last is not None else 0,
    )
    _bump(consultation)
    data = {"department": department.code, "due_on": due_on.isoformat(), "resolution": resolution.pk}
    _events(consultation, actor=actor, step="resolution", cases=[case] if case else None, **data)
    if make_task:
        resolution = _task_for(resolution=resolution, actor=actor)
    return resolution


def _task_for(*, resolution: Resolution, actor: Staff) -> Resolution:
    from fengqiao.handling.models import TaskKind
    from fengqiao.handling.services import task_create

    assert resolution.case is not None
    case = Case.objects.select_for_update().get(pk=resolution.case.pk)  # task_create's callers lock the case
    task = task_create(
        case=case,
        department=resolution.department,
        kind=TaskKind.RESOLUTION,
        actor=actor,
        due_on=resolution.due_on,
        instructions=f"{resolution.consultation}：{resolution.text}",
    )
    resolution.task = task
    resolution.save(update_fields=["task"])
    return resolution


@transaction.atomic
def resolution_task_create(*, resolution: Resolution, actor: Staff) -> Resolution:
    """决定事项转为办理任务: the department gets a task (kind ``resolution``) on the case, due
    on the resolution's date; the task is linked back to the resolution."""
    consultation = _locked(resolution.consultation)
    _require_organiser(actor, consultation)
    resolution = (
        Resolution.objects.select_for_update(of=("self",)).select_related("department", "case").get(pk=resolution.pk)
    )
    if consultation.status not in (S.HELD, S.MINUTES_ISSUED):
        raise ValidationError(_("会商召开后才能交办决定事项。"), code="state")
    if resolution.task_id is not None:
        raise ValidationError({"resolution": [_("该决定事项已转为办理任务。")]})
    if resolution.case is None:
        raise ValidationError({"case": [_("转为办理任务须指定案件。")]})
    resolution.consultation = consultation
    return _task_for(resolution=resolution, actor=actor)


@transaction.atomic
def minutes_issue(*, consultation: Consultation, actor: Staff, expected_version: int | None = None) -> IssuedDocument:
    """印发会议纪要: the minutes are numbered, rendered per GB/T 9704 §10.3 (DOCX and PDF),
    stored with their digests, and recorded on every covered case. Nothing of the
    consultation changes afterwards."""
    from fengqiao.documents.registry import MINUTES
    from fengqiao.documents.services import document_issue_for_subject

    consultation = _locked(consultation)
    # The covered cases' rows, locked in one order before anything is read: the kept
    # ``decision_ready`` written below must see an opinion signed or a 司法局 review recorded
    # on one of them at the same moment (on PostgreSQL an UPDATE that waited for a row lock
    # still reads its subqueries from the snapshot of its start).
    list(
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=consultation.cases.values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _require_organiser(actor, consultation)
    _check_version(consultation, expected_version)
    _require_scheduled_date_reached(consultation, timezone.now(), _("印发纪要"))
    errors: dict[str, list[str]] = {}
    if consultation.status == S.HELD:
        if not consultation.conclusion_lines():
            errors["conclusions"] = [_("请先填写会议议定事项。")]
        if not consultation.attendees.filter(attendance=Attendance.PRESENT).exists():
            errors["attendees"] = [_("请先登记出席人员。")]
    if errors:
        raise ValidationError(errors)
    _move(consultation, step="issue_minutes")
    consultation.minutes_issued_at = timezone.now()
    _bump(consultation, "status", "minutes_issued_at")
    document = document_issue_for_subject(doc_type=MINUTES, subject=consultation, actor=actor)
    _events(
        consultation,
        actor=actor,
        step="issue_minutes",
        document=document.pk,
        number=document.number,
        pdf_sm3=document.pdf_sm3,
        docx_sm3=document.docx_sm3,
    )
    # 四(三)2 3): the decision of each covered major matter follows the minutes, now issued.
    kept.refresh(consultation.cases.values_list("pk", flat=True))
    return document
