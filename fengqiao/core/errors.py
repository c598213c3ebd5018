"""Error answers Django gives before or outside a view (``handler400`` … ``handler500`` in
``fengqiao/urls.py``): under ``/api/`` the API's one error shape ``{"errors": {...}}`` as JSON,
everywhere else the pages' own error pages (``templates/403.html``, ``404.html``, ``500.html``).

DRF's exception handler (``core.api.exception_handler``) answers what goes wrong inside an API
view. What it never sees — a URL no route matches (``/api/v1/nothing/``, a malformed id like
``/api/v1/tasks/abc/``), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` refused by Django, an
error that escaped as a 500 — came back as an HTML page to a client that asked for JSON
(issue 13 §5). These views keep that shape for the API without touching the pages.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, message: str) -> JsonResponse:
    """One API error with no field to name: ``{"errors": {"detail": [message]}}``."""
    return JsonResponse({"errors": {"detail": [message]}}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    """400 for a request Django refused before a view: a body over the size limit
    (``RequestDataTooBig``), too many fields, a malformed multipart body."""
    if is_api(request):
        return api_error(400, request_refused_message(exception))
    return defaults.bad_request(request, exception, *args, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(403, _("您没有执行该操作的权限。"))
    return defaults.permission_denied(request, exception, *args, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    """404: no route (an unknown path or a malformed id). Never says why, as a hidden case
    reads like a missing one."""
    if is_api(request):
        return api_error(404, _("未找到。"))
    if request.path.startswith("/payer/"):  # the payer's pages (fengqiao.portal): their own page, no staff frame
        from django.shortcuts import render

        return render(request, "portal/404.html", status=404)
    return defaults.page_not_found(request, exception, *args, **kwargs)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(500, _("系统处理这一请求时出错。请稍后重试；如果再次出现，请把出错的时间告诉系统管理员。"))
    if request.path.startswith("/payer/"):  # the payer's own error page: no staff frame, no 回到工作台
        from django.http import HttpResponseServerError
        from django.template import loader

        try:  # rendered without the request, as Django's own 500 is: nothing that failed is asked again
            return HttpResponseServerError(loader.get_template("portal/500.html").render({}))
        except Exception:  # the error page must not fail in turn
            return HttpResponseServerError(_("系统出错，请稍后重试。"), content_type="text/plain; charset=utf-8")
    return defaults.server_error(request, *args, **kwargs)


def request_refused_message(exception: Exception) -> str:
    """What to tell a client whose request Django refused as a whole (its ``SuspiciousOperation``)."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, RequestDataTooBig):
        return _("请求体过大：除上传文件外不能超过 %(size)d 字节。") % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    if isinstance(exception, TooManyFieldsSent):
        return _("请求的字段过多：不能超过 %(n)d 个。") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exception, TooManyFilesSent):
        return _("上传的文件过多：不能超过 %(n)d 个。") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    return _("请求格式有误，无法处理。")
