"""待办 of 责任追究 (五(四)) for ``core.todo``: the proposals of the county waiting for the group
office to confirm (with the decision taken) or dismiss (with a reason)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.accountability.models import AccountabilityRecord
from fengqiao.accountability.selectors import proposals_awaiting
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.org.models import Role


def _item(r: AccountabilityRecord) -> TodoItem:
    return TodoItem(
        source="accountability.decide",
        what=str(_("确认或不予追究")),
        case_number=r.case.number if r.case is not None else "",
        detail=f"{r.department.name}：{r.get_failure_display()}",
        url=reverse("accountability-detail", args=[r.pk]),
    )


register(
    TodoSource(
        key="accountability.decide",
        label=_("待确认的责任追究"),
        queryset=proposals_awaiting,
        item=_item,
        applies=lambda u: u.has_role(Role.GROUP_OFFICE),
        order=90,
        list_url="accountability-list",
    )
)
