"""Abuse (issue 14 §3): rate limits per client address and per case number on filing, lookup
and SMS codes (django-ratelimit, FENGQIAO_PORTAL_RATES) answer 429 the same for any number;
the ALTCHA proof of work on filing is checked and a used one is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from fengqiao.cases.models import Case
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.portal.tests.helpers import altcha_payload, file_online, private_cache, without_token

__all__ = ["private_cache"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(naiman: Jurisdiction, intake_clerk: Staff) -> Jurisdiction:
    return naiman


def _rates(settings: Any, **rates: str) -> None:
    settings.FENGQIAO_PORTAL_RATES = {**settings.FENGQIAO_PORTAL_RATES, **rates}


def test_lookup_limited_per_address(county: Jurisdiction, client: Client, settings: Any) -> None:
    """Rate limit per client address (core.signin.client_ip) on lookup: over it, 429 — the
    same page whatever number was asked."""
    _rates(settings, lookup_ip="3/h")
    answers = [client.post("/payer/lookup/", {"number": f"150525-2026-00000{n}", "code": "ABCDEFGH"}) for n in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert without_token(answers[3].content.decode()) == without_token(answers[4].content.decode())
    assert "请求过于频繁" in answers[3].content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert other_address.post("/payer/lookup/", {"number": "x", "code": "y"}).status_code == 200


def test_lookup_limited_per_number(county: Jurisdiction, settings: Any) -> None:
    """Rate limit per case number, whatever the address (a distributed guess at one case)."""
    _rates(settings, lookup_number="2/h")
    codes = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/payer/lookup/", {"number": "150525-2026-000001", "code": "ABCDEFGH"})
        for n in range(3)
    ]
    assert [a.status_code for a in codes] == [200, 200, 429]
    assert (
        Client(REMOTE_ADDR="10.0.0.99")
        .post("/payer/lookup/", {"number": "150525-2026-000002", "code": "A"})
        .status_code
        == 200
    )


def test_sms_requests_limited(county: Jurisdiction, client: Client, settings: Any) -> None:
    """Issue 14 §3: SMS-code requests limited per case number and per address (they cost money
    and reach a phone)."""
    _rates(settings, sms_number="2/h")
    answers = [client.post("/payer/lookup/sms/", {"step": "send", "number": "150525-2026-000001"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    _rates(settings, sms_ip="1/h")
    assert Client(REMOTE_ADDR="10.1.1.1").post("/payer/lookup/sms/", {"step": "send", "number": "1"}).status_code == 200
    assert Client(REMOTE_ADDR="10.1.1.1").post("/payer/lookup/sms/", {"step": "send", "number": "2"}).status_code == 429


def test_filing_limited_per_address(county: Jurisdiction, client: Client, settings: Any) -> None:
    """Issue 14 §3: filing limited per client address; over it 429 and nothing filed."""
    _rates(settings, file_ip="2/h")
    answers = [file_online(client, n) for n in range(1, 4)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert Case.objects.count() == 2


def test_filing_needs_the_challenge(county: Jurisdiction, client: Client) -> None:
    """ALTCHA proof of work (offline, altcha-django): without it the form is refused beside the
    challenge, and nothing is filed."""
    response = file_online(client, altcha="")
    assert response.status_code == 400
    assert 'id="err-altcha"' in response.content.decode()
    forged = file_online(client, altcha="eyJ4IjogMX0=")
    assert forged.status_code == 400
    assert not Case.objects.exists()


def test_used_challenge_refused(county: Jurisdiction, client: Client) -> None:
    """A solved challenge counts once (replay protection through the shared cache): a second
    form with another submission key but the same solution is refused."""
    payload = altcha_payload()
    assert file_online(client, 1, altcha=payload).status_code == 302
    again = file_online(client, 2, altcha=payload)
    assert again.status_code == 400 and Case.objects.count() == 1


def test_challenge_widget_runs_under_the_csp(county: Jurisdiction, client: Client) -> None:
    """docs/security.md: the widget's script is our static file (script-src 'self'); only the
    filing page lets it start its proof-of-work worker from a blob: URL and add its own style
    element with the page's nonce. Every other payer page keeps the strict policy."""
    page = client.get("/payer/file/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "worker-src 'self' blob:" in policy
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", policy)
    assert nonce and f'<meta name="csp-nonce" content="{nonce.group(1)}">' in page.content.decode()
    assert '<script type="module" src="/static/altcha_django/altcha.min.js"></script>' in page.content.decode()
    assert "<altcha-widget" in page.content.decode()
    other = client.get("/payer/lookup/")["Content-Security-Policy"]
    assert "worker-src" not in other and "nonce" not in other
