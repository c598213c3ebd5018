"""The configuration admin (/admin/) as a site whose door is the administrator role.

Django's default site lets in anyone with ``is_staff``; here ``is_staff`` is a stored flag
that drifted from the roles (a role added in the admin's inline never set it), and the
permissions behind it were never granted, so the 系统管理员 met 403 on every page. The door
is now ``org.permissions.may_administer`` and the rooms are ``org.backends.RoleBackend``:
both read the roles, so granting or revoking the administrator role is the whole story.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class FengqiaoAdminSite(admin.AdminSite):
    """系统配置: departments, staff and roles, categories, routing, time limits, holidays,
    scoring rules, API tokens."""

    def has_permission(self, request: HttpRequest) -> bool:
        from fengqiao.org.models import Staff
        from fengqiao.org.permissions import may_administer

        user = request.user
        return isinstance(user, Staff) and user.is_authenticated and may_administer(user)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """A signed-in member of staff without the administrator role gets 403 (the site's own
        page, with the way back), not the admin's sign-in form inviting another account."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                request.user.is_authenticated
                and not self.has_permission(request)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded


class FengqiaoAdminConfig(AdminConfig):
    """``django.contrib.admin`` with :class:`FengqiaoAdminSite` as ``admin.site``."""

    default_site = "fengqiao.core.admin_site.FengqiaoAdminSite"
