"""五(三): every audit record is linked to the one before it in its county's chain."""

import pytest
from django.test import RequestFactory

from fengqiao.audit import chain
from fengqiao.audit.models import Action, AuditRecord
from fengqiao.audit.services import record

pytestmark = pytest.mark.django_db


def test_records_form_a_keyed_chain_per_stream() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7")
    first = record(Action.SIGN_IN_FAILED, request=request, actor_name="nobody", result="failed")
    second = record(Action.SIGN_IN_FAILED, request=request, actor_name="nobody", result="failed")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev == chain.GENESIS and second.prev == first.link
    for entry in AuditRecord.objects.order_by("seq"):
        assert chain.link_ok(entry.prev, entry.chain_fields(), key_id=entry.key_id, value=entry.link)
    assert AuditRecord.objects.get(pk=first.pk).ip == "10.0.0.7"


def test_an_edited_field_no_longer_matches_its_link() -> None:
    entry = record(Action.EXPORT, actor_name="x", summary="导出", detail={"rows": 3})
    stored = AuditRecord.objects.get(pk=entry.pk)
    stored.summary = "改过"
    assert not chain.link_ok(stored.prev, stored.chain_fields(), key_id=stored.key_id, value=stored.link)


def test_the_address_is_the_one_the_lockout_counts(settings) -> None:
    """Behind the proxy REMOTE_ADDR is 127.0.0.1: the record keeps the client's address, as
    the sign-in lockout and the throttles do (core.signin.client_ip)."""
    settings.FENGQIAO_CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    entry = record(Action.SIGN_IN_FAILED, request=request, actor_name="nobody", result="failed")
    assert AuditRecord.objects.get(pk=entry.pk).ip == "203.0.113.9"
