"""What one registration costs (issue 12 §1): the SQL statements of a registration through the
API and through the intake page are counted and kept few, the response is built from what was
written (nothing is read back after the case is inserted), the case number is taken last and
stays gap-free, and SQLite keeps its statistics current by itself."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.cases.models import Case, CaseNumbering
from fengqiao.cases.services import case_register
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake, intake_data
from fengqiao.core.identifiers import resident_id_check_char
from fengqiao.org.models import Staff

# Statements of one registration, counted as the test client sees them (authentication,
# validation, the writes, savepoints). PostgreSQL adds the savepoint around a new payer's
# insert (two clerks registering the same new person at once); SQLite runs write transactions
# one at a time and needs none. The township, categories and informed department are checked
# against the kept set-up (core.setup_cache), read once per process. Before issue 12: 33
# (review), 41 (own), 27 (page). Issue 14 adds one INSERT: the payer's query code (查询码,
# fengqiao.portal), made with every case.
API_REVIEW = 17
API_OWN = 23
API_INFORM = 18
PAGE_REVIEW = 20


def id_number(n: int) -> str:
    first17 = f"15052519800101{n:03d}"
    return first17 + resident_id_check_char(first17)


def body(n: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "payer_kind": "person",
        "payer_name": "赵敏",
        "payer_group": "flexible",
        "id_number": id_number(n),
        "phone": "13912345678",
        "address": "大沁他拉镇团结路8号",
        "channel": "window",
        "received_at": timezone.localtime().isoformat(),
        "township": "150525100",
        "categories": ["04", "03"],
        "summary": "对2026年灵活就业人员养老保险缴费金额有异议",
        "claims": "重新核定",
        "disputed_amount": "1200.00",
        "outcome": IntakeOutcome.REVIEW,
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(intake_clerk: Staff) -> APIClient:
    token, _created = Token.objects.get_or_create(user=intake_clerk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.post("/api/v1/cases/", body(0), format="json")  # warm-up: content types, the year's counter
    return client


def _nothing_read_after_the_insert(queries: CaptureQueriesContext) -> None:
    """From the case's INSERT on, only writes and savepoints: the response is not read back."""
    sqls = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    first = next(i for i, sql in enumerate(sqls) if sql.startswith('INSERT INTO "CASES_CASE" '))
    reads = [sql[:80] for sql in sqls[first:] if sql.startswith("SELECT")]
    assert not reads, reads


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "most"),
    [(IntakeOutcome.REVIEW, API_REVIEW), (IntakeOutcome.OWN, API_OWN), (IntakeOutcome.INFORM, API_INFORM)],
)
def test_api_registration_statements(api: APIClient, outcome: str, most: int) -> None:
    extra = {"informed_department": "hrss", "informed_note": "请前往人社局"} if outcome == IntakeOutcome.INFORM else {}
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/cases/", body(1, outcome=outcome, **extra), format="json")
    assert response.status_code == 201, response.content
    assert len(queries) <= most, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    _nothing_read_after_the_insert(queries)
    # The response is the case as stored, built from what was written.
    data = response.json()
    case = Case.objects.get(number=data["number"])
    assert data["categories"] == ["03", "04"]
    assert [d["role"] for d in data["departments"]] == ["receiving"]
    stored = list(case.events.order_by("at", "id").values_list("kind", flat=True))
    assert [e["kind"] for e in data["timeline"]] == stored
    assert data["state"] == case.state and data["due_on"] == (case.due_on.isoformat() if case.due_on else None)
    assert data["payer"]["id_masked"].endswith("****") or "*" in data["payer"]["id_masked"]


@pytest.mark.django_db
def test_repeat_payer_costs_no_more(api: APIClient) -> None:
    """A payer seen before is found by the blind index: no insert of the identity."""
    api.post("/api/v1/cases/", body(2), format="json")
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/cases/", body(2), format="json")
    assert response.status_code == 201
    assert len(queries) <= API_REVIEW - 1


@pytest.mark.django_db
def test_page_registration_statements(client_for: Callable[[Staff], Any], intake_clerk: Staff) -> None:
    client = client_for(intake_clerk)

    def form(n: int) -> dict[str, Any]:
        return {**body(n), "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}

    assert client.post("/cases/new/", form(3)).status_code == 302  # warm-up
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/cases/new/", form(4))
    assert response.status_code == 302
    assert len(queries) <= PAGE_REVIEW, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    _nothing_read_after_the_insert(queries)
    number = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert Case.objects.filter(number=number).exists()


@pytest.mark.django_db
def test_number_is_taken_last_and_without_gaps(intake_clerk: Staff) -> None:
    """The counter is advanced by the last statements of the registration (its row lock is held
    only to the commit); numbers follow each other, and a year's first case opens its row."""
    first = intake(intake_clerk, id_number=id_number(5))
    with CaptureQueriesContext(connection) as queries:
        second = intake(intake_clerk, id_number=id_number(6))
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert "casenumbering" in writes[-2].lower() and writes[-2].upper().startswith("UPDATE")
    assert writes[-1].upper().startswith('UPDATE "CASES_CASE" SET "NUMBER"')
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1
    second.refresh_from_db()
    assert second.number.startswith(f"150525-{timezone.localdate().year}-")

    last_year = timezone.localdate().year - 1
    data = intake_data(intake_clerk, id_number=id_number(7))
    data.received_at = timezone.now().replace(year=last_year, month=12, day=1)
    earlier = case_register(actor=intake_clerk, data=data)
    assert earlier.number == f"150525-{last_year}-000001"
    assert CaseNumbering.objects.get(jurisdiction=intake_clerk.jurisdiction, year=last_year).last == 1


def test_sqlite_keeps_its_statistics(tmp_path: Path, django_db_blocker: Any) -> None:
    """A connection analyses, when it closes, the tables its queries used that lack statistics
    (PRAGMA optimize), so no one has to remember ANALYZE; the statistics are full ones (no
    analysis limit: sampled ones picked the wrong index of cases_case at a million cases)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    settings = {**connections["default"].settings_dict, "NAME": str(tmp_path / "stats.sqlite3")}
    wrapper = type(connections["default"])(settings, alias="stats")
    with django_db_blocker.unblock(), wrapper.cursor() as cursor:
        assert cursor.execute("PRAGMA analysis_limit").fetchone()[0] == 0
        cursor.execute("CREATE TABLE t (id integer primary key, k integer)")
        cursor.execute("CREATE INDEX t_k ON t (k)")
        cursor.executemany("INSERT INTO t (k) VALUES (?)", [(i % 50,) for i in range(2000)])
        cursor.execute("SELECT count(*) FROM t WHERE k = 7").fetchone()
    wrapper.close()
    # Read with a plain connection: the app's own would run PRAGMA optimize when it opens, and
    # could write the statistics itself (SQLite 3.46+), passing without the close hook.
    plain = sqlite3.connect(settings["NAME"])
    try:
        stats = plain.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 't'").fetchall()
    finally:
        plain.close()
    assert ("t_k",) in stats


@pytest.mark.django_db
def test_returned_case_relations_stay_the_cases_own(intake_clerk: Staff) -> None:
    """The rows handed back (``written_rows``) are this case's; the relations themselves read
    afresh, so filtering them reads this case's rows, never another case's (the 12345 intake
    filters the events), and what is added later is seen (an attachment after registration)."""
    first = intake(intake_clerk, id_number=id_number(8))
    second = intake(intake_clerk, id_number=id_number(9), outcome=IntakeOutcome.OWN)
    assert [e.kind for e in second.events.all()] == ["registered", "task"]
    assert list(second.events.filter(kind="registered").values_list("case_id", flat=True)) == [second.pk]
    assert set(second.categories.filter(code="04").values_list("code", flat=True)) == {"04"}
    assert first.events.count() == 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.cases.services import attachment_add

    attachment_add(
        case=second,
        actor=intake_clerk,
        upload=SimpleUploadedFile("凭证.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf"),
        kind="evidence",
    )
    assert [a.original_name for a in second.attachments.all()] == ["凭证.pdf"]


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", [IntakeOutcome.REVIEW, IntakeOutcome.OWN, IntakeOutcome.INFORM])
def test_registration_answer_is_the_detail_serializers(api: APIClient, intake_clerk: Staff, outcome: str) -> None:
    """The 201 written out by hand (``case_detail_data``) is what the case's detail endpoint
    serialises once the case is read back, key for key — with a link to an earlier case too."""
    earlier = api.post("/api/v1/cases/", body(10), format="json").json()["number"]
    extra = {"informed_department": "hrss", "informed_note": "请前往人社局"} if outcome == IntakeOutcome.INFORM else {}
    created = api.post("/api/v1/cases/", body(11, outcome=outcome, link_to=[earlier], **extra), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["links"] == [earlier]
    again = api.get(f"/api/v1/cases/{data['number']}/").json()
    assert list(data) == list(again)
    assert data == again


@pytest.mark.django_db
def test_submitted_forms_share_the_countys_fields(intake_clerk: Staff) -> None:
    """A submitted intake form validates with the county's fields built once per process (no
    deep copy of its 28 fields per request); a form that is shown gets its own copy, so the
    widgets it changes (live validation) never reach the shared ones; and the choices are still
    read at each validation, so a category withdrawn in the admin is refused at once."""
    from fengqiao.cases.forms import IntakeForm
    from fengqiao.cases.models import DisputeCategory

    data = {**body(10), "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    first, second = IntakeForm(data=data, user=intake_clerk), IntakeForm(data=data, user=intake_clerk)
    assert first.fields is not second.fields
    assert all(first.fields[name] is second.fields[name] for name in first.fields)
    assert first.is_valid(), first.errors

    shown = IntakeForm(data=data, user=intake_clerk)
    shown.is_valid()  # as the page does before showing a refused form again
    shown.live_validation("/cases/new/validate/")
    assert all(shown.fields[name] is not first.fields[name] for name in shown.fields)
    assert "hx-post" in str(shown["payer_name"])
    assert "hx-post" not in first.fields["payer_name"].widget.attrs
    blank = IntakeForm(user=intake_clerk)
    assert all(blank.fields[name] is not first.fields[name] for name in blank.fields)
    townships = [list(f.fields["township"].queryset) for f in (blank, first)]  # type: ignore[attr-defined]
    assert townships[0] == townships[1]

    withdrawn = DisputeCategory.objects.get(code="03")
    withdrawn.active = False
    withdrawn.save()  # as the admin does: the kept set-up is cleared (core.setup_cache)
    again = IntakeForm(data=data, user=intake_clerk)
    assert not again.is_valid()
    assert "categories" in again.errors
