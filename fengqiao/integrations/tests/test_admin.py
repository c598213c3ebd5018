"""The admin: endpoints with a write-only secret, the outbox with its "retry" action."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from fengqiao.integrations.models import Channel, Endpoint, OutboxMessage, OutboxStatus
from fengqiao.integrations.outbox import outbox_enqueue

pytestmark = pytest.mark.django_db


def test_an_endpoint_secret_is_stored_encrypted_and_kept_when_left_empty(admin_client) -> None:
    add = reverse("admin:integrations_endpoint_add")
    response = admin_client.post(
        add, {"name": "12345", "url": "https://12345.example.org/s", "secret": "k1", "active": "on"}
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.secret == "k1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_endpoint")
        assert cursor.fetchone()[0].startswith("sm4gcm:")
    change = reverse("admin:integrations_endpoint_change", args=[endpoint.pk])
    assert "k1" not in admin_client.get(change).content.decode()
    admin_client.post(change, {"name": "12345", "url": "https://12345.example.org/t", "secret": "", "active": "on"})
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.secret) == ("https://12345.example.org/t", "k1")


def test_the_retry_action_puts_failed_messages_back_in_the_queue(admin_client) -> None:
    endpoint = Endpoint.objects.create(name="12345", url="https://12345.example.org/s", secret="k")
    failed = outbox_enqueue(channel=Channel.WEBHOOK, endpoint=endpoint, event_type="t", payload={}, idempotency_key="a")
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED, attempts=10)
    url = reverse("admin:integrations_outboxmessage_changelist")
    assert admin_client.get(url, {"status": "failed"}).status_code == 200
    response = admin_client.post(url, {"action": "retry", "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
