"""Link the existing events of every case's timeline (cases.chain), per case in (at, id) order.

Cases are taken in blocks of ``CASES_PER_BATCH`` by id (keyset, so memory stays bounded at any
number of cases), their events read in one query and written back (``_write``), each block in
its own transaction (the migration is not atomic: a run interrupted part-way resumes at the
first case not yet linked). Rate: docs/audit.md.
On PostgreSQL the function ``fengqiao_timeline_heads`` is created (cases.chain)."""

from typing import Any

from django.db import migrations, transaction

from fengqiao.cases.chain import PG_HEADS_DROP, PG_HEADS_FUNCTION, event_link

CASES_PER_BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    table = qn(CaseEvent._meta.db_table)
    db = connection.alias
    last = 0
    while True:
        block = list(
            Case.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CASES_PER_BATCH]
        )
        if not block:
            return
        last = block[-1]
        with transaction.atomic(using=db):
            rows = (
                CaseEvent.objects.using(db)
                .filter(case_id__gte=block[0], case_id__lte=last, seq__isnull=True)
                .order_by("case_id", "at", "id")
                .values_list("id", "case_id", "at", "actor_id", "kind", "from_state", "to_state", "summary", "data")
            )
            updates: list[tuple[Any, ...]] = []
            case_id, seq, prev = None, 0, ""
            for pk, case, at, actor, kind, from_state, to_state, summary, data in rows.iterator(chunk_size=5000):
                if case != case_id:
                    case_id, seq, prev = case, 0, "0" * 64
                seq += 1
                key_id, prev = event_link(prev, case, seq, at, actor, kind, from_state, to_state, summary, data)
                updates.append((seq, key_id, prev, pk))
            if updates:
                _write(connection, table, updates)


def _write(connection: Any, table: str, updates: list[tuple[Any, ...]]) -> None:
    """SQLite: one prepared ``UPDATE … WHERE id`` run per row (``executemany``); PostgreSQL:
    one ``UPDATE … FROM (VALUES …)`` per 1,000 rows (a statement per row is a round trip and a
    plan each)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"UPDATE {table} SET seq = %s, key_id = %s, link = %s WHERE id = %s", updates)  # noqa: S608
            return
        for i in range(0, len(updates), 1000):
            part = updates[i : i + 1000]
            values = ", ".join(["(%s::integer, %s, %s, %s::bigint)"] * len(part))
            cursor.execute(
                f"UPDATE {table} AS e SET seq = v.seq, key_id = v.key_id, link = v.link "  # noqa: S608
                f"FROM (VALUES {values}) AS v(seq, key_id, link, id) WHERE e.id = v.id",
                [value for row in part for value in row],
            )


def heads_function(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_HEADS_FUNCTION)


def heads_function_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_HEADS_DROP)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0023_caseevent_chain"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(heads_function, heads_function_drop),
    ]
