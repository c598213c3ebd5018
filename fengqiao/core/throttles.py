"""Throttles (等保 2.0 level 3: 登录失败处理, 限制非法登录次数): a count per client in the cache
every web worker shares (``settings.CACHES``: Redis, or files under FENGQIAO_VAR_DIR).

- :class:`StaffRateThrottle` — the API's default: a generous rate per member of staff
  (FENGQIAO_API_RATE, ``"3000/hour"``) that stops a runaway script, not a busy day.
- :class:`PublicRateThrottle` — for the payer's public endpoints (issue 14): the ``public``
  rate (FENGQIAO_PUBLIC_RATE, ``"30/minute"``) per client address. On a DRF view:
  ``throttle_classes = [PublicRateThrottle]``.
- :func:`rate_limited` — the same for a Django page view: ``@rate_limited("public")`` answers
  429 with Retry-After and a Chinese page when the address has used up its rate.
- :class:`FailureCounter` — counts failures (an unknown API token) per address and refuses
  the address for the rest of the window once it has too many.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from fengqiao.core.signin import client_ip


class StaffRateThrottle(UserRateThrottle):
    """The API's rate per member of staff (scope ``user``); an anonymous request is counted by
    its address (it is refused as unauthenticated anyway)."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class PublicRateThrottle(SimpleRateThrottle):
    """The payer's public pages: the ``public`` rate per client address."""

    scope = "public"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def rate_limited(scope: str = "public") -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page view limited to ``DEFAULT_THROTTLE_RATES[scope]`` requests per client address:
    past it, 429 with Retry-After and a page that says when to try again."""

    scoped = type(f"{scope.title()}RateThrottle", (PublicRateThrottle,), {"scope": scope})

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            throttle = scoped()
            if not throttle.allow_request(request, None):
                wait = int(throttle.wait() or 1) + 1
                response = render(request, "429.html", {"retry_after": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorate


class FailureCounter:
    """Failures of one kind per client address within ``window`` seconds; ``limit`` of them
    block the address until the window that began with the first has passed."""

    def __init__(self, kind: str, *, limit: int, window: int) -> None:
        self.kind, self.limit, self.window = kind, limit, window

    def _key(self, address: str) -> str:
        return f"failures:{self.kind}:{address}"

    def blocked_for(self, address: str) -> int:
        """Seconds the address is still refused, 0 when it is not."""
        entry = cache.get(self._key(address))
        if not entry or entry[0] < self.limit:
            return 0
        return max(1, int(entry[1] + self.window - time.time()))

    def failed(self, address: str) -> None:
        """One more failure (a read and a write: two workers at once may lose one count,
        which only delays a block by a request)."""
        key = self._key(address)
        now = time.time()
        entry = cache.get(key)
        if not entry or entry[1] + self.window <= now:
            entry = (0, now)
        cache.set(key, (entry[0] + 1, entry[1]), timeout=max(1, int(entry[1] + self.window - now)))

    def clear(self, address: str) -> None:
        cache.delete(self._key(address))
