"""A property-based run of the whole API against its own OpenAPI schema (issue 13 §5).

Schemathesis reads ``/api/v1/schema/`` and, for every operation, generates requests that fit
the schema and requests it forbids (wrong types, missing fields, values outside a constraint),
sent to the WSGI application in this process — no server, the test's database. Each answer
must be no server error (5xx) and no response outside the schema: a status code the operation
documents, the content type it documents, and a body matching the documented shape (the
errors' ``{"errors": {...}}`` included).

Two runs: signed in as the demo 领导小组办公室 (the group office, who sees every case of the
county and uses the API), and not signed in at all (every operation must answer a documented
401, never a page or a 500). Failures are gathered per operation and reported together.

Bounded for CI: ``MAX_EXAMPLES`` requests per operation and mode, a ``deadline`` per request,
and ``derandomize`` — the same requests on every run, so a failure in CI is a failure on a
laptop. About two to four minutes on SQLite on a loaded two-core machine; not marked ``slow``
(``make test`` runs it), marked ``schemathesis`` so a stage can leave it out. What it found and
what was fixed: docs/api.md "The property-based run".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fengqiao.org.models import Staff

#: Requests per operation and mode (valid input, then input the schema forbids).
MAX_EXAMPLES = 3

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

RUN = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run (CI reproducible)
    deadline=timedelta(seconds=10),  # one request; generous for a loaded two-core machine
    suppress_health_check=list(HealthCheck),
    database=None,  # no example database: nothing from an earlier run changes this one
    print_blob=False,
)

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]


def _operations() -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    results: list[Any] = list(schema.get_all_operations())
    return [result.ok() for result in results]


@pytest.fixture(autouse=True)
def _connection_kept_open() -> Iterator[None]:
    """The WSGI handler closes the database connection when a request starts and finishes; the
    test's transaction lives on it (Django's test client disconnects the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _run_all(call: Callable[[Any], None]) -> list[str]:
    """Every operation, valid and invalid input; the failures, one line per operation."""
    failures: list[str] = []
    operations = _operations()
    sent: dict[str, int] = {}

    def counted(case: Any) -> None:
        key = f"{case.method} {case.path}"
        sent[key] = sent.get(key, 0) + 1
        call(case)

    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @RUN
        @given(case=strategy)
        def run(case: Any) -> None:
            counted(case)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    # Not vacuous: every operation was called, each several times.
    assert len(operations) > 60 and len(sent) == len(operations), sorted(sent)
    assert min(sent.values()) >= 2, sent
    return failures


def test_signed_in_no_server_error_and_nothing_outside_the_schema(naiman: Any) -> None:
    """As the demo 领导小组办公室 (``demo_staff``: every case of the county, uses the API)."""
    call_command("demo_staff", verbosity=0)
    token = Token.objects.get_or_create(user=Staff.objects.get(username="office"))[0].key

    def call(case: Any) -> None:
        cache.clear()  # the per-user API throttle counts this run's requests too
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

    failures = _run_all(call)
    Path(os.environ.get("FENGQIAO_VAR_DIR", "."), "schemathesis-signed-in.txt").write_text("\n\n".join(failures))
    assert not failures, "\n\n".join(failures)


def test_not_signed_in_every_answer_is_documented(naiman: Any) -> None:
    def call(case: Any) -> None:
        cache.clear()
        case.call_and_validate(checks=CHECKS)

    failures = _run_all(call)
    assert not failures, "\n\n".join(failures)
