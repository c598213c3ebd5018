"""Template context shared by every staff page: the navigation the later parts fill."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.todo import todo_total_for
from fengqiao.org.models import Role

# (label, url name, roles that see it; empty = every signed-in member of staff)
NAVIGATION: list[tuple[Any, str, tuple[str, ...]]] = [
    (_("工作台"), "home", ()),
    (_("受理登记"), "case-intake", (Role.INTAKE_CLERK, Role.GROUP_OFFICE)),
    (_("案件"), "case-list", ()),
    (
        _("任务"),
        "task-inbox",
        (
            Role.HANDLER,
            Role.DEPARTMENT_HEAD,
            Role.INTAKE_CLERK,
            Role.GROUP_OFFICE,
            Role.GROUP_LEADER,
            Role.DEPUTY_LEADER,
        ),
    ),
    (_("审批"), "approval-queue", (Role.GROUP_OFFICE, Role.GROUP_LEADER)),
    (
        _("会商"),
        "consultation-list",
        (
            Role.GROUP_OFFICE,
            Role.GROUP_LEADER,
            Role.DEPUTY_LEADER,
            Role.INTAKE_CLERK,
            Role.HANDLER,
            Role.DEPARTMENT_HEAD,
            Role.HOTLINE_OFFICE,
            Role.CYBERSPACE_OFFICE,
        ),
    ),
    (_("回访"), "followup-work", (Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD, Role.GROUP_OFFICE)),
    (_("督办"), "followthrough-supervision", (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER)),
    (_("综合分析"), "analytics-monthly", (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER)),
    (_("部门考评"), "analytics-scorecards", (Role.DEPARTMENT_HEAD,)),
    # 五(三) 信息发布审批: the approvers' queue and the requests of those who release most.
    (
        _("信息发布"),
        "release-list",
        (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER, Role.CYBERSPACE_OFFICE, Role.INTAKE_CLERK),
    ),
    # 五(四) 责任追究: the group office decides, the leaders and the 纪委监委 read all, a head its own.
    (
        _("责任追究"),
        "accountability-list",
        (Role.GROUP_OFFICE, Role.GROUP_LEADER, Role.DEPUTY_LEADER, Role.DISCIPLINE_LIAISON, Role.DEPARTMENT_HEAD),
    ),
    # 网络舆情 (三(二)9): the 网信办 and the office record; the leaders and the departments read.
    (
        _("网络舆情"),
        "opinion-list",
        (
            Role.CYBERSPACE_OFFICE,
            Role.GROUP_OFFICE,
            Role.GROUP_LEADER,
            Role.DEPUTY_LEADER,
            Role.HANDLER,
            Role.DEPARTMENT_HEAD,
        ),
    ),
    (_("热线办"), "referral-desk", (Role.HOTLINE_OFFICE,)),
    (_("移交线索"), "discipline-transfer-list", (Role.DISCIPLINE_LIAISON,)),
    (_("系统配置"), "admin:index", (Role.ADMINISTRATOR,)),
    # 三员分立: the audit trail is the auditor's alone (org.permissions.may_read_audit).
    (_("审计日志"), "audit-records", (Role.AUDITOR,)),
    # Those whose work uses the API (org.permissions.API_ROLES; the tests keep the two equal).
    (_("接口文档"), "api-docs", (Role.HOTLINE_OFFICE, Role.GROUP_OFFICE, Role.ADMINISTRATOR, Role.AUDITOR)),
]

#: Entries open to everyone that an auditor, who does no case work, does not see.
CASE_WORK: frozenset[str] = frozenset({"case-list"})


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from fengqiao.org.permissions import audit_only

    no_case_work = audit_only(user)
    items = []
    for label, url_name, roles in NAVIGATION:
        if roles and not (user.has_role(*roles) or user.is_superuser):
            continue
        if no_case_work and url_name in CASE_WORK:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        item = {"label": label, "url": url, "active": request.path == url}
        if url_name == "home":
            # 待办's number is fetched by htmx after the page (``core.todo_views.todo_badge``):
            # no page pays a query for it.
            item["badge_url"] = reverse("todo-badge")
        items.append(item)
    # For a template that shows the number itself: computed once per request, and only if used.
    return {"nav_items": items, "todo_total": lambda: todo_total_for(request)}
