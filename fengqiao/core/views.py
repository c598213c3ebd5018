"""Sign-in, the staff home and the health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fengqiao.core.auth import request_staff
from fengqiao.core.workbench import workbench_warnings


class LoginView(auth_views.LoginView):
    """工作人员登录."""

    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: who I am, my department and roles, my to-do list (``core.todo``) and my cases."""
    user = request_staff(request)
    today = timezone.localdate()
    # Each warning leads its reader to the page that puts it right, or names who can.
    warnings = workbench_warnings(staff=user, today=today)
    from fengqiao.cases import permissions as case_permissions
    from fengqiao.cases.selectors import workbench_views
    from fengqiao.core import paging, todo
    from fengqiao.followup.selectors import follow_up_views
    from fengqiao.handling.followthrough.views import notice_count_for_home

    source = request.GET.get("todo", "")[:64]
    from fengqiao.org.permissions import audit_only, may_read_audit

    if audit_only(user):
        # 三员分立: the 审计管理员 does no case work — their workbench is the trail's summary and
        # what waits on them (failed sign-ins, lock-outs), no case tiles.
        from fengqiao.audit.selectors import auditor_summary

        return render(
            request,
            "core/home.html",
            {
                "today": today,
                "warnings": warnings,
                "case_work": False,
                "audit_summary": auditor_summary(user=user) if may_read_audit(user) else None,
                "todo": todo.todo_for(user, source=source),
                "todo_source": source,
            },
        )
    # Every tile's number in one statement: the four case tiles count to todo.COUNT_CAP
    # ("999+"), as the to-do list does; 结果反馈与回访's three are exact (zero, and not sent, for
    # staff who do not follow up).
    tiles = workbench_views(user=user)
    follow_up = dict.fromkeys(("to_notify", "visits", "remedies"), 0)
    counts = paging.capped_counts(tiles, todo.COUNT_CAP, exact=follow_up_views(user=user, today=today))
    follow_up.update((name, counts.pop(name)) for name in list(counts) if name not in tiles)

    return render(
        request,
        "core/home.html",
        {
            "today": today,
            "warnings": warnings,
            "case_work": True,
            "counts": counts,
            "todo_cap": todo.COUNT_CAP,
            "may_register": case_permissions.may_register(user),
            **notice_count_for_home(user),
            "follow_up": follow_up,
            # 待办: everything waiting on the user, each row linking to the page that does it.
            "todo": todo.todo_for(user, source=source),
            "todo_source": source,
        },
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
