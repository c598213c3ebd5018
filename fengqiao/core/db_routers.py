"""Reads of the analysis on a read replica, when there is one.

A province's analysis pages and monthly reports aggregate over millions of cases; on a
replica (``FENGQIAO_ANALYTICS_DATABASE_URL``, the database alias ``"replica"``) they do not
compete with intake for the primary. Only the reads made inside :func:`read_replica` go there;
every write, and every read outside it, stays on ``"default"``. Without the setting the block
changes nothing.

    from fengqiao.core.db_routers import read_replica

    with read_replica():
        figures = monthly_figures(county=county, year=year, month=month)

A replica lags the primary by the replication delay (well under a second on a healthy
stream): a case registered a moment ago may be missing from a figure computed on it, which a
month's analysis tolerates and a case page would not — so wrap analysis, not workflows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"

_on_replica: ContextVar[bool] = ContextVar("fengqiao_read_replica", default=False)


@contextmanager
def read_replica() -> Iterator[None]:
    """Within the block, reads go to the replica if one is configured (per thread and task)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReadReplicaRouter:
    """The database router of ``DATABASE_ROUTERS``: see the module's description."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _on_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # A row read from the replica is the same row as on the primary.
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica follows the primary by replication; it is never migrated itself.
        if db == REPLICA:
            return False
        return None
