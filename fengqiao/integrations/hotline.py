"""The 12345 platform (四(八)): work orders in, status reports out.

In: ``work_order_receive`` registers a work order as a case through the intake form and
``case_register`` (channel 12345, outcome review), or links it to a case the platform names.
The same work-order number again returns the case it became.

Out: every step of a case that has a work order is reported to the ``Endpoint`` named
"12345" through the outbox (``case_status_report``, connected to ``case_transition_recorded``):
the outbox row is written in the step's own transaction (the transactional outbox), so a step
is never kept without its report, nor a report queued for a step that rolled back. A case
registered from a work order has its first steps reported once the work order row exists
(``work_order_receive``, same transaction).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fengqiao.cases import permissions, services
from fengqiao.cases.forms import IntakeForm
from fengqiao.cases.models import Case, CaseEvent, Channel, EventKind, PayerGroup, PayerKind
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.core import dates
from fengqiao.integrations.models import HOTLINE_ENDPOINT, Endpoint, WorkOrder
from fengqiao.integrations.models import Channel as OutboxChannel
from fengqiao.integrations.outbox import outbox_enqueue
from fengqiao.org.models import Role, Staff

logger = logging.getLogger(__name__)

STATUS_EVENT = "case.status_changed"

#: Payload field → intake form field, where the names differ (errors are reported by payload name).
FORM_FIELDS = {"caller_name": "payer_name"}


def may_receive_work_orders(staff: Staff) -> bool:
    """The 12345 platform's account is a member of the hotline office (旗政府办), or the group office."""
    return staff.department_id is not None and staff.has_role(Role.HOTLINE_OFFICE, Role.GROUP_OFFICE)


@dataclass
class Received:
    work_order: WorkOrder
    created: bool  # False: the number was known, nothing new was written


def _form_errors(form: IntakeForm) -> dict[str, list[str]]:
    back = {form_name: name for name, form_name in FORM_FIELDS.items()}
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else back.get(name, name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def _existing(county_id: int, number: str) -> WorkOrder | None:
    return WorkOrder.objects.select_related("case").filter(jurisdiction_id=county_id, number=number).first()


def work_order_receive(*, actor: Staff, data: dict[str, Any]) -> Received:
    """Register (or link) one work order. ``data`` is the platform's JSON body; the envelope
    (number, kind, received_at) was checked by the API's serializer, the rest is checked here
    by ``IntakeForm``. Raises ``ValidationError`` (by field) and ``PermissionDenied``."""
    if not may_receive_work_orders(actor) or not permissions.may_register(actor):
        raise PermissionDenied(_("您无权接收12345工单。"))
    county = actor.jurisdiction
    assert county is not None  # may_register checked the department
    number = str(data["work_order_number"]).strip()
    found = _existing(county.pk, number)
    if found is not None:
        return Received(found, created=False)
    received_at = data["received_at"]
    if isinstance(received_at, str):
        received_at = parse_datetime(received_at)
    if received_at is not None:  # the platform's time keeps the bounds of 来访时间 (core.dates)
        dates.received_at_check(received_at)
    raw = json.dumps(data, ensure_ascii=False, default=str)
    try:
        with transaction.atomic():
            if data.get("case_number"):
                case = _link(actor=actor, number=number, case_number=str(data["case_number"]).strip())
                linked = True
            else:
                case = _register(actor=actor, number=number, data=data)
                linked = False
            work_order = WorkOrder.objects.create(
                jurisdiction=county,
                number=number,
                case=case,
                kind=data["kind"],
                received_at=received_at,
                linked=linked,
                payload=raw,
                created_by=actor,
            )
            if not linked:
                # The registration step was taken before the work order row existed, so its
                # receiver found nothing to report: report the case's steps now, in the
                # same transaction (the case is new: these are all its steps).
                steps = case.events.filter(kind__in=[EventKind.REGISTERED, EventKind.TRANSITION]).order_by("id")
                for event in steps:
                    case_status_enqueue(case=case, event=event)
    except IntegrityError:
        # The platform sent the same work order twice at once: the first one stands.
        found = _existing(county.pk, number)
        if found is None:
            raise
        return Received(found, created=False)
    return Received(work_order, created=True)


def _register(*, actor: Staff, number: str, data: dict[str, Any]) -> Case:
    categories = data.get("categories") or []
    if isinstance(categories, str):
        categories = [c.strip() for c in categories.split(",") if c.strip()]
    claims = data.get("claims") or ""
    summary = data.get("summary") or ""
    form_data = {
        "payer_kind": PayerKind.PERSON,
        "payer_name": data.get("caller_name", ""),
        "payer_group": data.get("payer_group") or PayerGroup.OTHER,
        "id_number": data.get("id_number", ""),
        "phone": data.get("phone", ""),
        "channel": Channel.HOTLINE,
        "received_at": data.get("received_at", ""),
        "township": data.get("township", ""),
        "categories": categories,
        "summary": summary,
        "claims": claims,
        "outcome": IntakeOutcome.REVIEW,
    }
    form = IntakeForm(data=form_data, user=actor)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    intake = form.intake_data()
    kind = data.get("kind", "")
    intake.summary = f"【12345工单 {number}（{kind_label(kind)}）】{intake.summary}"[:4000]
    return services.case_register(actor=actor, data=intake)


def kind_label(kind: str) -> str:
    from fengqiao.integrations.models import WorkOrderKind

    return str(WorkOrderKind(kind).label) if kind in WorkOrderKind.values else kind


def _link(*, actor: Staff, number: str, case_number: str) -> Case:
    case = cases_visible_to(actor).select_for_update().filter(number=case_number).first()
    if case is None:
        raise ValidationError({"case_number": [_("未找到案件：%(n)s") % {"n": case_number}]})
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.LINKED,
        summary=(_("关联12345工单 %(n)s") % {"n": number})[:255],
        data={"work_order_number": number},
    )
    return case


# --- Out: status reports ----------------------------------------------------------------------


def status_payload(*, case: Case, event: CaseEvent, work_order: WorkOrder) -> dict[str, Any]:
    """What the 12345 platform hears of a step: no personal data, only the work order, the
    case and the step."""
    to_state = event.to_state or case.state
    return {
        "event": STATUS_EVENT,
        "work_order_number": work_order.number,
        "case_number": case.number,
        "event_id": event.pk,
        "at": event.at.isoformat(),
        "from_state": event.from_state,
        "to_state": to_state,
        "state_label": str(CaseState(to_state).label) if to_state in CaseState.values else to_state,
        "summary": event.summary,
    }


def case_status_report(*, case: Case, event: CaseEvent, **kwargs: Any) -> None:
    """Receiver of ``case_transition_recorded``, sent by ``workflow.transition`` inside the
    step's transaction: the status report is written in that transaction (see
    ``case_status_enqueue``). An error here is not swallowed: it fails the step, rather than
    keeping a step whose report was lost.

    A registration is skipped without a query: the case is being created in this very
    transaction, so no work order names it yet (``work_order_receive`` reports its steps once
    the order row exists)."""
    if event.kind == EventKind.REGISTERED:
        return
    case_status_enqueue(case=case, event=event)


def case_status_enqueue(*, case: Case, event: CaseEvent) -> None:
    """Put a status report of ``event`` for every work order of the case in the outbox, in the
    caller's transaction. Nothing is written when the case came from no work order or no
    active "12345" endpoint exists. The key ``case-<case>-event-<event>`` (plus ``-wo-<work
    order>`` when the case has several) makes a repeat a no-op; ``group`` keeps a case's
    reports in the order of its events."""
    work_orders = list(WorkOrder.objects.filter(case_id=case.pk).order_by("id"))
    if not work_orders:
        return
    endpoint = Endpoint.objects.filter(name=HOTLINE_ENDPOINT, active=True).first()
    if endpoint is None:
        logger.warning("12345: no active endpoint %r; step %s of %s not reported", HOTLINE_ENDPOINT, event.pk, case)
        return
    for work_order in work_orders:
        key = f"case-{case.pk}-event-{event.pk}"
        if len(work_orders) > 1:
            key += f"-wo-{work_order.pk}"
        outbox_enqueue(
            channel=OutboxChannel.WEBHOOK,
            endpoint=endpoint,
            event_type=STATUS_EVENT,
            payload=status_payload(case=case, event=event, work_order=work_order),
            idempotency_key=key,
            group=f"case-{case.pk}",
        )
