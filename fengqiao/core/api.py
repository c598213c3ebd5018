"""API: who am I, and the one error shape every endpoint answers with."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from fengqiao.core.auth import request_staff
from fengqiao.core.errors import request_refused_message


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    jurisdiction = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The signed-in member of staff: department, jurisdiction and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        dept = user.department
        data = {
            "username": user.username,
            "name": user.name,
            "department": dept.name if dept else None,
            "jurisdiction": dept.jurisdiction.code if dept else None,
            "roles": sorted(user.role_set),
        }
        return Response(MeSerializer(data).data)


# --- One error shape (CONVENTIONS 7) --------------------------------------------------------

NON_FIELD_ERRORS = "non_field_errors"

# Codes of ``fengqiao.cases.workflow.TransitionError`` (a Django ValidationError) that mean
# "the case is no longer as you saw it": 409 Conflict, keyed where the client can act on it.
CONFLICT_CODES = {"stale": "version", "state": NON_FIELD_ERRORS}


# Every error answer of the API (4xx and 5xx, from a view or from Django before one:
# ``core.errors``): ``{"errors": {field: [messages]}}``. Field errors are keyed by the request
# field (a nested one by its path, ``parties.0.name``: every value is a list of messages),
# errors of the request as a whole by ``non_field_errors``, and errors that concern no input
# (not signed in, not allowed, not found) by ``detail``. (A declared class could not name its
# field ``errors``: that is the ``Serializer.errors`` property.)
ErrorSerializer = inline_serializer(
    name="Error",
    fields={"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))},
)


def _messages(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for item in value:
            out.extend(_messages(item) if isinstance(item, list | tuple) else [item])
        return out
    return [value]


def _errors_of(data: Any, prefix: str = "") -> dict[str, list[Any]]:
    """Errors keyed by the path of the field they concern, one level deep: a nested
    serializer's or a list item's errors (``{"parties": {"0": {"name": [...]}}}``) become
    ``{"parties.0.name": [...]}``, so every value of ``errors`` is a list of messages
    (issue 13 §5: never a nested dict)."""
    if isinstance(data, dict):
        flat: dict[str, list[Any]] = {}
        for key, value in data.items():
            name = NON_FIELD_ERRORS if key == "__all__" else str(key)
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(value, dict):
                flat.update(_errors_of(value, path))
            elif isinstance(value, list | tuple) and any(isinstance(item, dict) for item in value):
                # a list of nested serializers: one entry per item, ``{}`` for an item without errors
                for index, item in enumerate(value):
                    if item:
                        flat.update(
                            _errors_of(item, f"{path}.{index}")
                            if isinstance(item, dict)
                            else {f"{path}.{index}": _messages(item)}
                        )
            else:
                flat.setdefault(path, []).extend(_messages(value))
        return flat
    return {prefix or NON_FIELD_ERRORS: _messages(data)}


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A Django form's errors in the API's shape (``__all__`` becomes ``non_field_errors``)."""
    return {NON_FIELD_ERRORS if key == "__all__" else key: [str(m) for m in msgs] for key, msgs in form.errors.items()}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ``ValidationError`` from services, with every error body
    in one shape: ``{"errors": {...}}``.

    - a ``ValidationError`` with ``message_dict`` → 400 keyed by field; without → 400 under
      ``non_field_errors``; a workflow refusal because the page is stale or the case has
      moved on (codes ``stale`` / ``state``) → 409;
    - ``PermissionDenied`` → 403, ``Http404`` → 404 (the same for a case that exists but may
      not be seen), unauthenticated → 401, all under ``detail``."""
    if isinstance(exc, DjangoValidationError):
        code = getattr(exc, "code", None)
        if not hasattr(exc, "error_dict") and code in CONFLICT_CODES:
            set_rollback()
            return Response({"errors": {CONFLICT_CODES[code]: exc.messages}}, status=status.HTTP_409_CONFLICT)
        errors = _errors_of(exc.message_dict) if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        set_rollback()
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # never echo why: a hidden case and a missing one look alike
    if isinstance(exc, SuspiciousOperation):
        # Django refused the request as a whole (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too
        # many fields) when the view read it: a 400 in the one shape, not Django's HTML page.
        return Response({"errors": {"detail": [request_refused_message(exc)]}}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None or response.status_code < 400:
        return response
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"errors": {"detail": _messages(data["detail"])}}
    else:
        response.data = {"errors": _errors_of(data)}
    return response


# The descriptions every endpoint's error responses share in the OpenAPI schema; an app names
# only the codes whose meaning it sharpens.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "输入有误：错误按字段列出",
    401: "未登录或令牌无效",
    403: "可以查看但无权执行",
    404: "不存在或无权查看（二者不作区分）",
    409: "已被他人更新（errors.version）或当前状态不能执行该步骤",
    503: "服务器缺少生成PDF所需的字体（errors.detail 写明字体和软件包）",
}


def error_responses(*codes: int, overrides: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """OpenAPI error responses in the one error shape, for ``@extend_schema(responses=...)``."""
    texts = {**ERROR_DESCRIPTIONS, **(overrides or {})}
    return {code: OpenApiResponse(ErrorSerializer, description=texts[code]) for code in codes}


def validated(serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any) -> dict[str, Any]:
    """The request body checked by ``serializer_class``; bad input raises DRF's
    ``ValidationError``, answered as a 400 keyed by field (``exception_handler``)."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
