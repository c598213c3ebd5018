"""Model permissions from roles: the configuration admin asks ``user.has_perm``; the answer
comes from the roles a member of staff holds (``fengqiao.org.permissions``), not from rows in
Django's permission tables, so a role granted or revoked anywhere changes the access at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from fengqiao.org.models import Staff
from fengqiao.org.permissions import role_permissions


class RoleBackend(BaseBackend):
    """Answers permission checks only; signing in stays with Django's ``ModelBackend``."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not isinstance(user_obj, Staff) or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(role_permissions(user_obj))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))
