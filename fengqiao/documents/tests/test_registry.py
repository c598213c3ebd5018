"""The registry the apps fill: an app's ``documents.py`` registers its forms (and adds to
other apps' forms), the normal service issues them, and ``fengqiao.documents`` imports no app
above it (issue 16 §2)."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.storage import default_storage

from fengqiao.cases.models import Case
from fengqiao.documents import registry, selectors
from fengqiao.documents.render import document_render
from fengqiao.documents.services import document_issue
from fengqiao.documents.tests import pdfcheck
from fengqiao.org.models import Staff

DOCUMENTS = Path(__file__).resolve().parents[1]
FENGQIAO = DOCUMENTS.parent
NOTE_APP = "fengqiao.documents.tests.noteapp"
# The apps below documents: it may import these and no other app of the project.
BELOW = {"cases", "core", "org", "audit"}


@pytest.fixture
def note_app(settings: Any) -> Iterator[ModuleType]:
    """The stand-in app's ``documents.py`` imported as ``DocumentsConfig.ready`` imports an
    installed app's, its template folder on the template path; unregistered afterwards."""
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {**engine, "DIRS": [*engine["DIRS"], DOCUMENTS / "tests" / "noteapp" / "templates"]},
        *settings.TEMPLATES[1:],
    ]
    sys.modules.pop(f"{NOTE_APP}.documents", None)
    module = importlib.import_module(f"{NOTE_APP}.documents")
    yield module
    registry.unregister(module.HEARING_NOTE)
    sys.modules.pop(f"{NOTE_APP}.documents", None)


def _pdf(document: Any) -> bytes:
    with default_storage.open(document.pdf.name, "rb") as fh:
        data: bytes = fh.read()
    return data


@pytest.mark.django_db
def test_a_form_of_another_app_is_offered_and_issued_by_the_normal_service(
    frozen_time: Any, intake_clerk: Staff, routed_case: Case, note_app: ModuleType
) -> None:
    frozen_time("2026-11-26 10:00")
    code = note_app.HEARING_NOTE
    assert code in [t.code for t in selectors.issuable_types(user=intake_clerk, case=routed_case)]
    document = document_issue(doc_type=code, case=routed_case, actor=intake_clerk)
    assert (document.number, document.title) == ("奈争听〔2026〕1号", "社会保险费征缴争议听证通知书")
    assert document.department == routed_case.receiving_department and not document.personal_data
    text = "".join(pdfcheck.text_of(_pdf(document)).split())
    assert "奈争听〔2026〕1号" in text and routed_case.number in text and note_app.HEARING_PLACE in text
    # Like every form issued once per version of its case: asking again gives the same one.
    assert document_issue(doc_type=code, case=routed_case, actor=intake_clerk).pk == document.pk


@pytest.mark.django_db
def test_another_app_adds_to_a_form_and_lets_its_staff_issue_it(
    intake_clerk: Staff, group_leader: Staff, routed_case: Case, note_app: ModuleType
) -> None:
    code = note_app.HEARING_NOTE
    registry.context_add(code, lambda case, issue: {"place": "奈曼旗司法局二楼"})
    assert "奈曼旗司法局二楼" in document_render(doc_type=code, subject=routed_case).text
    # The group leader reads the case but issues nothing of it, until an app says otherwise.
    kind = registry.get(code)
    with pytest.raises(PermissionDenied):
        document_issue(doc_type=code, case=routed_case, actor=group_leader)
    registry.issuer_add(code, lambda staff, case: staff.pk == group_leader.pk)
    assert document_issue(doc_type=code, case=routed_case, actor=group_leader).issued_by == group_leader
    assert kind in selectors.issuable_types(user=group_leader, case=routed_case)


def test_a_code_is_registered_once(note_app: ModuleType) -> None:
    taken = registry.get(note_app.HEARING_NOTE)
    registry.register(taken)  # the same form again (a module imported twice): nothing changes
    with pytest.raises(ImproperlyConfigured):
        registry.register(
            registry.DocumentType(taken.code, "另一文书", registry.SubjectKind.CASE, lambda c, i: {}, "{seq}")
        )
    assert registry.get(taken.code) is taken


def test_the_apps_forms_are_offered_in_the_order_of_the_mechanism() -> None:
    """The case page and the API list the case forms in registration order: the intake forms of
    documents, then each app's in ``INSTALLED_APPS`` order."""
    assert [t.code for t in registry.for_subject(registry.SubjectKind.CASE)] == [
        registry.INTAKE_FORM,
        registry.RECEIPT_NOTICE,
        registry.INFORM_NOTICE,
        registry.DECISION_NOTICE,
        registry.REFERRAL_FORM,
        registry.DISCIPLINE_TRANSFER_LETTER,
        registry.DELIVERY_RECEIPT,
        registry.DOSSIER_COVER,
        registry.DOSSIER_CONTENTS,
    ]
    assert [t.code for t in registry.for_subject(registry.SubjectKind.CONSULTATION)] == [registry.MINUTES]


def _imported_apps(path: Path) -> Iterator[tuple[int, str]]:
    """(line, app) of every import of a project app in ``path``, wherever it stands (module
    level, inside a function, under ``TYPE_CHECKING``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "fengqiao":  # from fengqiao import handling
                names = [f"fengqiao.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "fengqiao" and len(parts) > 1 and (FENGQIAO / parts[1] / "apps.py").exists():
                yield node.lineno, parts[1]


def test_documents_imports_no_app_above_it() -> None:
    modules = [p for p in DOCUMENTS.rglob("*.py") if not {"tests", "migrations"} & set(p.relative_to(DOCUMENTS).parts)]
    assert DOCUMENTS / "registry.py" in modules and DOCUMENTS / "services.py" in modules
    upward = [
        f"{path.relative_to(FENGQIAO.parent)}:{line} imports fengqiao.{app}"
        for path in modules
        for line, app in _imported_apps(path)
        if app not in BELOW | {"documents"}
    ]
    assert upward == []
