"""Who is asking: the signed-in member of staff behind a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from rest_framework.request import Request

    from fengqiao.org.models import Staff


def request_staff(request: HttpRequest | Request) -> Staff:
    """The member of staff making the request. Views behind ``login_required`` (or the API's
    ``IsAuthenticated``) call this to get a typed ``Staff``; an anonymous request here is a
    programming error, answered with 403 rather than a crash."""
    from fengqiao.org.models import Staff

    user = request.user
    if not isinstance(user, Staff) or not user.is_authenticated:
        raise PermissionDenied
    return user
