"""Personal data only where it must be — the scan (五(三) 落实保密责任; issue 13 "Done when").

After a realistic run — two payers registered with ID number, phone and address, one through
the API and one through the intake page; a decision notice delivered by SMS through the outbox
and the SMS sent; the 受理登记表 and the 送达回证 issued; a dossier sealed and its export package
made; every log record captured at DEBUG — the raw bytes of the SQLite database file (on
PostgreSQL: every text column of every table), the logs, every file of the file store as
stored, and the export package's place at rest hold none of the ID numbers, phone numbers or
addresses in plain text. The approved places hold them encrypted (SM4-GCM columns and files),
so the plain value appears nowhere.

The export package itself holds the registration form in plain text by design (a release
that leaves the system); it is made in memory, handed over and never written on the server.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case
from fengqiao.cases.states import IntakeOutcome
from fengqiao.core import crypto
from fengqiao.documents.registry import INFORM_NOTICE, INTAKE_FORM
from fengqiao.documents.services import document_issue
from fengqiao.org.models import Jurisdiction, Staff

# Values used by no other test, so nothing left in the database by another test is found.
SECRETS = {
    "api id number": "150525197708082515",
    "api phone": "15647123987",
    "api address": "新镇幸福里巷17号院",
    "page id number": "150525198211234629",
    "page phone": "18647001234",
    "page address": "八仙筒镇和平街42号",
}


def _found(data: bytes) -> list[str]:
    return [label for label, value in SECRETS.items() if value.encode("utf-8") in data]


def _api(staff: Staff) -> APIClient:
    token, _created = Token.objects.get_or_create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _register_through_the_api(clerk: Staff) -> Case:
    body: dict[str, Any] = {
        "payer_kind": "person",
        "payer_name": "王五",
        "payer_group": "flexible",
        "id_number": SECRETS["api id number"],
        "phone": SECRETS["api phone"],
        "address": SECRETS["api address"],
        "channel": "window",
        "received_at": timezone.localtime().isoformat(),
        "township": "150525100",
        "categories": ["04"],
        "summary": "对2026年灵活就业人员养老保险缴费金额有异议",
        "claims": "按实际收入核定缴费基数",
        "outcome": IntakeOutcome.OWN,
    }
    response = _api(clerk).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return Case.objects.get(number=response.json()["number"])


def _register_through_the_page(client: Any) -> Case:
    data = {
        "payer_kind": "person",
        "payer_name": "赵六",
        "payer_group": "flexible",
        "id_number": SECRETS["page id number"],
        "phone": SECRETS["page phone"],
        "address": SECRETS["page address"],
        "channel": "window",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "township": "150525100",
        "categories": ["04"],
        "summary": "对灵活就业人员养老保险缴费金额有异议",
        "claims": "重新核定",
        "outcome": IntakeOutcome.INFORM,
        "informed_department": "hrss",
        "informed_note": "请携带身份证原件。",
    }
    response = client.post(reverse("case-intake"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.order_by("-id")[0]


def _decide(case: Case, clerk: Staff, handler: Staff, chief: Staff) -> None:
    from fengqiao.handling import services as handling
    from fengqiao.handling.tests.handling_helpers import complete, decision_draft, task_of

    decision = decision_draft(case, clerk)
    complete(task_of(case, "tax"), handler, chief)
    handling.decision_issue(decision=decision, actor=chief)


def _export_package(dossier: Any) -> bytes:
    try:
        from fengqiao.archive.package import dossier_export
    except ImportError:  # pragma: no cover - before the package module
        from fengqiao.archive.services import dossier_export
    data: bytes = dossier_export(dossier)
    return data


def _sqlite_bytes() -> bytes:
    """The database file as it lies on disk, with its write-ahead log moved into it."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal"), Path(f"{name}-journal")) if p.exists())


def _postgresql_hits() -> list[str]:
    """Every text, character and JSON column of every table, searched in SQL."""
    hits: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        )
        columns = cursor.fetchall()
        for table, column in columns:
            qn = connection.ops.quote_name
            for label, value in SECRETS.items():
                cursor.execute(
                    f"SELECT 1 FROM {qn(table)} WHERE {qn(column)}::text LIKE %s LIMIT 1",  # noqa: S608
                    [f"%{value}%"],
                )
                if cursor.fetchone():
                    hits.append(f"{table}.{column}: {label}")
    return hits


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_id_number_phone_or_address_at_rest_after_a_realistic_run(
    naiman: Jurisdiction,
    intake_clerk: Staff,
    tax_handler: Staff,
    department_head: Staff,
    client_for: Any,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    from django.test import override_settings

    from fengqiao.archive.services import dossier_seal
    from fengqiao.integrations.models import OutboxMessage
    from fengqiao.integrations.outbox import outbox_deliver

    caplog.set_level(logging.DEBUG)
    store = tmp_path / "files"
    default: dict[str, Any] = settings.STORAGES["default"]  # type: ignore[assignment]
    storages = {**settings.STORAGES, "default": {**default, "OPTIONS": {"location": str(store)}}}
    with override_settings(STORAGES=storages):
        # intake: the API and the page
        own = _register_through_the_api(intake_clerk)
        page = client_for(intake_clerk)
        informed = _register_through_the_page(page)
        # the registration forms and the notice, issued; an attachment of the informed case
        document_issue(doc_type=INTAKE_FORM, case=own, actor=intake_clerk)
        document_issue(doc_type=INTAKE_FORM, case=informed, actor=intake_clerk)
        document_issue(doc_type=INFORM_NOTICE, case=informed, actor=intake_clerk)
        # the decision, delivered by SMS through the outbox (the 送达回证 is issued with it)
        _decide(own, intake_clerk, tax_handler, department_head)
        own.refresh_from_db()
        delivered = _api(intake_clerk).post(
            f"/api/v1/cases/{own.number}/deliveries/",
            {"recipient": "payer", "method": "sms", "address": SECRETS["api phone"], "send_message": True},
            format="json",
        )
        assert delivered.status_code == 201, delivered.content
        assert SECRETS["api phone"] not in delivered.content.decode()  # masked in the answer too
        assert OutboxMessage.objects.filter(channel="sms").exists()
        assert outbox_deliver().delivered >= 1
        # the informed case sealed, its export package made (and handed over, not stored)
        dossier = dossier_seal(case=informed, actor=intake_clerk)
        package = _export_package(dossier)
        assert package.startswith(b"PK")
        # the pages and the API read masked
        detail = page.get(reverse("case-detail", args=[informed.number])).content
        assert _found(detail) == []

        files = [p for p in store.rglob("*") if p.is_file()]
        assert len(files) >= 6  # forms, notice, receipt (PDF and DOCX each), the archive store
        stored = {str(p.relative_to(store)): _found(p.read_bytes()) for p in files}
        assert {name: hits for name, hits in stored.items() if hits} == {}
        assert [name for name in stored if not crypto.is_encrypted_file((store / name).read_bytes())] == []
        assert not [p for p in files if p.suffix == ".zip"], "an export package was kept on the server"

    logged = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    assert _found(logged.encode("utf-8")) == [], "personal data in the logs"
    assert any("SMS" in record.getMessage() for record in caplog.records)  # the SMS line was logged

    if connection.vendor == "sqlite":
        raw = _sqlite_bytes()
        assert own.number.encode() in raw and informed.number.encode() in raw  # the run's rows are there
        assert _found(raw) == [], "plaintext in the SQLite database file"
    else:
        assert _postgresql_hits() == []
