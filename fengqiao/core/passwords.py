"""The password policy beyond Django's validators (等保 2.0 level 3 身份鉴别: 口令具有复杂度要求并
定期更换). ``settings.AUTH_PASSWORD_VALIDATORS`` runs them on every set and change of a password
through a form (修改密码, the admin, ``changepassword``); a password already set is never
re-checked at sign-in, so the demo password still signs in.

- :class:`MinimumLengthValidator` — at least 12 characters (Django's, whose message Django 5.2
  changed to a text its Chinese catalogue does not have: the English showed on a Chinese page);
- :class:`CharacterClassesValidator` — at least three of: lower-case letters, upper-case
  letters, digits, other characters (a Chinese character counts as "other");
- :class:`NotUsernameValidator` — not the username, nor the username reversed, in any case;
- not a common password (Django's list of 20,000) and not all digits (Django's);
- :class:`PasswordHistoryValidator` — not one of the last 5 passwords of the account, whose
  hashes are kept in ``core.PasswordHistory``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, its message in Chinese."""

    def get_error_message(self) -> str:
        return _("密码太短：至少需要 %(count)d 个字符。") % {"count": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(count)d 个字符。") % {"count": self.min_length}


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        )
    )


class CharacterClassesValidator:
    """At least ``min_classes`` of the four character classes."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if _classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须至少包含小写字母、大写字母、数字、其他符号四类中的 %(count)d 类。") % {
            "count": self.min_classes
        }


class NotUsernameValidator:
    """Not the username, forwards or backwards, whatever the case."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if username and password.casefold() in {username, username[::-1]}:
            raise ValidationError(self.get_help_text(), code="password_is_username")

    def get_help_text(self) -> str:
        return _("密码不能与用户名相同。")


class PasswordHistoryValidator:
    """Not one of the last ``count`` passwords of the account. The current password is the
    newest of them; each password set is kept as its hash (:meth:`password_changed`, which
    Django calls when the account is saved with a new password)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent(self, user: Any) -> list[str]:
        from fengqiao.core.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(staff_id=user.pk)
            .order_by("-created", "-id")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in hashes:
            hashes = [user.password, *hashes][: self.count]
        return hashes

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent(user)):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        from fengqiao.core.models import PasswordHistory

        if user is None or user.pk is None or not user.password:
            return
        PasswordHistory.objects.create(staff_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(staff_id=user.pk).order_by("-created", "-id").values_list("pk", flat=True)
        PasswordHistory.objects.filter(staff_id=user.pk, pk__in=list(keep[self.count :])).delete()

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": self.count}
