"""Fixtures of the documents tests: stored files go to a temporary folder; a few cases in the
states the forms are made for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.documents import fonts
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


@pytest.fixture
def routed_case(intake_clerk: Staff, naiman: Jurisdiction) -> Case:
    """A general matter: tax bureau leads, 人社局 co-handles (四(二), 四(三)1)."""
    case = intake(intake_clerk, address="大沁他拉镇团结路8号")
    departments = {d.code: d for d in naiman.departments.all()}
    return case_review(
        case=case,
        actor=intake_clerk,
        classification=Classification.GENERAL,
        lead_department=departments["tax"],
        co_departments=[departments["medical"]],
    )


@pytest.fixture
def informed_case(intake_clerk: Staff, naiman: Jurisdiction) -> Case:
    """Not the tax bureau's duty: the payer is told in writing to go to 人社局 (四(一))."""
    hrss = naiman.departments.get(code="hrss")
    return intake(
        intake_clerk, outcome=IntakeOutcome.INFORM, informed_department=hrss, informed_note="请携带身份证原件。"
    )
