"""Security headers beside Django's own and the Content-Security-Policy (django-csp): on every
answer — pages, the API, static files, error pages (docs/security.md).

- ``Permissions-Policy``: no camera, microphone, geolocation, payment, USB … for any page;
- ``Cross-Origin-Resource-Policy: same-origin``: another site cannot embed our answers;
- ``Cache-Control: no-store`` on every answer that is not a static file: pages and API answers
  may show personal data (cases, reveals, documents) and must not be kept by a browser or a
  proxy — unless the view set its own caching (a download that says ``private``).

``Cross-Origin-Opener-Policy``, ``X-Content-Type-Options`` and ``Referrer-Policy`` come from
Django's ``SecurityMiddleware`` (settings), ``X-Frame-Options`` from its clickjacking middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


class SecurityHeadersMiddleware:
    """Adds the headers above to every answer that does not set them itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        static = settings.STATIC_URL
        self.static_prefix = static if static.startswith("/") else "/" + static

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith(self.static_prefix) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
