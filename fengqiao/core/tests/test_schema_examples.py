"""The OpenAPI schema's examples are valid input (issue 13 §5): a client that copies one must
not be refused. The documented registration carried an ID number whose GB 11643-1999 check
character was wrong (…150019; the check character of 15052519850315001 is 3).

Every request example of every operation is validated by the operation's own request
serializer, and every ID number, credit code and mobile number in it by the identifier checks
the forms run (``core.identifiers``). ``{month}`` carries its YYYY-MM pattern.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from fengqiao.core.identifiers import validate_mobile, validate_resident_id, validate_social_credit_code

IDENTIFIERS: dict[str, Any] = {
    "id_number": validate_resident_id,
    "other_id_number": validate_resident_id,
    "credit_code": validate_social_credit_code,
    "other_credit_code": validate_social_credit_code,
    "phone": validate_mobile,
    "other_phone": validate_mobile,
}


def _request_examples() -> Iterator[tuple[str, str, str, Any, Any]]:
    """(path, method, example name, value, request serializer) for every request example."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        schema = view.schema
        serializer: Any = schema.get_request_serializer()
        for example in schema.get_examples():
            if example.response_only:
                continue
            media = example.media_type or "application/json"
            chosen = serializer.get(media) if isinstance(serializer, dict) else serializer
            yield path, method, example.name, example.value, chosen


EXAMPLES = list(_request_examples())


def test_the_walk_finds_the_examples() -> None:
    assert any(path == "/api/v1/cases/" and method == "POST" for path, method, *_rest in EXAMPLES)


def _identifiers(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in IDENTIFIERS and isinstance(item, str) and item:
                yield key, item
            yield from _identifiers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _identifiers(item, path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "name", "value", "serializer"), EXAMPLES, ids=[f"{m} {p} {n}" for p, m, n, *_r in EXAMPLES]
)
def test_every_request_example_is_valid_input(path, method, name, value, serializer) -> None:
    if serializer is not None and not isinstance(serializer, dict):
        instance: Any = serializer if isinstance(serializer, serializers.BaseSerializer) else serializer()
        if isinstance(instance, serializers.ListSerializer):
            child: Any = instance.child
            checked: Any = type(child)(data=value, many=True)
        else:
            checked = type(instance)(data=value)
        assert checked.is_valid(), (path, method, name, checked.errors)
    for key, text in _identifiers(value):
        try:
            IDENTIFIERS[key](text)
        except ValidationError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{method} {path} example {name!r}: {key} {text}: {exc.messages}")


def test_month_paths_document_their_pattern() -> None:
    schema = SchemaGenerator().get_schema(public=True)
    months = [
        parameter
        for path, operations in schema["paths"].items()
        if "{month}" in path
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "month"
    ]
    assert len(months) >= 5
    assert all(p["schema"].get("pattern") == "^[0-9]{4}-[0-9]{2}$" for p in months), months
