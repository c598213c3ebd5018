"""The to-do list on pages and in the API (``core.todo``): the navigation's number, loaded by
htmx after the page so no page pays for it, and ``GET /api/v1/todo/``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core import todo
from fengqiao.core.auth import request_staff


@login_required
@require_GET
def todo_badge(request: HttpRequest) -> HttpResponse:
    """待办 in the navigation: the total of what waits on the user (one count per source that
    applies to them, each exact up to ``todo.COUNT_CAP``; "N+" once one reaches it), fetched by
    htmx once the page is shown."""
    counts = todo.todo_counts(request_staff(request))
    total = sum(counts.values())
    response = render(
        request,
        "core/_todo_badge.html",
        {"todo_total": total, "todo_capped": any(n > todo.COUNT_CAP for n in counts.values())},
    )
    response["Cache-Control"] = "private, no-store"
    return response


class TodoItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="待办类别（来源），如 handling.sign_for")
    what = serializers.CharField(help_text="要做的事")
    case_number = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True, help_text="缴费人或会商议题")
    url = serializers.CharField(help_text="办理该事项的页面")
    due_on = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField(help_text="期限暂定（该年度节假日安排尚未录入，按周一至周五计算）")
    overdue = serializers.BooleanField()
    near = serializers.BooleanField(help_text=f"{todo.NEAR_WORKING_DAYS}个工作日内到期")


class TodoGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="待办类别（来源）")
    name = serializers.CharField(help_text="类别名称")
    count = serializers.IntegerField(help_text=f"超过{todo.COUNT_CAP}时为{todo.COUNT_CAP + 1}")


class TodoSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    count_capped = serializers.BooleanField()
    groups = TodoGroupSerializer(many=True)
    results = TodoItemSerializer(many=True)


class TodoView(APIView):
    """待办: everything waiting on the caller — per source a capped count and the earliest-due
    rows (at most ``todo.ROW_LIMIT``), each with the page that does it."""

    @extend_schema(
        tags=["core"],
        parameters=[OpenApiParameter("kind", str, description="只列出某一类别的待办")],
        responses=TodoSerializer,
    )
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        result = todo.todo_for(user, source=str(request.query_params.get("kind", ""))[:64])
        data: dict[str, Any] = {
            "total": result.total,
            "count_capped": result.capped,
            "groups": [{"kind": k, "name": str(label), "count": n} for k, label, n in result.groups()],
            "results": [{**item.__dict__, "kind": item.source} for item in result.items],
        }
        return Response(TodoSerializer(data).data)
