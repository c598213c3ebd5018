"""One step endpoint (issue 16 §1): the API's way of taking a step of the mechanism.

Every endpoint that takes a step — 签收 a task, 召开 a consultation, 记录回访, 确认责任追究 … —
does the same things in the same order, and ``StepView`` does them once:

1. **fetch** the object through its selector, scoped to the caller: one they may not see is a
   404, exactly like one that does not exist (CONVENTIONS 3);
2. **check** the caller may take the step: ``allowed``, else 403 with ``refusal`` (before the body
   is read, so a refused caller learns nothing from a 400);
3. **validate** the body with the pages' form (``form_class``) or with ``request_serializer``: bad
   input is a 400 naming the field;
4. **perform** the step through its one service, with the version the caller read
   (``expected_version``): a stale version or a state that no longer allows the step is the
   service's ``TransitionError``, a 409 (``core.api.exception_handler``), and the service's own
   transaction leaves nothing half-saved;
5. **map** what the service raises that is not the caller's input: ``unavailable`` (a missing
   font) is a 503 in the one error shape;
6. **respond** with the representation and ``status_code``.

An endpoint declares what differs and writes ``perform`` (and ``fetch``, ``respond`` in the app's
abstract base, shared by its steps)::

    class RemedyCheckView(RemedyStep):
        \"\"\"跟踪救济进展.\"\"\"

        operation_id = "remedies_check"
        summary = "跟踪救济进展"
        request_serializer = RemedyCheckSerializer

        def perform(self, staff: Staff, remedy: Remedy, d: dict[str, Any]) -> Remedy:
            return services.remedy_check(
                remedy=remedy, actor=staff, next_check_on=d["next_check_on"], notes=d["notes"]
            )

Its OpenAPI operation is made from the same declarations (``tags``, ``operation_id``,
``summary``, ``description``, the request serializer, ``status_code`` with
``response_serializer``, and ``error_codes`` described by ``error_texts``); the operation's
description is the endpoint's docstring, as for any view. ``method`` is ``"post"`` (or
``"put"``); a view may add its own ``get`` beside the step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.api import error_responses, form_errors, validated
from fengqiao.core.auth import request_staff
from fengqiao.org.models import Staff

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a refusal may be lazily translated

STEP_ERRORS = (400, 401, 403, 404, 409)

#: The type of ``request_serializer`` and ``response_serializer`` (a class, or for the schema an
#: instance such as ``many=True``): an app's abstract base that sets one its steps change again
#: declares it (``response_serializer: ClassVar[Serializer] = …``), as mypy would take the first
#: class set as the attribute's type.
Serializer = type[serializers.BaseSerializer[Any]] | serializers.BaseSerializer[Any] | None


def form_data(request: Request, *, lists: tuple[str, ...] = (), joined: tuple[str, ...] = ()) -> Any:
    """The request body for a Django form. A multipart body is a ``QueryDict`` already; a
    JSON body is a dict whose ``lists`` are lists (the form reads them as several values)
    and whose ``joined`` lists the form expects as one comma-separated string. Anything but
    an object is a 400."""
    data = request.data
    if isinstance(data, QueryDict):
        return data
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("请求体应为 JSON 对象。")]})
    data = dict(data)
    for name in lists:
        if name in data and isinstance(data[name], str):
            data[name] = [v.strip() for v in data[name].split(",") if v.strip()]
    for name in joined:
        if isinstance(data.get(name), list):
            data[name] = ",".join(str(v) for v in data[name])
    return data


def expected_version(data: dict[str, Any]) -> int | None:
    """The version the caller read, for the service's check (absent or blank: not checked)."""
    value = data.get("version")
    return None if value is None or value == "" else int(value)


class StepView(APIView):
    # No docstring: drf-spectacular describes an operation by the first docstring among its
    # view's classes, and this one's would become every undocumented step's description. The
    # module's docstring says what a step is.

    # --- the operation (the OpenAPI schema is made from these) ---------------------------------
    method: ClassVar[str] = "post"
    tags: ClassVar[list[str] | None] = None
    operation_id: ClassVar[str | None] = None
    summary: ClassVar[str | None] = None
    description: ClassVar[str | None] = None
    #: the body's schema; it validates the body too unless ``form_class`` is given
    request_serializer: ClassVar[Serializer] = None
    #: the schema's request when it is not ``request_serializer`` (several media types)
    request_media: ClassVar[dict[str, Any] | None] = None
    response_serializer: ClassVar[Serializer] = None
    status_code: ClassVar[int] = status.HTTP_200_OK
    error_codes: ClassVar[tuple[int, ...]] = STEP_ERRORS
    error_texts: ClassVar[dict[int, str] | None] = None

    # --- the step ------------------------------------------------------------------------------
    #: the pages' form, which validates the body (the schema still shows ``request_serializer``)
    form_class: ClassVar[type[forms.Form] | None] = None
    #: body fields the form reads as several values; a JSON string is split at commas
    form_lists: ClassVar[tuple[str, ...]] = ()
    #: the 403's message when ``allowed`` says no (None: DRF's default)
    refusal: ClassVar[StrOrPromise | None] = None
    #: what the service may raise when the server, not the request, is at fault: answered 503
    unavailable: ClassVar[tuple[type[Exception], ...]] = ()
    #: headers of the answer (e.g. ``Cache-Control: no-store`` for personal data)
    response_headers: ClassVar[dict[str, str] | None] = None

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        """Every concrete step gets its own handler for ``method``, documented from its
        declarations. An abstract base (``class TaskStep(StepView, abstract=True)``) gets none,
        so a step answers only its own method (405 for the others)."""
        super().__init_subclass__(**kwargs)
        if not abstract and cls.method not in cls.__dict__:
            setattr(cls, cls.method, cls._handler())

    @classmethod
    def _handler(cls) -> Callable[..., Response]:
        def handler(self: StepView, request: Request, **kwargs: Any) -> Response:
            return self.step(request, **kwargs)

        responses: dict[int, Any] = {cls.status_code: cls.response_serializer}
        responses.update(error_responses(*cls.error_codes, overrides=cls.error_texts))
        return extend_schema(
            tags=cls.tags,
            operation_id=cls.operation_id,
            summary=cls.summary,
            description=cls.description,
            request=cls.request_media or cls.request_serializer,
            responses=responses,
        )(handler)

    def step(self, request: Request, **kwargs: Any) -> Response:
        staff = request_staff(request)
        obj = self.fetch(staff, **kwargs)
        with self.around(staff, obj):
            self.check(staff, obj)
            data = self.validate(request, staff, obj)
            try:
                result = self.perform(staff, obj, data)
            except self.unavailable as exc:
                return Response({"errors": {"detail": [str(exc)]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(self.respond(staff, obj, result), status=self.status_code, headers=self.response_headers)

    def check(self, staff: Staff, obj: Any) -> None:
        if not self.allowed(staff, obj):
            raise PermissionDenied(self.refusal)

    def acting_on(self, request: Request, **kwargs: Any) -> tuple[Staff, Any]:
        """The caller and the object, fetched and checked as the step does: for a read beside
        the step (the view's ``get``) that the same right guards."""
        staff = request_staff(request)
        obj = self.fetch(staff, **kwargs)
        self.check(staff, obj)
        return staff, obj

    # --- what an endpoint declares -------------------------------------------------------------

    def fetch(self, staff: Staff, *args: Any, **kwargs: Any) -> Any:
        """The object of the step, by the URL's arguments, through its scoped selector (Http404
        when unseen); none for a step that makes something new."""
        return None

    def allowed(self, staff: Staff, obj: Any) -> bool:
        """May the caller take this step on ``obj``? A right that depends on the body is checked
        in ``perform``."""
        return True

    def around(self, staff: Staff, obj: Any) -> contextlib.AbstractContextManager[None]:
        """The context the check, the validation and the service run in (e.g. recording a
        refusal in the audit trail); none by default."""
        return contextlib.nullcontext()

    def form_kwargs(self, staff: Staff, obj: Any) -> dict[str, Any]:
        """What ``form_class`` takes beside the body (the county, the case …)."""
        return {}

    def validate(self, request: Request, staff: Staff, obj: Any) -> Any:
        """The body, validated: the form's cleaned data, the serializer's validated data, or
        ``{}`` for a step without a body. Bad input raises DRF's ``ValidationError`` (400)."""
        if self.form_class is not None:
            data = form_data(request, lists=self.form_lists)
            form = self.form_class(data, files=request.FILES, **self.form_kwargs(staff, obj))
            if not form.is_valid():
                raise serializers.ValidationError(form_errors(form))
            return self.cleaned(form)
        if isinstance(self.request_serializer, type):
            return validated(self.request_serializer, request)  # type: ignore[arg-type]
        return {}

    def cleaned(self, form: Any) -> Any:
        """What ``perform`` gets of a valid form (its cleaned data, or what the form builds)."""
        return form.cleaned_data

    def perform(self, staff: Staff, obj: Any, data: Any) -> Any:
        """The step, through its one service; returns what ``respond`` represents."""
        raise NotImplementedError

    def respond(self, staff: Staff, obj: Any, result: Any) -> Any:
        """The body of the answer: by default ``response_serializer`` of the service's result."""
        serializer = self.response_serializer
        assert isinstance(serializer, type), "a step without a response serializer class writes respond"
        return serializer(result).data
