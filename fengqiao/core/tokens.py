"""接口令牌 — a member of staff's own API token (``Authorization: Token <key>``).

Only staff whose roles use the API hold one (``org.permissions.API_ROLES``: the 12345 hotline
office, whose account is the 12345 platform's; the group office; the administrator). The key
is shown once, when it is made; afterwards only its first characters identify it. Making a
new one revokes the old one (DRF's token is one per account); revoking deletes it, so a
leaked key stops working at once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.authtoken.models import Token

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
