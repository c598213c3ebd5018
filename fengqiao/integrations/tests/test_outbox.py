"""The outbox against a real local HTTP receiver that fails the first tries (issue 6 item 5).

Real threads on the real database (transaction=True): row locks with SKIP LOCKED on
PostgreSQL, IMMEDIATE transactions on SQLite."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from fengqiao.cases import workflow
from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.services import case_review
from fengqiao.cases.states import CaseState, Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.integrations.hotline import work_order_receive
from fengqiao.integrations.models import Channel, Endpoint, OutboxMessage, OutboxStatus, WorkOrder
from fengqiao.integrations.outbox import backoff, outbox_deliver, outbox_enqueue, outbox_retry, signature_verify
from fengqiao.integrations.tests.receiver import Receiver, running_receiver

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-12345-平台"
FAIL_FIRST = {1: "500", 2: "500", 3: "timeout", 4: "reset"}  # then 200


def fail_first(key: str, attempt: int) -> str:
    return FAIL_FIRST.get(attempt, "ok")


def endpoint_for(receiver: Receiver) -> Endpoint:
    return Endpoint.objects.create(name="12345", url=receiver.url, secret=SECRET)


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


def deliver_until_done(*, rounds: int = 40) -> None:
    """Run the job as the scheduler would, the clock jumping past every backoff."""
    clock = timezone.now()
    for _ in range(rounds):
        outbox_deliver(now=clock)
        if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            return
        clock += timedelta(hours=1, minutes=1)
    raise AssertionError("the outbox did not drain")


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_every_status_change_is_delivered_exactly_once_to_a_receiver_that_fails_first(
    hotline_officer, group_office, group_leader, intake_clerk, settings
) -> None:
    settings.OUTBOX_TIMEOUT_SECONDS = 1
    with running_receiver(fail_first, hang_seconds=1.5) as receiver:
        endpoint_for(receiver)
        first = work_order_receive(actor=hotline_officer, data=work_order("GD-001")).work_order.case
        second = work_order_receive(actor=hotline_officer, data=work_order("GD-002")).work_order.case
        not_from_12345 = intake(intake_clerk)  # no work order: nothing is reported
        case_review(case=first, actor=group_office, classification=Classification.MAJOR, reason="涉及多部门")
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=first.pk)
            workflow.transition(case=locked, name="decline_special", actor=group_leader, data={"reason": "一般事项"})
        case_review(case=second, actor=group_office, classification=Classification.MAJOR, reason="金额较大")
        # A step that rolls back is never reported.
        with pytest.raises(RuntimeError), transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=second.pk)
            workflow.transition(case=locked, name="decline_special", actor=group_leader, data={"reason": "撤回"})
            raise RuntimeError("rolled back")

        steps = CaseEvent.objects.filter(
            case__in=[first, second], kind__in=[EventKind.REGISTERED, EventKind.TRANSITION]
        )
        expected = {f"case-{e.case_id}-event-{e.pk}" for e in steps}
        assert len(expected) == 5  # first: registered, awaiting approval, joint; second: registered, awaiting
        assert set(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == expected

        deliver_until_done()

    # Exactly once: each key accepted once, never sent again after it was accepted.
    assert Counter(receiver.accepted_keys()) == dict.fromkeys(expected, 1)
    assert receiver.repeats == []
    assert all(receiver.tries[k] == len(FAIL_FIRST) + 1 for k in expected)
    messages = OutboxMessage.objects.all()
    assert {m.status for m in messages} == {OutboxStatus.DELIVERED}
    assert all(m.delivered_at and m.attempts == len(FAIL_FIRST) + 1 for m in messages)
    assert not OutboxMessage.objects.filter(payload__case_number=not_from_12345.number).exists()

    # Every request (the failed ones too) is signed with the endpoint's secret over "timestamp.body".
    for got in receiver.requests:
        headers = {k.lower(): v for k, v in got.headers.items()}
        assert headers["x-fengqiao-event"] == "case.status_changed"
        assert signature_verify(SECRET, headers["x-fengqiao-timestamp"], got.body, headers["x-fengqiao-signature"])
        assert not signature_verify("wrong", headers["x-fengqiao-timestamp"], got.body, headers["x-fengqiao-signature"])

    # Per case, the reports arrive in the order of the case's events.
    for case, number in ((first, "GD-001"), (second, "GD-002")):
        bodies = [json.loads(g.body) for g in receiver.accepted if json.loads(g.body)["case_number"] == case.number]
        ids = [b["event_id"] for b in bodies]
        assert ids == sorted(ids) and len(ids) == (3 if case == first else 2)
        assert {b["work_order_number"] for b in bodies} == {number}
    first_states = [json.loads(g.body)["to_state"] for g in receiver.accepted if f"case-{first.pk}-" in g.key]
    assert first_states == [CaseState.REGISTERED, CaseState.AWAITING_APPROVAL, CaseState.JOINT_HANDLING]


def _run_together(work: Any, n: int) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def target() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_several_workers_at_once_never_deliver_a_message_twice(naiman) -> None:
    with running_receiver() as receiver:
        endpoint = endpoint_for(receiver)
        keys = []
        for i in range(24):
            key = f"bulk-{i}"
            keys.append(key)
            outbox_enqueue(
                channel=Channel.WEBHOOK,
                endpoint=endpoint,
                event_type="test.bulk",
                payload={"i": i},
                idempotency_key=key,
                group=f"g{i % 4}",  # four ordered streams of six
            )
        errors = _run_together(lambda: outbox_deliver(limit=100), 4)
        assert errors == []
        outbox_deliver()  # and once more afterwards: nothing left to send
    assert Counter(g.key for g in receiver.requests) == dict.fromkeys(keys, 1)
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 24
    for group in range(4):
        order = [json.loads(g.body)["i"] for g in receiver.requests if json.loads(g.body)["i"] % 4 == group]
        assert order == sorted(order)


def test_the_same_key_twice_is_one_message_and_a_rolled_back_write_is_none(naiman) -> None:
    endpoint = Endpoint.objects.create(name="partner", url="http://127.0.0.1:9/", secret=SECRET)
    for _ in range(2):
        outbox_enqueue(channel=Channel.WEBHOOK, endpoint=endpoint, event_type="t", payload={}, idempotency_key="k-1")
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(channel=Channel.WEBHOOK, endpoint=endpoint, event_type="t", payload={}, idempotency_key="k-2")
        raise RuntimeError
    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == ["k-1"]


def test_given_up_after_the_last_try_and_sent_again_on_retry(naiman, settings) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with running_receiver(lambda key, attempt: "500" if attempt <= 3 else "ok") as receiver:
        endpoint = endpoint_for(receiver)
        message = outbox_enqueue(
            channel=Channel.WEBHOOK, endpoint=endpoint, event_type="t", payload={"a": 1}, idempotency_key="k"
        )
        clock = timezone.now()
        for _ in range(5):
            outbox_deliver(now=clock)
            clock += timedelta(hours=2)
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (OutboxStatus.FAILED, 3, "HTTP 500")
        assert receiver.accepted == []

        assert outbox_retry(messages=[message]) == 1
        run = outbox_deliver()
    message.refresh_from_db()
    assert run.delivered == 1 and message.status == OutboxStatus.DELIVERED
    assert receiver.accepted_keys() == ["k"]


def test_a_lost_answer_is_repeated_and_the_receiver_drops_the_repeat(naiman, monkeypatch) -> None:
    """The receiver took the message but its answer was lost on the way back: we send it again
    with the same delivery key, and the receiver's key check keeps it to one."""
    from fengqiao.integrations import outbox

    real = outbox.urllib.request.urlopen
    lost = {"first": True}

    def lossy(*args: Any, **kwargs: Any) -> Any:
        response = real(*args, **kwargs)
        if lost["first"]:
            lost["first"] = False
            response.close()
            raise TimeoutError("the answer was lost")
        return response

    monkeypatch.setattr(outbox.urllib.request, "urlopen", lossy)
    with running_receiver() as receiver:
        endpoint = endpoint_for(receiver)
        outbox_enqueue(channel=Channel.WEBHOOK, endpoint=endpoint, event_type="t", payload={}, idempotency_key="k")
        clock = timezone.now()
        assert outbox_deliver(now=clock).retrying == 1
        assert outbox_deliver(now=clock + timedelta(minutes=2)).delivered == 1
    assert [g.key for g in receiver.requests] == ["k", "k"]
    assert receiver.accepted_keys() == ["k"] and receiver.repeats == ["k"]
    assert OutboxMessage.objects.get().status == OutboxStatus.DELIVERED


def test_work_order_without_an_endpoint_writes_nothing(hotline_officer) -> None:
    work_order_receive(actor=hotline_officer, data=work_order("GD-009"))
    assert WorkOrder.objects.count() == 1
    assert OutboxMessage.objects.count() == 0
