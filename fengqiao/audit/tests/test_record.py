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
