"""网络安全法 第二十一条: network logs are kept no less than six months. ``audit_purge`` refuses a
day less than FENGQIAO_AUDIT_KEEP_DAYS (never below 183) ago, records each stream's new start
in a checkpoint before it removes anything, and the chain still verifies afterwards."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from fengqiao.audit.models import Action, AuditRecord
from fengqiao.audit.retention import LEGAL_MINIMUM_DAYS, audit_purge, keep_days
from fengqiao.audit.services import record
from fengqiao.audit.verify import Break, Report, checkpoint, verify

pytestmark = pytest.mark.django_db


def only_first(report: Report) -> Break:
    assert report.first is not None
    return report.first


def test_a_purge_of_less_than_six_months_is_refused_whatever_is_configured(settings) -> None:
    """网络安全法 第二十一条(三): 留存相关的网络日志不少于六个月."""
    settings.FENGQIAO_AUDIT_KEEP_DAYS = 30
    assert keep_days() == LEGAL_MINIMUM_DAYS == 183
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        audit_purge(today - timedelta(days=182))
    assert "before" in exc.value.message_dict
    with pytest.raises(CommandError, match="--before"):
        call_command("audit_purge", "--before", (today - timedelta(days=100)).isoformat(), stdout=io.StringIO())
    settings.FENGQIAO_AUDIT_KEEP_DAYS = 400  # configurable upward
    with pytest.raises(ValidationError):
        audit_purge(today - timedelta(days=365))


def test_after_a_permitted_purge_the_chain_still_verifies_and_the_purge_is_recorded(frozen_time, settings) -> None:
    settings.FENGQIAO_AUDIT_KEEP_DAYS = 183
    frozen_time("2025-01-10 10:00")
    old = [record(Action.EXPORT, actor_name="x", summary=f"旧 {i}") for i in range(3)]
    checkpoint(verify())  # a checkpoint inside the purged span is kept
    frozen_time("2025-09-01 10:00")
    kept = [record(Action.EXPORT, actor_name="x", summary=f"新 {i}") for i in range(2)]
    assert verify().ok
    out = io.StringIO()
    call_command("audit_purge", "--before", "2025-03-01", stdout=out)
    assert "已清理 3 条" in out.getvalue()
    assert not AuditRecord.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditRecord.objects.filter(pk__in=[r.pk for r in kept]).count() == 2
    purge = AuditRecord.objects.get(action=Action.CHAIN_CHECK, object_type="purge")
    assert purge.detail["starts"] == {"0": [kept[0].seq, kept[0].prev]}
    report = verify()
    assert report.ok, [b.describe() for b in report.breaks]
    # The first record kept, removed after the purge, is still found against the new start.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [kept[0].pk])
    assert only_first(verify()).what == "removed"
