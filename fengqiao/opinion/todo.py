"""待办 of online items for ``core.todo``: the high-risk items the group office and the leader
are alerted to (until closed), and the open items a department answers for — or, for the
网信办, every open item of the county. One statement per source (``selectors``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.opinion import permissions, selectors
from fengqiao.opinion.models import ItemStatus, OnlineItem, RiskLevel
from fengqiao.org.models import Role, Staff

ALERTED = (Role.GROUP_OFFICE, Role.GROUP_LEADER)


def _alerts(user: Staff) -> QuerySet[OnlineItem]:
    return (
        selectors.items_visible_to(user)
        .filter(risk=RiskLevel.HIGH)
        .exclude(status=ItemStatus.CLOSED)
        .select_related("responsible_department")
        .order_by("response_due_on", "id")
    )


def _alert_item(item: OnlineItem) -> TodoItem:
    return TodoItem(
        source="opinion.alert",
        what=str(_("高风险舆情：关注并督促回应")),
        case_number=item.number,
        detail=f"{item.get_platform_display()} · {item.responsible_department or _('未定责任部门')}",
        url=reverse("opinion-detail", args=[item.pk]),
        due_on=item.response_due_on,
    )


def _respond(user: Staff) -> QuerySet[OnlineItem]:
    qs = selectors.items_visible_to(user).exclude(status=ItemStatus.CLOSED)
    if not user.has_role(Role.CYBERSPACE_OFFICE):
        qs = qs.filter(responsible_department_id=user.department_id)
    return qs.select_related("responsible_department").order_by("response_due_on", "id")


def _respond_item(item: OnlineItem) -> TodoItem:
    return TodoItem(
        source="opinion.respond",
        what=str(_("网络舆情回应处置")) if item.responsible_department_id else str(_("网络舆情：确定责任部门")),
        case_number=item.number,
        detail=f"{item.get_risk_display()} · {item.get_platform_display()}",
        url=reverse("opinion-detail", args=[item.pk]),
        due_on=item.response_due_on,
    )


register(
    TodoSource(
        key="opinion.alert",
        label=_("高风险舆情"),
        queryset=_alerts,
        item=_alert_item,
        applies=lambda u: u.holds_any(ALERTED),
        order=8,
        list_url="opinion-list",
    )
)
register(
    TodoSource(
        key="opinion.respond",
        label=_("网络舆情回应"),
        queryset=_respond,
        item=_respond_item,
        applies=lambda u: u.holds_any((Role.CYBERSPACE_OFFICE, *permissions.RESPONDING_ROLES)),
        order=36,
        list_url="opinion-list",
    )
)
