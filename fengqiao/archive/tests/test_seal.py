"""案卷归档 (四(七)): sealing a dossier end to end, the archive number, retention, immutability."""

from __future__ import annotations

import io
import json
import re
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from fengqiao.archive.models import ArchiveSettings, Dossier, DossierItem, ItemKind, Retention, RetentionRule
from fengqiao.archive.package import dossier_export, package_verify
from fengqiao.archive.selectors import retention_for
from fengqiao.archive.services import archive_number_format, dossier_seal, dossier_verify
from fengqiao.archive.tests.conftest import informed
from fengqiao.cases import workflow
from fengqiao.cases.models import AppendOnlyError, Case, EventKind
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.crypto import sm3_hex
from fengqiao.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^150525-WS·20\d\d-D10-ZY-\d{4}$")


def test_an_informed_case_is_archived_end_to_end(informed_case, intake_clerk) -> None:
    """5. Short path: an informed case is sealed at once, with its notice, attachment, the
    timeline, the 案卷封面 and the 卷内目录, and moves to 已归档."""
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    case = Case.objects.get(pk=informed_case.pk)
    assert case.state == CaseState.ARCHIVED
    assert NUMBER.match(dossier.archive_number)
    assert dossier.retention == Retention.YEARS_10
    items = list(dossier.items.order_by("seq"))
    kinds = [i.kind for i in items]
    assert kinds.count(ItemKind.DOCUMENT) == 6  # cover, contents, inform notice: DOCX and PDF each
    assert ItemKind.ATTACHMENT in kinds and kinds[-1] == ItemKind.TIMELINE
    # The cover and contents were issued through the document engine, numbered.
    cover = IssuedDocument.objects.get(case=case, doc_type="dossier_cover")
    assert cover.number and items[0].sm3 == cover.pdf_sm3
    # Every file is stored in the dossier's folder with its digest; the manifest too.
    for item in items:
        assert item.file.name.startswith(dossier.folder + "/")
        with item.file.open("rb") as handle:
            assert sm3_hex(handle.read()) == item.sm3
    with default_storage.open(f"{dossier.folder}/manifest.json", "rb") as handle:
        raw = handle.read()
    assert sm3_hex(raw) == dossier.manifest_sm3
    assert json.loads(raw)["archive_number"] == dossier.archive_number
    assert len(dossier.manifest["items"]) == len(items)
    assert dossier_verify(dossier) == []
    # The timeline records the step and the sealing.
    kinds_on_timeline = list(case.events.values_list("kind", flat=True))
    assert kinds_on_timeline[-1] == EventKind.ARCHIVED
    assert case.events.filter(to_state=CaseState.ARCHIVED, data__transition="archive").exists()


def test_the_export_package_holds_the_files_and_an_xml_manifest(informed_case, intake_clerk) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    package = dossier_export(dossier)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        names = set(zf.namelist())
        root = ET.fromstring(zf.read("manifest.xml"))  # noqa: S314 - our own package
        assert sm3_hex(zf.read("manifest.json")) == root.get("manifest-sm3") == dossier.manifest_sm3
    assert root.get("archive-number") == dossier.archive_number
    entries = root.findall("./items/item")
    assert len(entries) == dossier.items.count()
    for entry in entries:
        assert entry.get("path") in names
        assert {"title", "sm3", "size"} <= set(entry.keys())
    assert package_verify(package) == []


def test_archive_numbers_follow_da_t_22_and_count_per_county_year_retention(intake_clerk, naiman) -> None:
    ArchiveSettings.objects.create(jurisdiction=naiman, fonds_code="A012", category_code="WS", organization_code="ZYB")
    first = dossier_seal(case=informed(intake_clerk, naiman, notice=False, attachment=False), actor=intake_clerk)
    second = dossier_seal(case=informed(intake_clerk, naiman, notice=False, attachment=False), actor=intake_clerk)
    year = first.sealed_at.year
    assert first.archive_number == f"A012-WS·{year}-D10-ZYB-0001"
    assert second.archive_number == f"A012-WS·{year}-D10-ZYB-0002"
    assert archive_number_format(fonds="A1", category="WS", year=2026, retention="Y", organization="BGS", seq=7) == (
        "A1-WS·2026-Y-BGS-0007"
    )


def test_retention_defaults_and_the_county_table(intake_clerk, naiman) -> None:
    """DOMAIN.md: D30 for major cases, D10 for general ones; the county's table overrides."""
    case = intake(intake_clerk, outcome=IntakeOutcome.REVIEW)
    case.classification = Classification.MAJOR
    assert retention_for(case) == Retention.YEARS_30
    case.classification = Classification.GENERAL
    assert retention_for(case) == Retention.YEARS_10
    informed_case = informed(intake_clerk, naiman, notice=False, attachment=False)
    assert retention_for(informed_case) == Retention.YEARS_10
    RetentionRule.objects.create(classification=Classification.GENERAL, retention=Retention.YEARS_30)
    assert retention_for(case) == Retention.YEARS_30
    RetentionRule.objects.create(
        jurisdiction=naiman, classification=Classification.GENERAL, retention=Retention.PERMANENT
    )
    assert retention_for(case) == Retention.PERMANENT
    RetentionRule.objects.create(jurisdiction=naiman, intake_outcome=IntakeOutcome.INFORM, retention=Retention.YEARS_30)
    assert retention_for(informed_case) == Retention.YEARS_30


def test_a_sealed_dossier_refuses_every_change(informed_case, intake_clerk) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    item = dossier.items.get(seq=1)
    dossier.title = "改"
    with pytest.raises(AppendOnlyError):
        dossier.save()
    with pytest.raises(AppendOnlyError):
        dossier.delete()
    with pytest.raises(AppendOnlyError):
        item.save()
    with pytest.raises(AppendOnlyError):
        item.delete()
    with pytest.raises(AppendOnlyError):
        Dossier.objects.filter(pk=dossier.pk).update(title="改")
    with pytest.raises(AppendOnlyError):
        DossierItem.objects.filter(dossier=dossier).delete()
    # Sealing again is refused, and the case cannot leave the archive.
    case = Case.objects.get(pk=informed_case.pk)
    with pytest.raises(ValidationError):
        dossier_seal(case=case, actor=intake_clerk)
    with pytest.raises(workflow.TransitionError):
        workflow.transition(case=case, name="merge", actor=intake_clerk, data={"reason": "x"})
    assert not any(CaseState.ARCHIVED in t.sources for t in workflow.TRANSITIONS.values())


def test_a_case_still_in_handling_is_not_archived(intake_clerk) -> None:
    case = intake(intake_clerk, outcome=IntakeOutcome.OWN)
    with pytest.raises(ValidationError):
        dossier_seal(case=case, actor=intake_clerk)
    assert not Dossier.objects.exists()


def test_only_the_receiving_department_seals(informed_case, group_leader, hrss_handler) -> None:
    for actor in (group_leader, hrss_handler):
        with pytest.raises(PermissionDenied):
            dossier_seal(case=informed_case, actor=actor)
    assert Case.objects.get(pk=informed_case.pk).state == CaseState.INFORMED
