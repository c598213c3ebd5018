"""Sign-in, the staff home and the health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fengqiao.core import workbench
from fengqiao.core.auth import request_staff


class LoginView(auth_views.LoginView):
    """工作人员登录."""

    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: who I am, my department and roles, my to-do list (``core.todo``), and what the apps
    put there (``core.workbench``: the case and follow-up tiles, the reminders, the auditor's
    summary)."""
    user = request_staff(request)
    today = timezone.localdate()
    # Each warning leads its reader to the page that puts it right, or names who can.
    warnings = workbench.workbench_warnings(staff=user, today=today)
    from fengqiao.core import todo

    source = request.GET.get("todo", "")[:64]
    from fengqiao.org.permissions import audit_only

    if audit_only(user):
        # 三员分立: the 审计管理员 does no case work — their workbench is the trail's summary and
        # what waits on them (failed sign-ins, lock-outs), no case tiles.
        return render(
            request,
            "core/home.html",
            {
                "today": today,
                "warnings": warnings,
                "case_work": False,
                **workbench.page_context(user=user, case_work=False),
                "todo": todo.todo_for(user, source=source),
                "todo_source": source,
            },
        )
    # Every tile's number in one statement: the case tiles count to todo.COUNT_CAP ("999+"), as
    # the to-do list does; 结果反馈与回访's three are exact (zero, and not sent, for staff who do
    # not follow up).
    tiles = workbench.tile_counts(user=user, today=today, cap=todo.COUNT_CAP)
    return render(
        request,
        "core/home.html",
        {
            "today": today,
            "warnings": warnings,
            "case_work": True,
            **tiles,
            "todo_cap": todo.COUNT_CAP,
            **workbench.page_context(user=user, case_work=True),
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
