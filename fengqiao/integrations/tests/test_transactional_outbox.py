"""The 12345 status report is written in the step's own transaction (the transactional outbox).

``workflow.transition`` sends ``case_transition_recorded`` inside the caller's atomic block;
``fengqiao.integrations`` writes the outbox row there. A step that rolls back leaves no row, a
committed step has exactly one, and neither depends on ``transaction.on_commit``: with
pytest-django's test transaction, on-commit callbacks only run when captured, and here they
are captured without being run."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from fengqiao.cases import workflow
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.integrations import hotline
from fengqiao.integrations.hotline import work_order_receive
from fengqiao.integrations.models import Endpoint, OutboxMessage
from fengqiao.integrations.outbox import outbox_deliver
from fengqiao.org.models import Staff

REASON = {"reason": "涉及多部门，金额较大"}


def work_order(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "work_order_number": number,
        "received_at": timezone.now() - timedelta(minutes=5),
        "kind": "complaint",
        "caller_name": "张三",
        "id_number": "150525198503150013",
        "phone": "13812345678",
        "township": "150525100",
        "categories": ["04"],
        "summary": "对灵活就业人员养老保险缴费金额有异议",
        **extra,
    }


def key(event: CaseEvent) -> str:
    return f"case-{event.case_id}-event-{event.pk}"


def route_major(case: Case, actor: Staff) -> CaseEvent:
    """One step, taken as the services do: in the caller's atomic block, on the locked row."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    return workflow.transition(case=locked, name="route_major", actor=actor, data=REASON)


@pytest.fixture
def endpoint(naiman) -> Endpoint:
    return Endpoint.objects.create(name="12345", url="http://127.0.0.1:9/status", secret="k")


@pytest.mark.django_db
def test_a_step_that_rolls_back_leaves_no_outbox_row(
    endpoint, hotline_officer, group_office, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        case = work_order_receive(actor=hotline_officer, data=work_order("GD-101")).work_order.case
        keys_before = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
        with pytest.raises(RuntimeError), transaction.atomic():
            event = route_major(case, group_office)
            # Written with the step, in its transaction …
            assert OutboxMessage.objects.filter(idempotency_key=key(event)).count() == 1
            raise RuntimeError("the step fails after transition")
    # … and gone with it: no report of a step that was never taken.
    assert set(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == keys_before
    assert not CaseEvent.objects.filter(pk=event.pk).exists()
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


@pytest.mark.django_db
def test_a_committed_step_has_exactly_one_row_written_before_the_commit(
    endpoint, hotline_officer, group_office, django_capture_on_commit_callbacks
) -> None:
    heard: list[int] = []

    def listener(*, event: CaseEvent, **kwargs: Any) -> None:
        heard.append(event.pk)

    workflow.case_transitioned.connect(listener, dispatch_uid="test.listener")
    try:
        # Captured, never run: nothing below depends on on-commit callbacks.
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            received = work_order_receive(actor=hotline_officer, data=work_order("GD-102"))
            case = received.work_order.case
            registered = case.events.get(kind=EventKind.REGISTERED)
            # The registration step is reported in the work order's own transaction.
            assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == [key(registered)]
            with transaction.atomic():
                event = route_major(case, group_office)
                # Inside the atomic block, right after transition returned: the row is there.
                message = OutboxMessage.objects.get(idempotency_key=key(event))
                assert heard == []  # case_transitioned waits for the commit
        assert callbacks  # case_transitioned (one per step) still waits for the commit
        assert OutboxMessage.objects.filter(payload__case_number=case.number).count() == 2
        for callback in callbacks:
            callback()  # the commit: listeners hear of it, no second row is written
        assert heard == [registered.pk, event.pk]
    finally:
        workflow.case_transitioned.disconnect(dispatch_uid="test.listener")
    assert OutboxMessage.objects.count() == 2
    assert (message.group, message.event_type, message.endpoint_id) == (
        f"case-{case.pk}",
        "case.status_changed",
        endpoint.pk,
    )
    assert message.payload == {
        "event": "case.status_changed",
        "work_order_number": "GD-102",
        "case_number": case.number,
        "event_id": event.pk,
        "at": event.at.isoformat(),
        "from_state": CaseState.REGISTERED,
        "to_state": CaseState.AWAITING_APPROVAL,
        "state_label": str(CaseState.AWAITING_APPROVAL.label),
        "summary": event.summary,
    }


@pytest.mark.django_db
def test_a_case_with_two_work_orders_has_one_row_per_work_order(endpoint, hotline_officer, group_office) -> None:
    case = work_order_receive(actor=hotline_officer, data=work_order("GD-103")).work_order.case
    work_order_receive(actor=hotline_officer, data=work_order("GD-104", case_number=case.number))
    # Linking writes a 关联案件 event, not a step: nothing more is reported.
    assert OutboxMessage.objects.count() == 1
    with transaction.atomic():
        event = route_major(case, group_office)
    rows = OutboxMessage.objects.filter(payload__event_id=event.pk).order_by("id")
    wos = list(case.work_orders.order_by("id"))
    assert [m.idempotency_key for m in rows] == [f"{key(event)}-wo-{wo.pk}" for wo in wos]
    assert [m.payload["work_order_number"] for m in rows] == ["GD-103", "GD-104"]


@pytest.mark.django_db
def test_a_step_that_cannot_write_its_report_is_not_taken(endpoint, hotline_officer, group_office, monkeypatch) -> None:
    case = work_order_receive(actor=hotline_officer, data=work_order("GD-105")).work_order.case

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(hotline, "outbox_enqueue", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"), transaction.atomic():
        route_major(case, group_office)
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert not case.events.filter(to_state=CaseState.AWAITING_APPROVAL).exists()


@pytest.mark.django_db
def test_no_endpoint_or_no_work_order_writes_nothing(hotline_officer, group_office, intake_clerk) -> None:
    case = work_order_receive(actor=hotline_officer, data=work_order("GD-106")).work_order.case
    with transaction.atomic():
        route_major(case, group_office)  # no endpoint "12345": logged, the step stands
    Endpoint.objects.create(name="12345", url="http://127.0.0.1:9/status", secret="k")
    with transaction.atomic():
        route_major(intake(intake_clerk), group_office)  # no work order
    assert OutboxMessage.objects.count() == 0
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_APPROVAL


@pytest.mark.django_db(transaction=True)
def test_workers_see_the_row_only_after_the_commit(endpoint, hotline_officer, group_office) -> None:
    """Real transactions: while the step's transaction is open, another connection (a delivery
    worker) neither sees nor sends its report."""
    case = work_order_receive(actor=hotline_officer, data=work_order("GD-107")).work_order.case
    OutboxMessage.objects.all().delete()  # only the new step's report matters here
    seen: dict[str, Any] = {}

    def worker() -> None:
        try:
            seen["visible"] = OutboxMessage.objects.exists()
            if connection.vendor == "postgresql":
                # SKIP LOCKED claims never wait; on SQLite a claim waits for the writer instead.
                seen["delivered"] = outbox_deliver(limit=10).delivered
        finally:
            close_old_connections()
            connection.close()

    with transaction.atomic():
        event = route_major(case, group_office)
        assert OutboxMessage.objects.filter(idempotency_key=key(event)).exists()
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(60)
    assert seen["visible"] is False
    assert seen.get("delivered", 0) == 0
    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == [key(event)]
