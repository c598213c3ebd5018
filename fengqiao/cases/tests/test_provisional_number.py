"""The case number is taken by the last statements of a registration (issue 12 §1: the
counter's lock is held only for the commit); until then the case carries a provisional
``~<16 hex>``. Nothing written during the registration may keep it: a timeline row, a message
in the outbox, an attachment's stored name or any other column holding the provisional number
would outlive the case's real number (DOMAIN.md: the case number is how every party finds the
matter). Every column of every model is read after each way in, so a new receiver or service
that copies ``case.number`` too early is caught here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.test_intake_cost import body
from fengqiao.org.models import Staff

PROVISIONAL = re.compile(r"~[0-9a-f]{16}")
TEXT = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _provisional_left(storage: Path) -> list[str]:
    found = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT)]
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *fields):
            for name, value in zip(["pk", *fields], row, strict=True):
                if value is not None and PROVISIONAL.search(str(value)):
                    found.append(f"{model._meta.label}#{row[0]}.{name}")
    found += [str(p) for p in storage.rglob("*") if PROVISIONAL.search(p.name)]
    return found


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", [IntakeOutcome.REVIEW, IntakeOutcome.OWN, IntakeOutcome.INFORM])
def test_no_row_or_file_keeps_the_provisional_number(intake_clerk: Staff, storage: Path, outcome: str) -> None:
    token, _created = Token.objects.get_or_create(user=intake_clerk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    extra = {"informed_department": "hrss", "informed_note": "请前往人社局"} if outcome == IntakeOutcome.INFORM else {}
    upload = SimpleUploadedFile("缴费凭证.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf")
    response = api.post(
        "/api/v1/cases/",
        {**body(8, outcome=outcome, **extra), "attachments": [upload], "attachment_kind": "evidence"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert not PROVISIONAL.search(response.content.decode())
    assert _provisional_left(storage) == []


@pytest.mark.django_db
def test_a_12345_work_order_keeps_no_provisional_number(
    hotline_officer: Staff, storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The 12345 receiver registers the case and reports its steps to the platform's outbox
    in the same transaction (四(八)): the reported number is the real one."""
    from fengqiao.integrations.models import Endpoint, OutboxMessage
    from fengqiao.integrations.tests.test_hotline_api import URL
    from fengqiao.integrations.tests.test_hotline_api import body as work_order

    Endpoint.objects.create(name="12345", url="https://12345.example.org/status", secret="k")
    token, _created = Token.objects.get_or_create(user=hotline_officer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, work_order(), format="json")
    assert response.status_code == 201, response.content
    assert OutboxMessage.objects.exists()
    assert _provisional_left(storage) == []
