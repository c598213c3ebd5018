"""A page step: a form posted from a staff page, the service it calls and the page it leads to.

Every page that changes something does the same few things, written here once:

1. ``acting_on``: the object is read through the selector that takes the user (404 for one the
   user may not see, as for one that does not exist) and the user's right is checked (403).
2. The view binds its form to the posted data and says what a valid one does: its ``write``
   calls the service and returns ``Done`` — the message said on the page the step leads to,
   and that page (a redirect, so a reload does not post again). ``arguments`` passes the
   cleaned data to the service whole.
3. A refusal goes back to the user: on a page with its own form (``form_page``, or
   ``take_step`` for a view that shows its page itself) the form is shown again with the
   service's ``ValidationError`` beside the field it names (``errors_to_form``); for a button
   on another page (``post_step``) it is said in error messages on that page.

Views never save a model: ``services`` do. A ``write`` raises ``ValidationError`` for whatever
the user should read and put right, and turns an error of another kind into one where the page
says it the same way (``FontMissing`` of the documents)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url

from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form

if TYPE_CHECKING:
    from fengqiao.org.models import Staff

T = TypeVar("T")


def acting_on(
    request: HttpRequest, get: Callable[..., T], may: Callable[[Staff, T], bool], *, refused: Any = None, **key: Any
) -> tuple[Staff, T]:
    """Who takes the step and what it acts on: the object read through its selector,
    ``get(user=…, **key)`` (404 for one the user may not see, as for one that does not exist),
    and ``may(user, it)`` checked (403, the 403 page showing ``refused`` when given)."""
    user = request_staff(request)
    it = get(user=user, **key)
    if not may(user, it):
        raise PermissionDenied(refused) if refused is not None else PermissionDenied
    return user, it


class Done:
    """What a step did: ``message``, said on the page the step leads to (a success unless
    ``level`` says otherwise, e.g. ``messages.WARNING`` for a step that sends the case back),
    and that page: ``to`` with its URL arguments, as ``redirect`` takes them."""

    __slots__ = ("level", "message", "url")

    def __init__(self, message: str, to: str, *, level: int = messages.SUCCESS, **kwargs: Any) -> None:
        self.message = message
        self.level = level
        self.url = resolve_url(to, **kwargs)

    def respond(self, request: HttpRequest) -> HttpResponse:
        messages.add_message(request, self.level, self.message)
        return redirect(self.url)


Write = Callable[[dict[str, Any]], Done]
"""A step's write: takes the form's cleaned data, calls the service, returns what it did."""


def take_step(request: HttpRequest, form: forms.Form | None, write: Write) -> HttpResponse | None:
    """On a POST whose ``form`` is valid, call ``write`` and answer with the redirect of its
    ``Done``. None — the view shows its page again with ``form`` — on a GET, for a refused
    form (its errors are on it), or when the service refused (its ``ValidationError`` put on
    the form by ``errors_to_form``: under the field it names, else for the form as a whole)."""
    if request.method != "POST" or form is None or not form.is_valid():
        return None
    try:
        done = write(form.cleaned_data)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
    return done.respond(request)


def form_page(
    request: HttpRequest,
    form: forms.Form | None,
    write: Write,
    *,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    invalid_status: int = 200,
) -> HttpResponse:
    """A page with its own form: a GET shows it; a POST takes the step (``take_step``) and,
    when the step is not taken, shows the page again with the form and its errors, answering
    ``invalid_status`` (200, or 400 on the pages that say so). ``template`` is rendered with
    ``form`` and ``context`` (a mapping, or a function giving it, read only when the page is
    shown)."""
    taken = take_step(request, form, write)
    if taken is not None:
        return taken
    shown = context() if callable(context) else context or {}
    status = invalid_status if request.method == "POST" else 200
    return render(request, template, {**shown, "form": form}, status=status)


def arguments(data: dict[str, Any]) -> dict[str, Any]:
    """A form's cleaned data as its service's keyword arguments. A page form names its fields
    as the service names its arguments, so a ``write`` passes them whole; its hidden
    ``version`` (the version the page was read at) is the service's ``expected_version``."""
    said = dict(data)
    if "version" in said:
        said["expected_version"] = said.pop("version")
    return said


def errors_of(form: forms.Form) -> list[str]:
    """A refused form's errors, one text each."""
    return [str(error) for errors in form.errors.values() for error in errors]


def labelled_errors_of(form: forms.Form) -> list[str]:
    """A refused form's errors, each after its field's label ("期限：…"), one text each."""
    said = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        said += [f"{label}：{error}" if label else str(error) for error in errors]
    return said


def post_step(
    request: HttpRequest,
    form: forms.Form | None,
    write: Write,
    *,
    back: str,
    refused: str | Callable[[forms.Form], list[str]] = labelled_errors_of,
    joined: bool = False,
) -> HttpResponse:
    """A button, or a small form, on another page (POST only): take the step and redirect as
    its ``Done`` says; else say what went wrong in error messages and go ``back`` (a URL or a
    URL name) to the page the button is on. A refused ``form`` is said by ``refused``: one
    text, or a function giving the texts (its errors after their labels unless told). The
    service's refusal is said one message per text of its ``ValidationError``, or with
    ``joined`` as one message, the texts joined by "；". ``form`` None: a step with no input."""
    if form is not None and not form.is_valid():
        for text in refused(form) if callable(refused) else [refused]:
            messages.error(request, text)
        return redirect(back)
    try:
        done = write(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        for text in ["；".join(exc.messages)] if joined else exc.messages:
            messages.error(request, text)
        return redirect(back)
    return done.respond(request)
