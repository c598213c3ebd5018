"""The cases' kept to-do values (``cases.kept``, docs/todo.md "Kept values"): written from the
rules by ``kept.refresh`` alone, never by ``Case.save``, and read by the to-do sources through
partial indexes whose conditions and order are the sources' own. That the services keep them
right is checked after every write of every database test (``fengqiao/conftest.py``)."""

from __future__ import annotations

import pytest

from fengqiao.cases import kept
from fengqiao.cases.models import Case
from fengqiao.handling.tests.handling_helpers import complete, general_case, head, task_of, worker


def test_the_kept_indexes_are_the_sources_reads() -> None:
    from django.db.models import Q

    from fengqiao.followup.selectors import _kept_ready_to_archive_q

    indexes = {index.name: index for index in Case._meta.indexes}
    for scope in ("county", "dept"):
        field = "jurisdiction" if scope == "county" else "receiving_department"
        decide, archive = indexes[f"cases_case_{scope}_decide"], indexes[f"cases_case_{scope}_archive"]
        assert decide.condition == Q(decision_ready=True) and decide.fields == [field, "due_on", "id"]
        assert archive.condition == Q(archive_ready=True) and archive.fields == [field, "state_changed_at", "id"]
    from datetime import date

    assert ("archive_ready", True) in _kept_ready_to_archive_q(date(2026, 1, 1)).children


@pytest.mark.django_db
def test_refresh_writes_the_rule_and_save_leaves_it(naiman, intake_clerk, tax_handler, department_head) -> None:
    case = general_case(intake_clerk, naiman)
    loaded = Case.objects.get(pk=case.pk)  # a copy read before the decision became due
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), worker(naiman, "hrss"), head(naiman, "hrss"))
    complete(task_of(case, "medical"), worker(naiman, "medical"), head(naiman, "medical"))
    assert Case.objects.get(pk=case.pk).decision_ready  # opinion_sign refreshed it
    loaded.summary = f"{loaded.summary}（补充）"
    loaded.save()  # the stale copy's decision_ready (False) is not written back
    assert Case.objects.get(pk=case.pk).decision_ready
    Case.objects.filter(pk=case.pk).update(decision_ready=False)  # a drift, made by hand …
    assert kept.drifted() == [f"case {case.number} (pk {case.pk}) decision_ready: kept False, rule True"]
    kept.refresh([case.pk])  # … and its repair
    assert kept.drifted() == []


@pytest.mark.django_db
def test_migrate_fills_after_its_plan_and_repair_mends_every_state(
    naiman, intake_clerk, tax_handler, department_head
) -> None:
    """The ``migrate`` that applies cases 0018 fills the kept values after its whole plan
    (``post_migrate``), with the rules of the code that runs it; ``repair`` (``manage.py
    todo_kept_refresh``) also mends a case outside the candidate states holding a non-default
    value (a row written straight to the table), which ``--check`` reports."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.models.signals import post_migrate

    case = general_case(intake_clerk, naiman)
    complete(task_of(case, "tax"), tax_handler, department_head)
    complete(task_of(case, "hrss"), worker(naiman, "hrss"), head(naiman, "hrss"))
    complete(task_of(case, "medical"), worker(naiman, "medical"), head(naiman, "medical"))
    from fengqiao.cases.tests.helpers import intake
    from fengqiao.cases.tests.test_intake_cost import id_number

    registered = intake(intake_clerk, id_number=id_number(9))  # 已登记: no rule can hold
    Case.objects.filter(pk=case.pk).update(decision_ready=False)  # as the columns were added
    Case.objects.filter(pk=registered.pk).update(archive_ready=True)  # written straight, wrongly
    assert len(kept.drifted()) == 2

    migration = MigrationLoader(connection).graph.nodes[("cases", "0018_case_kept_todo")]
    cases_app = apps.get_app_config("cases")
    post_migrate.send(sender=cases_app, app_config=cases_app, plan=[(migration, True)], using="default")
    assert len(kept.drifted()) == 2  # a backwards plan writes nothing
    post_migrate.send(sender=cases_app, app_config=cases_app, plan=[(migration, False)], using="default")
    assert kept.drifted() == []
    assert Case.objects.get(pk=case.pk).decision_ready

    Case.objects.filter(pk=registered.pk).update(archive_ready=True)
    from django.core.management import call_command

    call_command("todo_kept_refresh")
    assert kept.drifted() == []
