"""五(三) 落实保密责任 (issue 13 §1): the audit trail and every case timeline are keyed SM3 hash
chains; ``audit_verify`` names the first record changed, removed or inserted — also one changed
with raw SQL past the model, and a removed last record (against the checkpoint)."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.audit import chain
from fengqiao.audit.models import Action, AuditRecord, ChainHead
from fengqiao.audit.services import record
from fengqiao.audit.verify import Break, Report, checkpoint, record_fields, verify
from fengqiao.cases.models import AppendOnlyError, Case, CaseEvent, EventKind, RevealRecord
from fengqiao.cases.states import IntakeOutcome
from fengqiao.cases.tests.helpers import intake

pytestmark = pytest.mark.django_db


def sql(statement: str, params: list[Any] | None = None) -> None:
    """A write straight to the database, past every model and guard (what an intruder does)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def records(n: int, case: Case | None = None) -> list[AuditRecord]:
    """``n`` records in the system stream, or in ``case``'s county's stream."""
    return [record(Action.EXPORT, actor_name="x", case=case, summary=f"导出 {i}", detail={"rows": i}) for i in range(n)]


def note(case: Case, text: str) -> CaseEvent:
    return CaseEvent.objects.create(case=case, at=timezone.now(), kind=EventKind.NOTE, summary=text)


@pytest.fixture
def case(intake_clerk, naiman) -> Case:
    """A case with a timeline of five events: registered, informed, three notes."""
    hrss = naiman.departments.get(code="hrss")
    made = intake(intake_clerk, outcome=IntakeOutcome.INFORM, informed_department=hrss, informed_note="请前往人社局")
    for i in range(3):
        note(made, f"备注 {i}")
    return made


def only_break(report: Report) -> Break:
    assert not report.ok and report.first is not None
    return report.first


# --- a clean chain -------------------------------------------------------------------------


def test_a_clean_chain_verifies_and_the_command_says_so(case) -> None:
    records(3)
    assert list(case.events.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    report = verify()
    assert report.ok, [b.describe() for b in report.breaks]
    assert (report.cases, report.events, report.records) == (1, 5, 3)
    out = io.StringIO()
    call_command("audit_verify", "--checkpoint", stdout=out)
    assert "断裂 0 处" in out.getvalue() and "CHAIN_CHECK" in out.getvalue()
    assert verify().ok  # the checkpoint is itself a chained record


def test_the_verifier_reads_the_fields_the_record_links() -> None:
    entry = records(1)[0]
    from fengqiao.audit.verify import _RECORD_COLUMNS

    row = AuditRecord.objects.filter(pk=entry.pk).values_list(*_RECORD_COLUMNS).get()
    assert record_fields(row) == AuditRecord.objects.get(pk=entry.pk).chain_fields()


def test_an_event_costs_at_most_one_statement_more_and_none_when_the_head_is_known(case) -> None:
    """At most one statement more per event (the previous link); none for a case this
    transaction inserted or already wrote to (the registration's two or three events)."""
    connections["default"].__dict__.pop("_fengqiao_timeline_heads", None)  # as in a later request
    with CaptureQueriesContext(connection) as queries:
        note(case, "再记一笔")
    reads = [q["sql"] for q in queries.captured_queries if "INSERT" not in q["sql"]]
    assert len(reads) == 1  # the chain's head (the case is cached: no sealed-state read)
    with CaptureQueriesContext(connection) as queries:
        note(case, "又一笔")
    assert [q["sql"][:6] for q in queries.captured_queries] == ["INSERT"]
    assert list(case.events.order_by("seq").values_list("seq", flat=True)) == list(range(1, 8))


# --- audit records -------------------------------------------------------------------------


def test_an_audit_record_edited_with_raw_sql_is_named() -> None:
    made = records(4)
    sql("UPDATE audit_auditrecord SET summary = %s WHERE id = %s", ["改过", made[1].pk])
    brk = only_break(verify())
    assert (brk.chain, brk.what, brk.seq, brk.record_id) == ("audit", "changed", 2, made[1].pk)
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_an_audit_record_removed_from_the_middle_is_named() -> None:
    made = records(4)
    sql("DELETE FROM audit_auditrecord WHERE id = %s", [made[1].pk])
    brk = only_break(verify())
    assert (brk.what, brk.seq, brk.record_id) == ("removed", 3, made[2].pk)


def test_the_last_audit_record_removed_is_found_by_the_streams_head(case) -> None:
    made = records(3, case)
    sql("DELETE FROM audit_auditrecord WHERE id = %s", [made[-1].pk])
    brk = only_break(verify())
    assert (brk.what, brk.chain_id, brk.seq) == ("removed", made[-1].stream, made[-1].seq)


def test_the_last_audit_record_removed_and_the_head_rewound_is_found_by_the_checkpoint(case) -> None:
    made = records(3, case)  # the county's stream: the checkpoint goes to the system stream
    checkpoint(verify())
    last = made[-1]
    sql("DELETE FROM audit_auditrecord WHERE id = %s", [last.pk])
    # The tracks covered in the unkeyed head row too: the checkpoint still holds the old tail.
    ChainHead.objects.filter(stream=last.stream).update(seq=made[1].seq, link=made[1].link)
    brk = only_break(verify())
    assert (brk.what, brk.chain_id, brk.seq) == ("checkpoint", last.stream, last.seq)


def test_an_audit_record_inserted_is_named() -> None:
    made = records(3)
    fake = AuditRecord.objects.get(pk=made[1].pk)
    sql("UPDATE audit_auditrecord SET seq = seq + 10 WHERE id = %s", [made[2].pk])
    fake.pk, fake.seq, fake.summary = None, 3, "插入"
    fake.prev = made[1].link
    fake.link = "f" * 64
    fake.save(force_insert=True)
    sql("UPDATE audit_auditrecord SET seq = 4 WHERE id = %s", [made[2].pk])
    ChainHead.objects.filter(stream=fake.stream).update(seq=4)
    brk = only_break(verify())
    assert (brk.what, brk.seq, brk.record_id) == ("inserted", 3, fake.pk)


def test_update_and_delete_past_the_model_are_refused_for_every_append_only_model(case) -> None:
    """五(三): ``QuerySet.update()`` no longer passes the append-only guard (issue 13 §1)."""
    from fengqiao.archive.models import Dossier, DossierItem
    from fengqiao.documents.models import IssuedDocument
    from fengqiao.handling.models import FollowUpNotice, LegalReview

    records(1)
    for model in (CaseEvent, RevealRecord, FollowUpNotice, LegalReview, Dossier, DossierItem, IssuedDocument):
        with pytest.raises(AppendOnlyError):
            model.objects.filter(pk=0).update(pk=0)
        with pytest.raises(AppendOnlyError):
            model.objects.filter(pk=0).delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.update(summary="x")
    with pytest.raises(AppendOnlyError):
        case.events.all().delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).update(summary="x")


# --- case timelines ------------------------------------------------------------------------


def test_a_timeline_event_updated_with_raw_sql_is_named(case) -> None:
    third = case.events.get(seq=3)
    sql("UPDATE cases_caseevent SET summary = %s WHERE id = %s", ["改过", third.pk])
    brk = only_break(verify())
    assert (brk.chain, brk.what, brk.chain_id, brk.seq, brk.record_id) == ("case", "changed", case.pk, 3, third.pk)


def test_a_timeline_event_removed_from_the_middle_is_named(case) -> None:
    third = case.events.get(seq=3)
    sql("DELETE FROM cases_caseevent WHERE id = %s", [third.pk])
    brk = only_break(verify())
    assert (brk.what, brk.seq) == ("removed", 4)


def test_a_timelines_last_events_removed_after_a_checkpoint_are_found(case) -> None:
    checkpoint(verify())
    sql("DELETE FROM cases_caseevent WHERE case_id = %s AND seq >= 4", [case.pk])
    brk = only_break(verify())
    assert brk.what == "checkpoint"


def test_a_timeline_event_inserted_is_named(case) -> None:
    sql("UPDATE cases_caseevent SET seq = seq + 100 WHERE case_id = %s AND seq >= 3", [case.pk])
    sql("UPDATE cases_caseevent SET seq = seq - 99 WHERE case_id = %s AND seq >= 100", [case.pk])
    second = case.events.get(seq=2)
    sql(
        "INSERT INTO cases_caseevent (case_id, at, actor_id, kind, from_state, to_state, summary, data, seq, key_id,"
        " link) SELECT case_id, at, actor_id, kind, from_state, to_state, %s, data, 3, key_id, %s"
        " FROM cases_caseevent WHERE id = %s",
        ["插入", "e" * 64, second.pk],
    )
    inserted = case.events.get(seq=3)
    brk = only_break(verify())
    assert (brk.what, brk.seq, brk.record_id) == ("inserted", 3, inserted.pk)


def test_one_county_or_one_kind_can_be_verified_alone(case, naiman) -> None:
    sql("UPDATE cases_caseevent SET summary = 'x' WHERE case_id = %s AND seq = 2", [case.pk])
    assert only_break(verify(records=False)).chain == "case"
    assert verify(cases=False).ok
    assert not verify(county=naiman).ok
    with pytest.raises(CommandError):
        call_command("audit_verify", "--county", "nowhere", stdout=io.StringIO())


def test_the_demo_generators_timelines_verify(naiman, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_cases", cases=60, batch=25, verbosity=0, stdout=io.StringIO())
    report = verify()
    assert report.ok, [b.describe() for b in report.breaks]
    assert report.cases == 60 and report.events >= 60


# --- the daily job and the administrators' to-do -------------------------------------------


def test_a_break_is_on_every_administrators_to_do_list_until_a_later_verification_passes(
    case, administrator, caplog
) -> None:
    from fengqiao.audit.verify import scheduled_verify_task
    from fengqiao.core.todo import todo_for

    event = case.events.get(seq=2)
    sql("UPDATE cases_caseevent SET summary = 'x' WHERE id = %s", [event.pk])
    with caplog.at_level("ERROR", logger="fengqiao.audit"):
        scheduled_verify_task()
    assert any(r.levelname == "ERROR" and f"id={event.pk}" in r.getMessage() for r in caplog.records)
    items = [i for i in todo_for(administrator).items if i.source == "audit.chain"]
    assert len(items) == 1 and f"id={event.pk}" in items[0].detail
    # Put right (the row restored from the backup): the next verification passes.
    sql("UPDATE cases_caseevent SET summary = %s WHERE id = %s", [event.summary, event.pk])
    scheduled_verify_task()
    assert not [i for i in todo_for(administrator).items if i.source == "audit.chain"]


def test_the_daily_verification_is_scheduled_once() -> None:
    from django_q.models import Schedule

    from fengqiao.audit.verify import VERIFY_SCHEDULE_NAME, verify_schedule_ensure

    verify_schedule_ensure()
    verify_schedule_ensure()
    assert Schedule.objects.filter(name=VERIFY_SCHEDULE_NAME).count() == 1


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_case_at_once_give_one_unbroken_chain(intake_clerk, naiman) -> None:
    """Two requests adding events to one case at the same moment queue on the case's row
    (``fengqiao_timeline_heads``): seq 1..n, no fork, no error."""
    case = intake(intake_clerk, outcome=IntakeOutcome.REVIEW)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for i in range(10):
                barrier.wait(timeout=10)
                note(Case.objects.get(pk=case.pk), f"{tag} {i}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(case.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 21
    assert verify().ok


def test_links_use_the_active_key_and_verify_under_an_old_one(case) -> None:
    """Rotation keeps old ids: a record linked under a key id stays verifiable while that key is listed."""
    event = case.events.get(seq=1)
    assert event.key_id == chain.chain_keys().active_id
    assert chain.link_ok(
        chain.GENESIS, event.chain_fields(), key_id=event.key_id, value=event.link
    ) and not chain.link_ok(chain.GENESIS, event.chain_fields(), key_id="gone", value=event.link)


def test_production_refuses_the_development_key(settings, monkeypatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    monkeypatch.setenv("FENGQIAO_AUDIT_KEYS", chain._DEV_AUDIT_KEYS)
    chain.chain_keys.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="development key"):
            chain.chain_keys()
        monkeypatch.delenv("FENGQIAO_AUDIT_KEYS")
        with pytest.raises(ImproperlyConfigured, match="required in production"):
            chain.chain_keys()
    finally:
        chain.chain_keys.cache_clear()
