"""Kept to-do values on the case: what a to-do source would otherwise test per open case.

Two steps wait on the receiving department once conditions spread over other tables hold:
综合意见、出具处理意见书 (四(三)1 3), 2 3): every opinion task done, or a mediation agreement; not
waiting on the minutes or the 司法局's review) and 封存归档 (四(七): both parties told and
visited, the payer's latest visit without objection, or every remedy ended). Testing them for
every open case of a county at each workbench request walked tens of thousands of cases at a
million (docs/todo.md "Kept values"). So each case keeps the answer in its own row
(``Case.decision_ready``, ``Case.archive_ready`` with ``Case.archive_window_until``), read
through partial indexes.

The rule stays the one definition: each app registers the expression of its rule here
(``keep``) — the filter its to-do source used to run — and ``refresh`` writes the rule's value
for the given cases in one UPDATE. Every service that changes an input of a rule (tasks,
opinions, decisions, reviews, minutes, deliveries, visits, remedies, the case's state) calls
``refresh`` with the cases it touched, inside its transaction; a model signal would miss
``QuerySet.update()``. ``drifted`` compares the kept values with the rules for every case: the
test suite runs it after every test that used the database (``fengqiao/conftest.py``), so each
flow test proves that the services keep them right. ``Case.save`` never writes these columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Q

from fengqiao.cases.models import KEPT_COLUMNS, Case
from fengqiao.cases.states import CaseState

#: The states in which a kept value may differ from its column's default: handling
#: (``decision_ready``), follow-up and remedy tracking (``archive_ready``,
#: ``archive_window_until``). ``workflow.transition`` refreshes a case entering or leaving them.
KEPT_STATES = frozenset(
    {
        CaseState.OWN_HANDLING,
        CaseState.JOINT_HANDLING,
        CaseState.SPECIAL_HANDLING,
        CaseState.FOLLOWING_UP,
        CaseState.REMEDY_TRACKING,
    }
)

#: field name → a callable returning the rule's expression on ``Case`` (evaluated per row).
_rules: dict[str, Callable[[], Any]] = {}

#: The columns ``refresh`` alone writes (``Case.save`` leaves them out).
KEPT_FIELDS = tuple(sorted(KEPT_COLUMNS))


def keep(field: str, expression: Callable[[], Any]) -> None:
    """Register the rule ``field`` keeps: ``expression()`` gives its value for the case row."""
    if field not in KEPT_FIELDS:
        raise ValueError(f"{field} is not a kept field of Case")
    _rules[field] = expression


def as_flag(rule: Q) -> Any:
    """``rule`` (a filter on cases) as a true/false value of the row: false where the rule is
    false or unknown (SQL's NULL), so the kept column is never NULL."""
    return models.Case(
        models.When(rule, then=models.Value(True)), default=models.Value(False), output_field=models.BooleanField()
    )


def _expressions() -> dict[str, Any]:
    from fengqiao.core import todo

    todo.autodiscover()  # the apps register their rules in their todo.py
    return {field: make() for field, make in _rules.items()}


def refresh(cases: Iterable[Case | int | None]) -> None:
    """Write the rules' values for ``cases`` (cases or primary keys): one UPDATE, in the
    caller's transaction. Call it after the service's last write to an input of a rule, with
    the cases' rows locked since before that write (``select_for_update``): on PostgreSQL an
    UPDATE that waits for another transaction's row lock still reads its subqueries from the
    snapshot of its start, and would write the rule as it was before the other commit."""
    ids = {c if isinstance(c, int) else c.pk for c in cases if c is not None}
    exprs = _expressions()
    if ids and exprs:
        Case.objects.filter(pk__in=ids).update(**exprs)


def refresh_all(states: Iterable[str] | None = None, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write the rules' values for every case (in ``states``, when given)."""
    exprs = _expressions()
    qs = Case.objects.using(using)
    qs = qs.all() if states is None else qs.filter(state__in=list(states))
    return int(qs.update(**exprs)) if exprs else 0


def repair(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Make every case's kept values its rules' again — after rows were written straight to the
    tables (an import, a benchmark's fixtures) and after ``migrate`` added the columns: the
    cases where a rule can hold (``KEPT_STATES``) by one UPDATE, and any other case that keeps
    a value other than the columns' defaults (its rules are false there) by its own rules.
    Returns the number of cases written."""
    written = refresh_all(KEPT_STATES, using=using)
    off = (
        Case.objects.using(using)
        .exclude(state__in=list(KEPT_STATES))
        .filter(Q(decision_ready=True) | Q(archive_ready=True) | Q(archive_window_until__isnull=False))
    )
    exprs = _expressions()
    return written + (int(off.update(**exprs)) if exprs else 0)


def fill_after_migrate(*, plan: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate`` (``CasesConfig.ready``): when this ``migrate`` applied cases 0018, which
    added the kept columns, fill them for the existing cases. Here, not in the migration:
    the rules are the apps' current queries, which read today's tables — run from a migration
    they would break ``migrate`` of an older database as soon as a later migration changes a
    column they read; after the whole plan the tables are the code's."""
    if not plan or not any(
        m.app_label == "cases" and m.name == "0018_case_kept_todo" and not backwards for m, backwards in plan
    ):
        return
    if Case.objects.using(using).filter(state__in=list(KEPT_STATES)).exists():
        repair(using=using)


def drifted(limit: int = 20) -> list[str]:
    """The cases whose kept values differ from their rules, as "number field: kept … rule …"
    lines (at most ``limit``): empty when every kept value is right."""
    exprs = _expressions()
    annotated = Case.objects.annotate(**{f"rule_{f}": e for f, e in exprs.items()})
    found: list[str] = []
    for row in annotated.values("pk", "number", *exprs, *(f"rule_{f}" for f in exprs)).order_by("pk"):
        for field in exprs:
            if row[field] != row[f"rule_{field}"]:
                found.append(
                    f"case {row['number']} (pk {row['pk']}) {field}: kept {row[field]!r}, rule {row[f'rule_{field}']!r}"
                )
                if len(found) >= limit:
                    return found
    return found
