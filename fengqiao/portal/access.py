"""The access contract of the payer's pages (issue 14; docs/portal.md "Access").

A browser session sees a case only after it was granted it: right after filing, or after the
right case number with its query code or a one-time SMS code. Nothing else opens a case, and a
case not granted answers exactly as a number that does not exist (404): the pages never reveal
whether a guessed number exists (五(三)).

- ``grant(request, case)`` — this session may see ``case`` (session key ``portal.cases``, a
  list of case ids, the last ``MAX_CASES``);
- ``payer_case(request, number)`` — the case if granted, else ``Http404``;
- ``payer_case_required`` — for views ``view(request, case, ...)`` with the URL kwarg ``number``.

A payer's grants idle out as a staff session does (FENGQIAO_SESSION_IDLE_SECONDS without a
payer page) and end with the session (FENGQIAO_SESSION_SECONDS).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from fengqiao.cases.models import Case

SESSION_KEY = "portal.cases"
SEEN_KEY = "portal.seen"
#: The cases one browser session may hold at once (a payer with a few disputes, not a list).
MAX_CASES = 5


def _idle_expired(request: HttpRequest) -> bool:
    idle = settings.FENGQIAO_SESSION_IDLE_SECONDS
    seen = request.session.get(SEEN_KEY)
    return bool(idle) and seen is not None and int(time.time()) - int(seen) > idle


def grant(request: HttpRequest, case: Case) -> None:
    """This browser session may see ``case`` from now on (the oldest grant goes beyond
    ``MAX_CASES``). Called after the right number and code, and right after filing."""
    granted = [] if _idle_expired(request) else [int(i) for i in request.session.get(SESSION_KEY, [])]
    granted = [i for i in granted if i != case.pk] + [case.pk]
    request.session[SESSION_KEY] = granted[-MAX_CASES:]
    request.session[SEEN_KEY] = int(time.time())
    # A new grant is a change of privilege: a new session key, as at a staff sign-in.
    request.session.cycle_key()


def granted_ids(request: HttpRequest) -> list[int]:
    """The case ids this session holds (none once idle too long)."""
    if _idle_expired(request):
        request.session.pop(SESSION_KEY, None)
        request.session.pop(SEEN_KEY, None)
        return []
    return [int(i) for i in request.session.get(SESSION_KEY, [])]


def payer_case(request: HttpRequest, number: str) -> Case:
    """The case numbered ``number`` if this session was granted it; ``Http404`` otherwise —
    the same answer as a number that does not exist."""
    ids = granted_ids(request)
    if not ids or not number:
        raise Http404
    case = (
        Case.objects.select_related("payer", "receiving_department", "jurisdiction")
        .filter(pk__in=ids, number=number)
        .first()
    )
    if case is None:
        raise Http404
    request.session[SEEN_KEY] = int(time.time())
    return case


View = Callable[..., HttpResponse]


def payer_case_required(view: View) -> View:
    """For a view ``view(request, case, ...)`` under a URL with ``<str:number>``: the granted
    case, or 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponse:
        return view(request, payer_case(request, number), *args, **kwargs)

    return wrapped
