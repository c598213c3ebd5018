"""待办 of 信息发布审批 (五(三)) for ``core.todo``: the pending requests an approver of the county
may decide (not their own) — one statement (``selectors.queue``); only the roles a county may
name as approvers are asked."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.releases import permissions, selectors
from fengqiao.releases.models import ReleaseRequest


def _item(release: ReleaseRequest) -> TodoItem:
    return TodoItem(
        source="releases.decide",
        what=str(_("审批信息发布申请")),
        case_number=release.case.number if release.case is not None else "",
        detail=f"{release.get_kind_display()} → {release.recipient_organisation}",
        url=reverse("release-detail", args=[release.pk]),
    )


register(
    TodoSource(
        key="releases.decide",
        label=_("待审批信息发布申请"),
        queryset=lambda u: selectors.queue(user=u),
        item=_item,
        applies=lambda u: u.holds_any(permissions.APPROVER_CANDIDATES),
        order=34,
        list_url="release-list",
    )
)
