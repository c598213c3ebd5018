"""``{{ user|may_use_api }}``: whether the user menu offers 接口令牌 (org.permissions.API_ROLES)."""

from __future__ import annotations

from typing import Any

from django import template

from fengqiao.org.models import Staff
from fengqiao.org.permissions import may_use_api as _may_use_api

register = template.Library()


@register.filter
def may_use_api(user: Any) -> bool:
    return isinstance(user, Staff) and user.is_authenticated and _may_use_api(user)
