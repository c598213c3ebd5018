"""Fixtures of the archive tests: stored files in a temporary folder; an informed case (the
short path of 四(一)) with an issued notice and an attachment, ready to archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.cases.models import Case
from fengqiao.cases.services import attachment_add
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents import fonts, registry
from fengqiao.documents.services import document_issue
from fengqiao.org.models import Jurisdiction, Staff


@pytest.fixture(autouse=True)
def file_storage(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    return tmp_path / "files"


@pytest.fixture(autouse=True)
def _fonts_cache_clear() -> Any:
    fonts.fonts_cache_clear()
    yield
    fonts.fonts_cache_clear()


def informed(clerk: Staff, county: Jurisdiction, *, notice: bool = True, attachment: bool = True) -> Case:
    case = intake(
        clerk,
        outcome=IntakeOutcome.INFORM,
        informed_department=county.departments.get(code="hrss"),
        informed_note="请携带身份证原件。",
    )
    if notice:
        document_issue(doc_type=registry.INFORM_NOTICE, case=case, actor=clerk)
    if attachment:
        upload = SimpleUploadedFile("证据.pdf", b"%PDF-1.4\n% evidence\n%%EOF\n", content_type="application/pdf")
        attachment_add(case=case, actor=clerk, upload=upload, kind="evidence")
    return case


@pytest.fixture
def informed_case(intake_clerk: Staff, naiman: Jurisdiction) -> Case:
    """Not the tax bureau's duty: the payer was told in writing to go to 人社局 (四(一))."""
    return informed(intake_clerk, naiman)
