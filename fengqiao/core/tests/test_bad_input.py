"""Bad input, everywhere, gets a clear error (issue 13 §5; CONVENTIONS 7: an error that names
the field, nothing half-saved).

Three server errors found by trying the system from outside — each now a 400 naming the field,
in the API and on the page where the same input arrives, on SQLite and PostgreSQL alike:

- 来访时间 0001-01-01 with an offset: ``OverflowError`` turning it into China time;
- a JSON body nested 50,000 levels deep: ``RecursionError`` in the parser;
- a lone surrogate (``"\\ud800"``) in any string: ``UnicodeEncodeError`` in the database driver.

And every API error — a route no URL matches, a malformed id, a body over the size limit, 405,
406, 415, 401, 403, 500 — answers JSON in the one shape ``{"errors": {key: [messages]}}``,
never an HTML page and never a nested dict; the pages keep their HTML error pages.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

import fengqiao
from fengqiao.cases.models import Case, Payer
from fengqiao.cases.tests.test_api import body
from fengqiao.cases.tests.test_views import form_data
from fengqiao.core import errors, parsers
from fengqiao.core.api import exception_handler
from fengqiao.core.dates import INPUT_EARLIEST, INPUT_LATEST
from fengqiao.org.models import Staff

ROOT = Path(fengqiao.__file__).parent
SURROGATE_UTF8 = "\ud800".encode("utf-8", "surrogatepass")  # b"\xed\xa0\x80": not UTF-8


def api_client(staff: Staff) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=staff)[0].key}")
    return client


def nothing_saved() -> bool:
    return not Case.objects.exists() and not Payer.objects.exists()


def assert_one_shape(response: Any) -> dict[str, list[str]]:
    """JSON, ``{"errors": {key: [text, ...]}}``, every value a list of strings."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    data = json.loads(response.content)
    assert set(data) == {"errors"}
    assert data["errors"] and all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in data["errors"].values()
    ), data
    return data["errors"]


# --- 1. the server errors found today -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "received_at",
    ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00+14:00", "0001-01-01", "9999-12-31T23:59:59-08:00"],
)
def test_api_registration_received_at_out_of_range_is_a_400_under_received_at(intake_clerk, received_at) -> None:
    """四(一) 登记来访时间: year 1 with an offset overflowed turning it into China time."""
    response = api_client(intake_clerk).post("/api/v1/cases/", body(received_at=received_at), format="json")
    assert response.status_code == 400
    [message] = assert_one_shape(response)["received_at"]
    assert "1900-01-01" in message and "2099-12-31" in message
    assert nothing_saved()


@pytest.mark.django_db
def test_page_registration_received_at_out_of_range_is_named_beside_the_field(client_for, intake_clerk) -> None:
    response = client_for(intake_clerk).post(reverse("case-intake"), form_data(received_at="0001-01-01 00:00"))
    assert response.status_code == 200
    assert "1900-01-01" in response.context["form"].errors["received_at"][0]
    assert nothing_saved()


@pytest.mark.django_db
def test_a_body_nested_50000_deep_is_a_400_not_a_recursion_error(intake_clerk) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    response = api_client(intake_clerk).post("/api/v1/cases/", deep, content_type="application/json")
    assert response.status_code == 400
    assert str(parsers.MAX_DEPTH) in assert_one_shape(response)["detail"][0]
    assert nothing_saved()


def test_nesting_is_counted_without_recursion_and_ignores_brackets_in_strings() -> None:
    assert parsers.nesting_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert parsers.nesting_depth('{"a": "[[[[{{{{", "b": [1, {"c": []}]}') == 4
    assert parsers.nesting_depth('{"a": "\\"[[["}') == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"payer_name": "张\ud800三"}, "payer_name"),  # a CharField of the form the API reuses
        ({"summary": "\udfff"}, "summary"),  # a TextField
        ({"categories": ["04", "\ud800"]}, "categories.1"),  # an item of a multiple choice
        ({"township": "\ud800"}, "township"),  # a choice looked up in the database
        ({"payer_kind": "\ud800"}, "payer_kind"),  # a fixed choice
        ({"disputed_amount": "1\ud800"}, "disputed_amount"),  # a decimal
        ({"received_at": "2026-01-01\ud800"}, "received_at"),  # a date-time
    ],
)
def test_a_lone_surrogate_in_any_string_is_a_400_naming_its_path(intake_clerk, overrides, path) -> None:
    """One parser refuses it for every field type, before any form, serializer or driver."""
    raw = json.dumps(body(**overrides))  # json.dumps writes the surrogate as the escape \\ud800
    response = api_client(intake_clerk).post("/api/v1/cases/", raw, content_type="application/json")
    assert response.status_code == 400
    assert set(assert_one_shape(response)) == {path}
    assert nothing_saved()


def test_surrogates_are_found_in_keys_and_nested_values() -> None:
    data = {"a": ["x", {"b": "\ud800"}], "\udc00k": 1, "ok": "\U0001f600"}
    assert list(parsers.surrogate_paths(data)) == ["a.1.b", "\\udc00k"]


@pytest.mark.django_db
def test_a_valid_surrogate_pair_is_text(intake_clerk) -> None:
    """An emoji is written in JSON as a surrogate pair escape: that is valid text."""
    raw = json.dumps(body(claims="按实际收入核定 \U0001f600"))
    response = api_client(intake_clerk).post("/api/v1/cases/", raw, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["payer_name", "summary", "address"])
def test_a_form_post_with_bytes_that_are_not_utf8_is_refused_beside_the_field(client_for, intake_clerk, field) -> None:
    """A page form cannot receive a surrogate (Django decodes the bytes with "�"), but it must
    not save the garbled text either: the field says what is wrong, nothing is saved."""
    data = form_data()
    pairs = [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
    encoded = "&".join(
        f"{k}={quote_from_bytes(SURROGATE_UTF8) if k == field else quote_from_bytes(str(v).encode())}" for k, v in pairs
    )
    response = client_for(intake_clerk).post(
        reverse("case-intake"), encoded, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "编码错误" in response.context["form"].errors[field][0]
    assert nothing_saved()


# --- every field type keeps the checks: one mechanism, swept -------------------------------------


def _classes(base: type, leaves: tuple[str, ...]) -> list[Any]:
    found: dict[str, Any] = {}
    for module in pkgutil.walk_packages([str(ROOT)], prefix="fengqiao."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".tests" in module.name or ".migrations" in module.name or ".management" in module.name:
            continue
        if not any(leaf == name or leaf.endswith(f"_{name}") for name in leaves):
            continue
        mod = importlib.import_module(module.name)
        for _name, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, base) and obj.__module__ == mod.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


FORMS = _classes(forms.BaseForm, ("forms",))
SERIALIZERS = _classes(serializers.Serializer, ("api", "serializers"))


def test_the_sweeps_are_not_vacuous() -> None:
    assert {"IntakeForm", "RemedyForm"} <= {f.__name__ for f in FORMS}
    assert "IntakeRequestSerializer" in {s.__name__ for s in SERIALIZERS}


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_form_date_and_text_field_refuses_bad_input(form_class: Any) -> None:
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DateTimeField | forms.DateField):
            for typed in ("0001-01-01", "9999-12-31"):
                with pytest.raises(ValidationError, match="1900-01-01"):
                    field.clean(typed if isinstance(field, forms.DateField) else f"{typed} 00:00")
            assert INPUT_EARLIEST.year == 1900 and INPUT_LATEST.year == 2099, name
        elif isinstance(field, forms.CharField):  # any subclass: ours, or its own format check
            with pytest.raises(ValidationError):
                field.clean("a\ufffdb")


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_serializer_date_field_refuses_a_date_out_of_range(serializer_class: Any) -> None:
    for name, field in serializer_class._declared_fields.items():
        if field.read_only or not isinstance(field, serializers.DateField | serializers.DateTimeField):
            continue
        for typed in ("0001-01-01", "9999-12-31"):
            value = typed if isinstance(field, serializers.DateField) else f"{typed}T00:00:00+08:00"
            with pytest.raises(exceptions.ValidationError):
                field.run_validation(value)
        assert name


def _api_views() -> list[tuple[str, Any]]:
    views: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (prefix + str(p.pattern)).startswith("api/"):
                cls = getattr(p.callback, "cls", None)
                if cls is not None:
                    views.append((prefix + str(p.pattern), cls))

    walk(get_resolver().url_patterns, "")
    return views


def test_every_api_endpoint_parses_json_with_the_checked_parser() -> None:
    """No view may bring back DRF's own JSON parser (the nesting and the surrogates)."""
    assert api_settings.DEFAULT_PARSER_CLASSES[0] is parsers.JSONParser
    views = _api_views()
    assert len(views) > 40
    for route, view in views:
        json_parsers = [p for p in view().get_parsers() if p.media_type == "application/json"]
        assert all(isinstance(p, parsers.JSONParser) for p in json_parsers), route


# --- 2. every API error in one JSON shape ----------------------------------------------------------


@pytest.mark.django_db
def test_no_route_and_a_malformed_id_are_json_404s(group_office) -> None:
    client = api_client(group_office)
    for path in ("/api/v1/nothing/", "/api/v1/tasks/abc/", "/api/v1/tasks/99999999999999999999999/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert assert_one_shape(response) == {"detail": ["未找到。"]}


@pytest.mark.django_db
def test_an_oversized_body_is_a_json_400(intake_clerk, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = json.dumps(body(summary="x" * 20_000))
    response = api_client(intake_clerk).post("/api/v1/cases/", raw, content_type="application/json")
    assert response.status_code == 400
    assert "10000" in assert_one_shape(response)["detail"][0]
    assert nothing_saved()


@pytest.mark.django_db
def test_405_406_415_401_403_are_json_in_the_one_shape(intake_clerk, outsider) -> None:
    client = api_client(intake_clerk)
    assert client.delete("/api/v1/cases/").status_code == 405
    assert_one_shape(client.delete("/api/v1/cases/"))
    response = client.get("/api/v1/cases/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert_one_shape(response)
    response = client.post("/api/v1/cases/", "a,b", content_type="text/csv")
    assert response.status_code == 415
    assert_one_shape(response)
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    assert_one_shape(response)
    response = api_client(outsider).post("/api/v1/cases/", body(), format="json")
    assert response.status_code == 403
    assert_one_shape(response)


def test_a_500_under_the_api_is_json_and_a_page_500_is_html() -> None:
    factory = RequestFactory()
    response = errors.server_error(factory.get("/api/v1/cases/"))
    assert response.status_code == 500
    assert_one_shape(response)
    assert errors.server_error(factory.get("/cases/"))["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_pages_keep_their_html_error_pages(client_for, intake_clerk) -> None:
    response = client_for(intake_clerk).get("/cases/no-such-page/x/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "页面不存在" in response.content.decode()


def test_nested_errors_are_flattened_to_paths() -> None:
    error = exceptions.ValidationError({"parties": [{}, {"name": ["必填"]}], "categories": {"0": ["无效"]}})
    response = exception_handler(error, {})
    assert response is not None
    assert response.data == {"errors": {"parties.1.name": ["必填"], "categories.0": ["无效"]}}


def test_an_api_exception_of_any_status_keeps_the_shape() -> None:
    class Unavailable(exceptions.APIException):
        status_code = 503
        default_detail = "缺少字体"

    response = exception_handler(Unavailable(), {})
    assert response is not None and response.status_code == 503
    assert response.data == {"errors": {"detail": ["缺少字体"]}}
