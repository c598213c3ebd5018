"""Building blocks for the portal's tests (A's): a solved ALTCHA challenge (solved here in
Python with the ``altcha`` library, as a browser's widget would: the check stays on), a valid
filing, a private cache per test (rate counts and ALTCHA replays never leak between tests or
other test runs sharing the file cache)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from altcha.v2 import Payload, solve_challenge
from altcha_django import build_challenge
from django.test import Client

from fengqiao.core.identifiers import resident_id_check_char


def altcha_payload() -> str:
    """A solved challenge of the server's own signing (a low cost: the test's time)."""
    challenge = build_challenge(cost=1, counter=3)
    solution = solve_challenge(challenge)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def id_number(n: int) -> str:
    first17 = f"15052519800101{n:03d}"
    return first17 + resident_id_check_char(first17)


def filing(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid online filing of a person (POST body)."""
    data: dict[str, Any] = {
        "payer_kind": "person",
        "payer_name": "赵敏",
        "payer_group": "flexible",
        "id_number": id_number(n),
        "phone": "13912345678",
        "address": "大沁他拉镇团结路8号",
        "township": "150525100",
        "categories": ["04"],
        "summary": "对2026年灵活就业人员养老保险缴费金额有异议",
        "claims": "重新核定",
        "submission": secrets.token_urlsafe(24),
        "altcha": altcha_payload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def file_online(client: Client, n: int = 1, **overrides: Any) -> Any:
    return client.post("/payer/file/", filing(n, **overrides))


def number_from(response: Any) -> str:
    """The case number of a redirect to the filed page."""
    match = re.search(r"/payer/filed/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def without_token(html: str) -> str:
    """A page's text without its per-response CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.fixture(autouse=True)
def private_cache(settings: Any) -> Iterator[None]:
    """This test's own cache: rate counts and ALTCHA replays of nobody else."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": secrets.token_hex(8)}
    }
    yield
