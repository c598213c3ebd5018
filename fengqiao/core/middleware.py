"""The language of every page and API answer.

The mechanism is run in Chinese by a county's staff: the pages, Django's own messages (sign-in
errors, form errors, the admin) and the API's messages are zh-hans whatever language the
browser asks for. Django's ``LocaleMiddleware`` would follow ``Accept-Language``, so a clerk
whose browser is set to English got English form errors inside Chinese pages.

Only a language the user chose explicitly (Django's ``set_language`` view at ``/i18n/setlang/``,
which sets the language cookie) overrides the default, and only a language of ``LANGUAGES``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


def chosen_language(request: HttpRequest) -> str:
    """The language the user chose (the language cookie) if it is one of ``LANGUAGES``, else
    the site's language; the browser's ``Accept-Language`` is not consulted."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the user's chosen language, else zh-hans, for the request (replaces Django's
    ``LocaleMiddleware``; there are no language prefixes in the URLs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
