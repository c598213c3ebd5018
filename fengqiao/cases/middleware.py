"""四(七) 案件归档 — a sealed case is refused before any write step looks at it (issue 11 §3).

``cases.models.sealed_check`` is the one guard of the data: every write service (and, as a
backstop, ``CaseEvent`` and ``Case``) refuses an archived case, so nothing is ever saved on
one. But a step's own state check often runs first and answers with its own words ("案件当前
不在跟踪回访阶段", "任务签收后才能起草书面意见", "案件当前状态“已归档”不能归档"), which tell a
user nothing about why. This middleware checks sealed first, for every write request (POST,
PUT, PATCH, DELETE) of a URL that acts on one case — by its number, or by a task, request,
extension, mediation, decision, visit, remedy or referral of it — and answers with the
archive's message:

- a page: the message, and back where the user came from (the case page otherwise); htmx
  is sent there by ``HX-Redirect``;
- the API: 409 ``{"errors": {"non_field_errors": [...]}}``, as ``core.api`` answers a
  ``CaseSealed`` raised by a service.

Only a case the user may see is answered so (``selectors.cases_visible_to``); any other
request goes on to its view, which answers 404 for a case one may not see, 403 for a step one
may not take. Reading stays open: 查看明文 is recorded on a sealed case, export and verify are
the dossier's own (``AFTER_ARCHIVE_URLS``). Consultations may hold several cases and are
refused by their services case by case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from fengqiao.cases.models import Case, CaseSealed
from fengqiao.cases.states import CaseState

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# What the mechanism still allows on a sealed case: reading personal data (recorded) and the
# dossier's own verify/export.
AFTER_ARCHIVE_URLS = frozenset(
    {
        "case-reveal",
        "api-case-reveal",
        "archive-verify",
        "archive-export",
        "api-case-dossier-verify",
        "api-case-dossier-export",
    }
)

# URL name prefix → the model whose ``pk`` the URL names; its ``case`` is the case written.
OBJECT_URLS: tuple[tuple[str, str], ...] = (
    ("task-", "handling.Task"),
    ("api-task-", "handling.Task"),
    ("special-", "handling.SpecialHandlingRequest"),
    ("api-special-request-", "handling.SpecialHandlingRequest"),
    ("followthrough-extension-decide", "handling.Extension"),
    ("api-extension-decision", "handling.Extension"),
    ("followthrough-mediation-result", "handling.MediationSession"),
    ("api-mediation-result", "handling.MediationSession"),
    ("followthrough-legal-", "handling.Decision"),
    ("api-decision-legal-", "handling.Decision"),
    ("followup-visit", "followup.Visit"),
    ("api-visit-", "followup.Visit"),
    ("followup-remedy-", "followup.Remedy"),
    ("api-remedy-", "followup.Remedy"),
    ("referral-step", "referrals.Referral"),
    ("api-referral-", "referrals.Referral"),
)


def _model_of(url_name: str) -> Any:
    for prefix, label in OBJECT_URLS:
        if url_name.startswith(prefix):
            return apps.get_model(label)
    return None


def _staff(request: HttpRequest) -> Any:
    """The signed-in member of staff: the session's, or for the API the token's (DRF
    authenticates inside the view, after the middleware)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    if request.path.startswith("/api/"):
        from rest_framework.authentication import TokenAuthentication
        from rest_framework.exceptions import AuthenticationFailed

        try:
            found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
        except AuthenticationFailed:
            return None
        return found[0] if found else None
    return None


def sealed_case_for(request: HttpRequest, url_name: str, kwargs: dict[str, Any]) -> Case | None:
    """The archived case a write request acts on, if the user may see it; otherwise None
    (the view decides). At most two queries, none for a request that writes no case."""
    if request.method not in WRITE_METHODS or not url_name or url_name in AFTER_ARCHIVE_URLS:
        return None
    number = kwargs.get("number")
    model = None if number is not None else _model_of(url_name)
    if number is None and (model is None or "pk" not in kwargs):
        return None
    staff = _staff(request)
    if staff is None or not hasattr(staff, "department_id"):
        return None
    from fengqiao.cases.selectors import cases_visible_to

    cases = cases_visible_to(staff).filter(state=CaseState.ARCHIVED)
    if number is not None:
        return cases.filter(number=number).first()
    assert model is not None
    case_id = model.objects.filter(pk=kwargs["pk"]).values_list("case_id", flat=True).first()
    return cases.filter(pk=case_id).first() if case_id is not None else None


class SealedCaseMiddleware:
    """Refuse a write on a sealed case with the archive's message before the step's own
    checks (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        case = sealed_case_for(request, (match.url_name or "") if match else "", view_kwargs)
        if case is None:
            return None
        message = CaseSealed().messages[0]
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": {"non_field_errors": [message]}}, status=409)
        messages.error(request, message)
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
            back = reverse("case-detail", args=[case.number])
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=200)
            response["HX-Redirect"] = back
            return response
        return HttpResponseRedirect(back)
