"""待办 of 五(三): a break in the keyed chains, on every 系统管理员's workbench until a later
verification passes (``core.todo``; docs/audit.md)."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.audit.models import Action, AuditRecord, Result
from fengqiao.audit.verify import VERIFY_OBJECT
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.org.models import Role, Staff


def _broken(user: Staff) -> QuerySet[AuditRecord]:
    """The newest verification, when it found a break (one statement; the ``(action, at)``
    index finds the newest check)."""
    newest = (
        AuditRecord.objects.filter(action=Action.CHAIN_CHECK, object_type=VERIFY_OBJECT)
        .order_by("-at", "-id")
        .values("pk")[:1]
    )
    return AuditRecord.objects.filter(pk=Subquery(newest), result=Result.FAILED).order_by("-at")


def _item(entry: AuditRecord) -> TodoItem:
    return TodoItem(
        source="audit.chain",
        what=str(_("审计链断裂：核查被改动的记录")),
        case_number="",
        detail=entry.summary,
        url=reverse("admin:index"),
        due_on=entry.at.date(),
    )


register(
    TodoSource(
        key="audit.chain",
        label=_("审计链断裂"),
        queryset=_broken,
        item=_item,
        applies=lambda u: u.has_role(Role.ADMINISTRATOR),
        order=1,
    )
)
