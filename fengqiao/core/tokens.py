"""接口令牌 — a member of staff's own API token (``Authorization: Token <key>``).

Only staff whose roles use the API hold one (``org.permissions.API_ROLES``: the 12345 hotline
office, whose account is the 12345 platform's; the group office; the administrator). The key
is shown once, when it is made; afterwards only its first characters identify it. Making a
new one revokes the old one (DRF's token is one per account); revoking deletes it, so a
leaked key stops working at once. A key expires FENGQIAO_TOKEN_DAYS after it was made
(:class:`ExpiringTokenAuthentication`); making a new one renews it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from fengqiao.core.signin import client_ip
from fengqiao.core.throttles import FailureCounter
from fengqiao.org.models import Staff
from fengqiao.org.permissions import may_use_api

#: How many leading characters of a key identify it on the pages.
HINT_LENGTH = 6


def api_token_for(*, staff: Staff) -> Token | None:
    """The API token ``staff`` holds, if any."""
    return Token.objects.filter(user=staff).first()


@transaction.atomic
def api_token_create(*, staff: Staff) -> Token:
    """Make a new API token for ``staff`` (their own), revoking the one they had. Two requests
    at once are serialised on the staff row, so exactly one key survives."""
    if not may_use_api(staff):
        raise PermissionDenied
    Staff.objects.select_for_update(of=("self",)).filter(pk=staff.pk).first()
    Token.objects.filter(user=staff).delete()
    return Token.objects.create(user=staff)


@transaction.atomic
def api_token_revoke(*, staff: Staff) -> bool:
    """Revoke ``staff``'s own API token; False when there was none. Anyone may revoke their
    own (a role taken away leaves no key behind that they cannot remove)."""
    deleted, _ = Token.objects.filter(user=staff).delete()
    return deleted > 0


# --- Expiry and failed tokens -------------------------------------------------------------


def api_token_expires(token: Token) -> datetime.datetime:
    """When ``token`` stops working: FENGQIAO_TOKEN_DAYS after it was made."""
    return token.created + datetime.timedelta(days=settings.FENGQIAO_TOKEN_DAYS)


def _failures() -> FailureCounter:
    return FailureCounter(
        "api-token", limit=settings.FENGQIAO_TOKEN_FAILURE_LIMIT, window=settings.FENGQIAO_TOKEN_FAILURE_WINDOW
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` that expires FENGQIAO_TOKEN_DAYS after the key was made
    (401, saying so), and whose unknown keys are counted per client address: past
    FENGQIAO_TOKEN_FAILURE_LIMIT within FENGQIAO_TOKEN_FAILURE_WINDOW seconds the address gets
    429 with Retry-After, before any key is looked up — guessing keys gets nowhere."""

    def authenticate(self, request: Any) -> tuple[Any, Token] | None:
        self._address = client_ip(request)
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        address = getattr(self, "_address", "")
        failures = _failures()
        wait = failures.blocked_for(address)
        if wait:
            raise exceptions.Throttled(
                wait=wait, detail=_("无效的接口令牌次数过多，请于 %(seconds)d 秒后再试。") % {"seconds": wait}
            )
        try:
            user, token = super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            failures.failed(address)
            raise
        if timezone.now() >= api_token_expires(token):
            raise exceptions.AuthenticationFailed(
                _("接口令牌已于 %(date)s 过期，请在“接口令牌”页面重新生成。")
                % {"date": timezone.localtime(api_token_expires(token)).strftime("%Y-%m-%d %H:%M")}
            )
        return user, token
