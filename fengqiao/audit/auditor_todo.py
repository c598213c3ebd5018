"""待办 of the 审计管理员 (三员分立): the failed sign-ins and the lock-outs of the last 24 hours
in the chains the auditor reads (``core.todo``), each row leading to the record. Registered
from ``AuditConfig.ready``; the chain's breaks are ``audit.todo``'s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.audit.models import Action, AuditRecord
from fengqiao.audit.selectors import streams_of
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.org.models import Role, Staff

#: How far back the workbench looks.
WINDOW = timedelta(hours=24)


def _recent(action: str) -> Callable[[Staff], QuerySet[AuditRecord]]:
    def queryset(user: Staff) -> QuerySet[AuditRecord]:
        # The (action, at) index: the day's records of one action, newest first.
        return AuditRecord.objects.filter(
            action=action, at__gte=timezone.now() - WINDOW, stream__in=streams_of(user)
        ).order_by("-at", "-id")

    return queryset


def _item(source: str, what: Any) -> Callable[[AuditRecord], TodoItem]:
    def item(entry: AuditRecord) -> TodoItem:
        where = f"（{entry.ip}）" if entry.ip else ""
        return TodoItem(
            source=source,
            what=str(what),
            case_number="",
            detail=f"{timezone.localtime(entry.at):%m-%d %H:%M} {entry.actor_name or '—'}{where}",
            url=reverse("audit-record", args=[entry.pk]),
        )

    return item


def _is_auditor(user: Staff) -> bool:
    return user.has_role(Role.AUDITOR)


for key, label, action, order in (
    ("audit.sign_in_failed", _("24小时内登录失败"), Action.SIGN_IN_FAILED, 2),
    ("audit.locked_out", _("24小时内账户锁定"), Action.LOCKED_OUT, 3),
    # Guessed case numbers and codes on the payer pages (each also counts toward the number's lockout).
    ("audit.payer_lookup_failed", _("24小时内缴费人查询失败"), Action.PAYER_LOOKUP_FAILED, 4),
):
    register(
        TodoSource(
            key=key,
            label=label,
            queryset=_recent(action),
            item=_item(key, AuditRecord(action=action).get_action_display()),
            applies=_is_auditor,
            order=order,
        )
    )
