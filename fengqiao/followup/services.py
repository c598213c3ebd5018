"""结果反馈 (四(四)), 跟踪回访 (四(五)) and the remedies of a payer who objects.

Each service locks the case row, checks who may act and in which state, writes the record and
an event on the case's timeline, and takes the workflow step the record implies:

- the payer's delivery → ``notify`` then ``follow_up_start`` (a visit is scheduled);
- a visit recording an objection → ``object`` (remedy tracking);
- a remedy outcome that changes the decision → ``reopen`` / ``reopen_own`` (handling again).

The payer's own acts on the payer pages (线上枫桥, docs/portal.md) reach the same records through
the same checks-and-writes (``_feedback_write``, ``_visit_write``, ``_remedy_write``), with no
staff actor: ``feedback_record_by_payer`` (电子送达: the consenting payer opened the decision)
and ``visit_answer_by_payer`` (the payer answered the visit, and named the remedy taken). Only
the staff services check the staff permission (``_check``); the payer's events say
``data["by"] = "payer"`` and have no actor.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, timedelta
from typing import Any, Required, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import kept, workflow
from fengqiao.cases.models import Case, CaseEvent, EventKind, sealed_check
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.cases.workflow import TransitionError
from fengqiao.core import calendar, dates, timelimits
from fengqiao.documents.registry import DELIVERY_RECEIPT
from fengqiao.documents.services import document_issue
from fengqiao.followup import permissions
from fengqiao.followup.models import (
    Delivery,
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.followup.selectors import current_round
from fengqiao.handling.models import Decision, DecisionStatus
from fengqiao.org.models import Staff

# How long after filing (or the last check) a pending remedy is checked on again.
REMEDY_CHECK_DAYS = 30
# 劳动争议调解: no agreement within 15 days → arbitration may be applied for (DOMAIN.md).
MEDIATION_DAYS = 15
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6
LITIGATION_AFTER_RECONSIDERATION_DAYS = 15
ARBITRATION_MONTHS = 12

FOLLOW_UP_STATES = (CaseState.NOTIFIED, CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING)


# --- helpers ------------------------------------------------------------------------------


def _lock_case(case_id: int) -> Case:
    qs = Case.objects.filter(pk=case_id).select_related("jurisdiction", "receiving_department")
    qs = qs.select_for_update(of=("self",)) if connection.features.has_select_for_update_of else qs.select_for_update()
    case: Case = qs.get()
    sealed_check(case)  # 四(七): a sealed case is refused before the step's own state check
    return case


# ``data["by"]`` of the events of the payer's own acts on the payer pages (no staff actor).
BY_PAYER = "payer"


def _event(*, case: Case, actor: Staff | None, kind: str, summary: str, data: dict[str, Any]) -> CaseEvent:
    """A timeline event; ``actor`` None is the payer's own act (the payer pages)."""
    if actor is None:
        data = {**data, "by": BY_PAYER}
    return CaseEvent.objects.create(
        case=case, at=timezone.now(), actor=actor, kind=kind, summary=summary[:255], data=data
    )


def _check(actor: Staff, case: Case) -> None:
    if not permissions.may_follow_up(actor, case):
        raise PermissionDenied(_("您无权办理该案件的结果反馈与回访。"))


def _state_error(message: str) -> TransitionError:
    return TransitionError(message, code="state")


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months; a day missing in the target month becomes
    its last day (31 August + 6 months = 28/29 February)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, pycalendar.monthrange(year, month)[1]))


def _period_end(start: date, *, days: int = 0, months: int = 0) -> calendar.DueDate:
    """The end of a period of ``days`` 日 or ``months`` 个月 after ``start``; a last day that is
    a holiday moves to the next working day (``calendar.add_calendar_days``)."""
    if months:
        days = (add_months(start, months) - start).days
    return calendar.add_calendar_days(start, days)


def _current_decision(case: Case) -> Decision | None:
    """The case's latest issued decision: the one its current round follows up
    (``selectors.current_round``)."""
    return Decision.objects.filter(case_id=case.pk, status=DecisionStatus.ISSUED).order_by("-pk").first()


def knew_on(case: Case) -> date | None:
    """The day the payer learned of the decision now contested (the latest issued, after a
    remedy changed an earlier one): its delivery to the payer, else its issue date."""
    decision = _current_decision(case)
    if decision is None:
        return None
    delivery = (
        Delivery.objects.filter(case_id=case.pk, recipient=Recipient.PAYER, decision=decision)
        .order_by("delivered_at", "id")
        .first()
    )
    if delivery is not None:
        return calendar.local_day(delivery.delivered_at)
    if decision.issued_at is not None:
        return calendar.local_day(decision.issued_at)
    return None


def remedy_deadline(
    *, kind: str, knew: date, filed_on: date, previous: Remedy | None = None
) -> tuple[date, calendar.DueDate]:
    """(the day the period starts, its statutory end) for a remedy of ``kind`` (DOMAIN.md):

    - 行政复议: 60 days from knowing the act;
    - 行政诉讼: 6 months from knowing the act, or 15 days from receiving the reconsideration
      decision (行政诉讼法第四十五条) or the arbitral award (劳动争议调解仲裁法第五十条);
    - 劳动仲裁: 1 year from knowing, restarting when a mediation ended without agreement;
    - 劳动争议调解: the 15 days within which an agreement is due (then arbitration).

    A remedy's ``outcome_on`` is taken as the day the payer received its decision or award."""
    if kind == RemedyKind.RECONSIDERATION:
        return knew, _period_end(knew, days=RECONSIDERATION_DAYS)
    if kind == RemedyKind.LITIGATION:
        if (
            previous is not None
            and previous.kind in (RemedyKind.RECONSIDERATION, RemedyKind.ARBITRATION)
            and previous.outcome_on
        ):
            return previous.outcome_on, _period_end(previous.outcome_on, days=LITIGATION_AFTER_RECONSIDERATION_DAYS)
        return knew, _period_end(knew, months=LITIGATION_MONTHS)
    if kind == RemedyKind.ARBITRATION:
        if previous is not None and previous.kind == RemedyKind.MEDIATION and previous.outcome_on:
            return previous.outcome_on, _period_end(previous.outcome_on, months=ARBITRATION_MONTHS)
        return knew, _period_end(knew, months=ARBITRATION_MONTHS)
    if kind == RemedyKind.MEDIATION:
        return filed_on, _period_end(filed_on, days=MEDIATION_DAYS)
    raise ValidationError({"kind": [_("请选择救济途径。")]})


# Which remedy may follow which (one leads to another).
FOLLOWS: dict[str, frozenset[str]] = {
    RemedyKind.MEDIATION: frozenset({RemedyKind.ARBITRATION}),
    RemedyKind.RECONSIDERATION: frozenset({RemedyKind.LITIGATION}),
    RemedyKind.ARBITRATION: frozenset({RemedyKind.LITIGATION}),
    RemedyKind.LITIGATION: frozenset(),
}


def follow_on_window(remedy: Remedy) -> calendar.DueDate | None:
    """The statutory window for the remedy that may follow ``remedy`` once it ended without
    changing the decision, or None when none may follow (a lawsuit is the last step).

    行政诉讼法第四十五条: 不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼;
    劳动争议调解仲裁法第五十条: 不服仲裁裁决的，自收到仲裁裁决书之日起十五日内提起诉讼;
    第二十七条: after a mediation without agreement the year for arbitration starts again."""
    if remedy.outcome_on is None or remedy.outcome == RemedyOutcome.CHANGED:
        return None
    following = sorted(FOLLOWS[remedy.kind])
    if not following:
        return None
    _start, window = remedy_deadline(
        kind=following[0], knew=remedy.outcome_on, filed_on=remedy.outcome_on, previous=remedy
    )
    return window


# --- 结果反馈 -----------------------------------------------------------------------------


class FeedbackDetails(TypedDict, total=False):
    """What a delivery records beyond its recipient and method (``_feedback_write``)."""

    delivered_at: datetime | None
    recipient_name: str
    address: str
    receipt_reference: str
    notes: str
    send_message: bool
    expected_version: int | None


@transaction.atomic
def feedback_record(
    *, case: Case, actor: Staff, recipient: str, method: str, **details: Unpack[FeedbackDetails]
) -> Delivery:
    """结果反馈: record the delivery of the decision notice to the payer or the other party,
    with its method, and issue its 送达回证 (the document engine's ``delivery_receipt``, numbered
    like every document; ``receipt_reference`` is only an outside number such as a postal
    tracking number). The payer's delivery moves the case to follow-up (``notify``, then
    ``follow_up_start``) and schedules the visit. With ``send_message`` an SMS or e-mail goes
    out through the outbox.

    The receipt prints the delivery address in full (五(三)), so issuing it also needs the right
    to reveal personal data — held by everyone who may follow up (the receiving department's
    clerks and head, the first receiver, the group office). Raises
    ``fengqiao.documents.fonts.FontMissing`` when the receipt cannot be rendered: nothing is
    recorded then (the callers answer 503)."""
    case = _lock_case(case.pk)
    _check(actor, case)
    return _feedback_write(case=case, actor=actor, recipient=recipient, method=method, **details)


@transaction.atomic
def feedback_record_by_payer(*, case: Case, consented_at: datetime) -> Delivery | None:
    """电子送达 (四(四) 将处理意见以书面形式告知缴费人): the payer, who consented to electronic
    delivery on the payer pages at ``consented_at`` (the caller holds the consent), opens the
    decision there. That is recorded as the payer's delivery, method 网上送达, with its 送达回证,
    through the same checks-and-writes as ``feedback_record`` — so the case moves to follow-up
    (``notify``, ``follow_up_start``) and the visit is scheduled exactly as when staff record it.
    Only while the latest decision is not yet delivered to the payer (the case is 已出具处理意见);
    otherwise nothing is recorded and None is returned (opening it again records nothing).
    Raises ``FontMissing`` as ``feedback_record`` does (nothing recorded)."""
    case = _lock_case(case.pk)
    if case.state != CaseState.DECIDED:
        return None
    payer = case.payer
    return _feedback_write(
        case=case,
        actor=None,
        recipient=Recipient.PAYER,
        method=DeliveryMethod.ONLINE,
        recipient_name=payer.name if payer is not None else "",
        address=_("网上服务平台（凭案件编号和查询码查阅）"),
        notes=_("缴费人于%(t)s在网上同意电子送达，本次为其在网上打开处理意见书。")
        % {"t": timezone.localtime(consented_at).strftime("%Y-%m-%d %H:%M")},
    )


def _feedback_write(
    *,
    case: Case,
    actor: Staff | None,
    recipient: str,
    method: str,
    delivered_at: datetime | None = None,
    recipient_name: str = "",
    address: str = "",
    receipt_reference: str = "",
    notes: str = "",
    send_message: bool = False,
    expected_version: int | None = None,
) -> Delivery:
    """The checks and writes of 结果反馈 on a locked ``case``, shared by staff's
    ``feedback_record`` and the payer's ``feedback_record_by_payer`` (``actor`` None)."""
    by_payer = actor is None
    if case.state not in (CaseState.DECIDED, *FOLLOW_UP_STATES):
        raise _state_error(_("案件尚未形成处理意见，不能反馈结果。"))
    if recipient not in Recipient.values:
        raise ValidationError({"recipient": [_("请选择受送达人。")]})
    if method not in DeliveryMethod.values:
        raise ValidationError({"method": [_("请选择送达方式。")]})
    if recipient == Recipient.OTHER_PARTY and case.other_party_id is None:
        raise ValidationError({"recipient": [_("本案没有另一方当事人。")]})
    payer_done = Delivery.objects.filter(case=case, recipient=Recipient.PAYER).exists()
    if recipient == Recipient.PAYER and case.state != CaseState.DECIDED and payer_done:
        raise ValidationError({"recipient": [_("已向缴费人反馈结果。")]})
    if len(address.strip()) > 255:
        raise ValidationError({"address": [_("送达地址/号码不能超过255个字。")]})
    if send_message and method in (DeliveryMethod.SMS, DeliveryMethod.EMAIL) and not address.strip():
        raise ValidationError({"address": [_("发送短信或电子邮件须填写手机号码或邮箱地址。")]})
    decision = Decision.objects.filter(case=case, status=DecisionStatus.ISSUED).order_by("-pk").first()
    if decision is None:
        raise _state_error(_("案件没有已出具的处理意见书。"))
    now = timezone.now()
    delivered_at = delivered_at or now
    dates.not_future(delivered_at, field="delivered_at", label=_("送达时间"), now=now)
    if decision.issued_at is not None:
        dates.not_before(
            delivered_at,
            field="delivered_at",
            label=_("送达时间"),
            bound=decision.issued_at,
            what=_("处理意见书出具时间"),
        )
    on_time = True
    if decision.issued_at is not None:
        due = timelimits.due(timelimits.FEEDBACK, calendar.local_day(decision.issued_at))
        on_time = calendar.local_day(delivered_at) <= due.day
    delivery = Delivery.objects.create(
        case=case,
        decision=decision,
        recipient=recipient,
        recipient_name=recipient_name.strip(),
        method=method,
        address=address.strip(),
        delivered_at=delivered_at,
        receipt_reference=receipt_reference.strip(),
        notes=notes.strip(),
        recorded_by=actor,
        recorded_at=now,
    )
    receipt = document_issue(doc_type=DELIVERY_RECEIPT, case=case, actor=actor)
    delivery.receipt_document = receipt
    delivery.save(update_fields=["receipt_document"])
    _event(
        case=case,
        actor=actor,
        kind=EventKind.FEEDBACK,
        summary=_("向%(r)s反馈处理结果（%(m)s，送达回证%(n)s）%(late)s")
        % {
            "r": delivery.get_recipient_display(),
            "m": delivery.get_method_display(),
            "n": receipt.number,
            "late": "" if on_time else _("，已超过反馈时限"),
        },
        data={
            "delivery": delivery.pk,
            "recipient": recipient,
            "method": method,
            "on_time": on_time,
            "receipt": receipt.pk,
        },
    )
    if send_message and method in (DeliveryMethod.SMS, DeliveryMethod.EMAIL):
        from fengqiao.integrations.models import Channel
        from fengqiao.integrations.outbox import outbox_enqueue

        outbox_enqueue(
            channel=Channel.SMS if method == DeliveryMethod.SMS else Channel.EMAIL,
            event_type="followup.decision_notice",
            payload={
                "case": case.number,
                "decision": decision.pk,
                "document": decision.document.number if decision.document else "",
                "text": _("您反映的%(n)s号涉费争议事项已形成处理意见，请查收处理意见书。") % {"n": case.number},
            },
            idempotency_key=f"followup-delivery-{delivery.pk}",
            recipient=delivery.address,
            group=f"case-{case.pk}",
        )
    if recipient == Recipient.PAYER and case.state == CaseState.DECIDED:
        for name in ("notify", "follow_up_start"):  # the page's version is checked on the first step
            workflow.transition(
                case=case,
                name=name,
                actor=actor,
                at=now,
                data={"delivery": delivery.pk},
                expected_version=expected_version if name == "notify" else None,
                by_payer=by_payer,
            )
        _visit_create(case=case, actor=actor, scheduled_on=None, decision=decision)
        if Delivery.objects.filter(case=case, recipient=Recipient.OTHER_PARTY, decision=decision).exists():
            _visit_create(case=case, actor=actor, scheduled_on=None, party=Recipient.OTHER_PARTY, decision=decision)
    elif (
        recipient == Recipient.OTHER_PARTY
        and case.state in (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING)
        and not Visit.objects.filter(
            case=case, party=Recipient.OTHER_PARTY, done_at__isnull=True, decision=decision
        ).exists()
    ):
        # 四(五) 对被反馈的争议双方进行跟踪回访: the other party, once told, is visited too (a visit
        # of an earlier round, about a decision since changed, does not stand for it).
        _visit_create(case=case, actor=actor, scheduled_on=None, party=Recipient.OTHER_PARTY, decision=decision)
    if recipient == Recipient.OTHER_PARTY:
        kept.refresh([case])  # both parties told: archiving may wait on the other party's visit only
    return delivery


@transaction.atomic
def delivery_address_reveal(*, case: Case, actor: Staff, delivery_id: int, reason: str) -> str:
    """查看明文 (五(三)) of the address, mobile number or mailbox a decision notice was delivered
    to: lists, pages and the API show it masked; the plain value only through this, for a
    stated reason, to someone who may reveal the case's personal data (``may_reveal``: a role
    AND a case that both allow it). Recorded as the case's reveals are: a ``RevealRecord`` of
    the party's identity and a timeline event."""
    from fengqiao.cases import permissions as case_permissions
    from fengqiao.cases.models import RevealRecord

    if len(reason.strip()) < 4:
        raise ValidationError({"reason": [_("请说明查看理由（至少4个字）。")]})
    if not case_permissions.may_reveal(actor, case):
        raise PermissionDenied(_("您无权查看明文。"))
    delivery = Delivery.objects.filter(case=case, pk=delivery_id).first()
    if delivery is None:
        raise ValidationError({"delivery": [_("该案件没有这次结果反馈。")]})
    party = case.other_party if delivery.recipient == Recipient.OTHER_PARTY else case.payer
    if party is None:
        raise ValidationError({"delivery": [_("该案件没有这次结果反馈的受送达人。")]})
    now = timezone.now()
    RevealRecord.objects.create(
        case=case, payer_id=party.identity_id, field="delivery_address", reason=reason.strip(), staff=actor, at=now
    )
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.REVEALED,
        summary=_("查看%(who)s的送达地址/号码明文") % {"who": party.name},
        data={
            "party": delivery.recipient,
            "field": "delivery_address",
            "delivery": delivery.pk,
            "reason": reason.strip(),
        },
    )
    # 五(三) the audit trail, in this transaction (docs/audit.md "What is recorded").
    from fengqiao.audit import trail

    trail.revealed(case=case, actor=actor, fields=["delivery_address"], via="delivery")
    return delivery.address


# --- 跟踪回访 -----------------------------------------------------------------------------


def _visit_create(
    *,
    case: Case,
    actor: Staff | None,
    scheduled_on: date | None,
    party: str = Recipient.PAYER,
    decision: Decision | None = None,
) -> Visit:
    """A visit of the current round: tied to the decision whose feedback it follows."""
    decision = decision or _current_decision(case)
    provisional = False
    if scheduled_on is None:
        if case.due_on is not None and case.state == CaseState.FOLLOWING_UP:
            scheduled_on, provisional = case.due_on, case.due_provisional
        else:
            due = timelimits.due(timelimits.FOLLOW_UP, calendar.local_day(timezone.now()))
            scheduled_on, provisional = due.day, due.provisional
    visit = Visit.objects.create(
        case=case, decision=decision, party=party, scheduled_on=scheduled_on, scheduled_provisional=provisional
    )
    _event(
        case=case,
        actor=actor,
        kind=EventKind.VISIT,
        summary=_("安排跟踪回访%(p)s（%(d)s）") % {"p": visit.get_party_display(), "d": scheduled_on.isoformat()},
        data={"visit": visit.pk, "party": party, "scheduled_on": scheduled_on.isoformat()},
    )
    return visit


@transaction.atomic
def visit_schedule(
    *, case: Case, actor: Staff, scheduled_on: date | None = None, party: str = Recipient.PAYER
) -> Visit:
    """安排跟踪回访: a visit to ``party`` (四(五) 对被反馈的争议双方进行跟踪回访: the payer, or the
    other party of the dispute), on ``scheduled_on`` or by default within the follow-up limit."""
    case = _lock_case(case.pk)
    _check(actor, case)
    if case.state not in (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING):
        raise _state_error(_("案件当前不在跟踪回访阶段。"))
    if party not in Recipient.values:
        raise ValidationError({"party": [_("请选择回访对象。")]})
    if party == Recipient.OTHER_PARTY and case.other_party_id is None:
        raise ValidationError({"party": [_("本案没有另一方当事人。")]})
    if scheduled_on is not None:  # a planned day: from today, within reach (core.dates)
        today = calendar.local_day(timezone.now())
        dates.not_before(scheduled_on, field="scheduled_on", label=_("回访日期"), bound=today, what=_("今天"))
        dates.within_plan_horizon(scheduled_on, field="scheduled_on", label=_("回访日期"), today=today)
    return _visit_create(case=case, actor=actor, scheduled_on=scheduled_on, party=party)


class VisitAnswer(TypedDict, total=False):
    """What a visit records beyond its method (``_visit_write``)."""

    satisfaction: Required[str]
    objects_to_decision: Required[bool]
    notes: str
    done_at: datetime | None


@transaction.atomic
def visit_record(*, visit: Visit, actor: Staff, method: str, **answer: Unpack[VisitAnswer]) -> Visit:
    """记录回访: the method, the party's satisfaction, whether it objects, and notes. The payer
    without objection → the case may be archived once the other party (if any) was visited too;
    the payer's objection in follow-up → remedy tracking (四(五)). The other party's objection is
    recorded, and moves nothing: the remedies of 四(四) are the payer's. The method 缴费人网上答复
    is the payer's own (``visit_answer_by_payer``), never staff's."""
    case = _lock_case(visit.case_id)
    _check(actor, case)
    if method == VisitMethod.PAYER:
        raise ValidationError({"method": [_("“缴费人网上答复”只能由缴费人本人在网上提交。")]})
    return _visit_write(case=case, visit=visit, actor=actor, method=method, **answer)


def _visit_write(
    *,
    case: Case,
    visit: Visit,
    actor: Staff | None,
    method: str,
    satisfaction: str,
    objects_to_decision: bool,
    notes: str = "",
    done_at: datetime | None = None,
) -> Visit:
    """The checks and writes of 记录回访 on a locked ``case``, shared by staff's ``visit_record``
    and the payer's ``visit_answer_by_payer`` (``actor`` None)."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.done_at is not None:
        raise _state_error(_("该次回访已记录。"))
    if case.state not in (CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING):
        raise _state_error(_("案件当前不在跟踪回访阶段。"))
    if method not in VisitMethod.values:
        raise ValidationError({"method": [_("请选择回访方式。")]})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("请选择满意度。")]})
    now = timezone.now()
    done_at = done_at or now
    dates.not_future(done_at, field="done_at", label=_("回访时间"), now=now)
    dates.not_before_received(done_at, received_at=case.received_at, field="done_at", label=_("回访时间"))
    visit.done_at = done_at
    visit.method = method
    visit.satisfaction = satisfaction
    visit.objects_to_decision = objects_to_decision
    visit.notes = notes.strip()
    visit.by = actor
    visit.save()
    _event(
        case=case,
        actor=actor,
        kind=EventKind.VISIT,
        summary=_("跟踪回访%(p)s（%(m)s）：%(s)s，%(o)s")
        % {
            "p": visit.get_party_display(),
            "m": visit.get_method_display(),
            "s": visit.get_satisfaction_display(),
            "o": _("对处理意见有异议") if objects_to_decision else _("无异议"),
        },
        data={
            "visit": visit.pk,
            "party": visit.party,
            "method": method,
            "satisfaction": satisfaction,
            "objects": objects_to_decision,
        },
    )
    if objects_to_decision and visit.party == Recipient.PAYER and case.state == CaseState.FOLLOWING_UP:
        workflow.transition(
            case=case, name="object", actor=actor, at=now, data={"visit": visit.pk}, by_payer=actor is None
        )
    else:
        kept.refresh([case])  # a visit done: the case may be ready to archive
    return visit


# --- 救济途径 -----------------------------------------------------------------------------


class RemedyDetails(TypedDict, total=False):
    """What a remedy records beyond its kind, body and filing date (``_remedy_write``)."""

    previous: Remedy | None
    next_check_on: date | None
    notes: str


@transaction.atomic
def remedy_record(
    *, case: Case, actor: Staff, kind: str, body: str, filed_on: date, **details: Unpack[RemedyDetails]
) -> Remedy:
    """记录救济途径: the remedy the objecting payer took, with its body and filing date; the
    statutory deadline is computed (DOMAIN.md) and a check date set for the reminders. It is
    tied to the decision it contests (the latest issued: its round), and may follow only a
    remedy of the same round."""
    case = _lock_case(case.pk)
    _check(actor, case)
    return _remedy_write(case=case, actor=actor, kind=kind, body=body, filed_on=filed_on, **details)


def _remedy_write(
    *,
    case: Case,
    actor: Staff | None,
    kind: str,
    body: str,
    filed_on: date,
    previous: Remedy | None = None,
    next_check_on: date | None = None,
    notes: str = "",
) -> Remedy:
    """The checks and writes of 记录救济途径 on a locked ``case``, shared by staff's
    ``remedy_record`` and the payer's ``visit_answer_by_payer`` (``actor`` None)."""
    if case.state != CaseState.REMEDY_TRACKING:
        raise _state_error(_("缴费人未提出异议，不能记录救济途径。"))
    if kind not in RemedyKind.values:
        raise ValidationError({"kind": [_("请选择救济途径。")]})
    if not body.strip():
        raise ValidationError({"body": [_("请填写受理机关。")]})
    today = calendar.local_day(timezone.now())
    dates.not_future(filed_on, field="filed_on", label=_("申请日期"))
    dates.not_before_received(filed_on, received_at=case.received_at, field="filed_on", label=_("申请日期"))
    if next_check_on is not None:
        dates.not_before(next_check_on, field="next_check_on", label=_("下次跟踪日期"), bound=today, what=_("今天"))
        dates.within_plan_horizon(next_check_on, field="next_check_on", label=_("下次跟踪日期"), today=today)
    decision = _current_decision(case)  # the decision contested: this round's
    if previous is not None:
        previous = Remedy.objects.get(pk=previous.pk)
        if previous.case_id != case.pk:
            raise ValidationError({"previous": [_("前一救济途径不属于本案。")]})
        if decision is not None and previous.decision_id != decision.pk:
            raise ValidationError({"previous": [_("前一救济途径针对的是已被变更的处理意见，不能接续。")]})
        if previous.status != RemedyStatus.ENDED or previous.outcome_on is None:
            raise ValidationError({"previous": [_("前一救济途径尚未终结。")]})
        if kind not in FOLLOWS[previous.kind]:
            raise ValidationError(
                {
                    "previous": [
                        _("“%(a)s”之后不能接续“%(b)s”。")
                        % {"a": previous.get_kind_display(), "b": RemedyKind(kind).label}
                    ]
                }
            )
        if filed_on < previous.outcome_on:
            raise ValidationError({"filed_on": [_("申请日期不能早于前一救济途径的结果日期。")]})
    knew = knew_on(case) or filed_on
    start, deadline = remedy_deadline(kind=kind, knew=knew, filed_on=filed_on, previous=previous)
    in_time = kind == RemedyKind.MEDIATION or filed_on <= deadline.day
    if next_check_on is None:
        next_check_on = deadline.day if kind == RemedyKind.MEDIATION else filed_on + timedelta(days=REMEDY_CHECK_DAYS)
        next_check_on = max(next_check_on, today)
    remedy = Remedy.objects.create(
        case=case,
        decision=decision,
        kind=kind,
        body=body.strip(),
        filed_on=filed_on,
        deadline_start=start,
        statutory_deadline=deadline.day,
        deadline_provisional=deadline.provisional,
        filed_in_time=in_time,
        previous=previous,
        next_check_on=next_check_on,
        notes=notes.strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _event(
        case=case,
        actor=actor,
        kind=EventKind.REMEDY,
        summary=_("缴费人申请%(k)s（%(b)s），法定期限至%(d)s%(late)s")
        % {
            "k": remedy.get_kind_display(),
            "b": remedy.body,
            "d": deadline.day.isoformat(),
            "late": "" if in_time else _("，已超过法定期限"),
        },
        data={
            "remedy": remedy.pk,
            "kind": kind,
            "deadline": deadline.day.isoformat(),
            "in_time": in_time,
            "previous": previous.pk if previous else None,
        },
    )
    kept.refresh([case])  # a remedy under way (or a window used): not ready to archive
    return remedy


def payer_visit_open(case: Case) -> Visit | None:
    """The visit to the payer of ``case``'s current round still to be done, if any: the one the
    payer may answer on the payer pages."""
    return (
        Visit.objects.filter(case_id=case.pk, party=Recipient.PAYER, done_at__isnull=True)
        .filter(current_round())
        .order_by("scheduled_on", "id")
        .first()
    )


@transaction.atomic
def visit_answer_by_payer(
    *,
    case: Case,
    satisfaction: str,
    objects_to_decision: bool,
    notes: str = "",
    remedy_kind: str = "",
    remedy_body: str = "",
    remedy_filed_on: date | None = None,
    expected_version: int | None = None,
) -> tuple[Visit, Remedy | None]:
    """The payer answers the follow-up visit on the payer pages (四(五) 跟踪回访): satisfaction,
    whether it objects to the decision and, when it objects and has already taken one, the
    remedy (四(四): 调解、行政复议、仲裁、行政诉讼) with its body and filing date. It reaches the
    same records as a visit and a remedy entered by staff (``_visit_write`` with the method
    缴费人网上答复, then ``_remedy_write``): the objection moves the case to remedy tracking, no
    objection lets it be archived as staff's visit does. One transaction: a refused remedy
    leaves the visit unanswered too. ``expected_version`` refuses a page made stale by another
    answer or by staff (the case's version, as ``feedback_record``)."""
    case = _lock_case(case.pk)
    if expected_version is not None and expected_version != case.version:
        raise TransitionError(_("该案件已有新的办理进展，请刷新页面后重试。"), code="stale")
    visit = payer_visit_open(case)
    if visit is None:
        raise _state_error(_("当前没有待您答复的回访，或您的答复已记录。"))
    if remedy_kind and not objects_to_decision:
        raise ValidationError({"kind": [_("对处理意见无异议的，无需选择救济途径。")]})
    if remedy_kind and remedy_filed_on is None:
        raise ValidationError({"filed_on": [_("请填写申请/起诉日期。")]})
    answer: VisitAnswer = {"satisfaction": satisfaction, "objects_to_decision": objects_to_decision, "notes": notes}
    visit = _visit_write(case=case, visit=visit, actor=None, method=VisitMethod.PAYER, **answer)
    remedy = None
    if remedy_kind and remedy_filed_on is not None:
        remedy = _remedy_write(case=case, actor=None, kind=remedy_kind, body=remedy_body, filed_on=remedy_filed_on)
    return visit, remedy


@transaction.atomic
def remedy_check(*, remedy: Remedy, actor: Staff, next_check_on: date, notes: str = "") -> Remedy:
    """跟踪救济进展: note the progress and set the next check date."""
    case = _lock_case(remedy.case_id)
    _check(actor, case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    if remedy.status != RemedyStatus.PENDING:
        raise _state_error(_("该救济途径已终结。"))
    today = calendar.local_day(timezone.now())
    if next_check_on <= today:
        raise ValidationError({"next_check_on": [_("下次跟踪日期应晚于今天（%(d)s）。") % {"d": today.isoformat()}]})
    dates.within_plan_horizon(next_check_on, field="next_check_on", label=_("下次跟踪日期"), today=today)
    remedy.next_check_on = next_check_on
    remedy.save(update_fields=["next_check_on"])
    _event(
        case=case,
        actor=actor,
        kind=EventKind.REMEDY,
        summary=_("跟踪%(k)s进展：%(n)s") % {"k": remedy.get_kind_display(), "n": notes.strip() or "—"},
        data={"remedy": remedy.pk, "next_check_on": next_check_on.isoformat()},
    )
    return remedy


@transaction.atomic
def remedy_outcome(*, remedy: Remedy, actor: Staff, outcome: str, outcome_on: date, notes: str = "") -> Remedy:
    """记录救济结果: the remedy ends. An outcome that changes the decision reopens handling
    (``reopen`` to joint handling, ``reopen_own`` for an own-handled case); a new decision
    follows. When every remedy has ended and none changed the decision the case may be archived."""
    case = _lock_case(remedy.case_id)
    _check(actor, case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    if remedy.status != RemedyStatus.PENDING:
        raise _state_error(_("该救济途径已终结。"))
    if outcome not in RemedyOutcome.values:
        raise ValidationError({"outcome": [_("请选择救济结果。")]})
    dates.not_before(outcome_on, field="outcome_on", label=_("结果日期"), bound=remedy.filed_on, what=_("申请日期"))
    dates.not_future(outcome_on, field="outcome_on", label=_("结果日期"))
    remedy.status = RemedyStatus.ENDED
    remedy.outcome = outcome
    remedy.outcome_on = outcome_on
    remedy.next_check_on = None
    window = follow_on_window(remedy)
    remedy.window_ends_on = window.day if window else None
    remedy.window_provisional = window.provisional if window else False
    if notes.strip():
        remedy.notes = f"{remedy.notes}\n{notes.strip()}".strip()
    remedy.save()
    _event(
        case=case,
        actor=actor,
        kind=EventKind.REMEDY,
        summary=_("%(k)s终结：%(o)s%(w)s")
        % {
            "k": remedy.get_kind_display(),
            "o": remedy.get_outcome_display(),
            "w": _("，缴费人可在%(d)s前提出后续救济") % {"d": window.day.isoformat()} if window else "",
        },
        data={
            "remedy": remedy.pk,
            "outcome": outcome,
            "outcome_on": outcome_on.isoformat(),
            "window_ends_on": window.day.isoformat() if window else None,
        },
    )
    if outcome == RemedyOutcome.CHANGED and case.state == CaseState.REMEDY_TRACKING:
        name = "reopen_own" if case.intake_outcome == IntakeOutcome.OWN else "reopen"
        workflow.transition(
            case=case,
            name=name,
            actor=actor,
            data={"remedy": remedy.pk},
            summary=_("%(k)s变更处理意见，重新办理") % {"k": remedy.get_kind_display()},
        )
    else:
        kept.refresh([case])  # every remedy ended: ready to archive once its window closes
    return remedy
