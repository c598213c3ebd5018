"""Django's SQLite backend with the statistics upkeep SQLite recommends
(https://sqlite.org/lang_analyze.html, "PRAGMA optimize"):

- when a connection opens, ``PRAGMA optimize=0x10002`` (SQLite 3.46+: check every table, and
  analyse those whose statistics are missing or stale — settings' ``init_command``);
- when it closes, ``PRAGMA optimize`` (every version: analyse the tables this connection's
  queries used whose statistics are missing or have drifted). With persistent connections
  (``CONN_MAX_AGE``) a connection closes when it is older than that, so this runs
  periodically in every process.

Neither sets ``PRAGMA analysis_limit``: the statistics are full ones. Sampled statistics
(``analysis_limit=400``, tried first) made every index of ``cases_case`` look alike at a million
cases ("401 rows a key"), and the planner read a department's cases through the wrong index: the
clerk's workbench took 10 s. A full ANALYZE of a table of a million cases takes seconds, but
``PRAGMA optimize`` runs one only for a table without statistics or whose size changed many
times over since the last (SQLite 3.40: ~25×), so a handful of times in a database's life; the
demo generator analyses what it filled. Without statistics the
planner picked poor indexes: registration fell to 5 requests/s at 1,000,000 cases
(issue 12)."""

from __future__ import annotations

import sqlite3
from contextlib import suppress

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close(self) -> None:
        connection = self.connection
        if connection is not None and not self.in_atomic_block and not self.is_in_memory_db():
            with suppress(sqlite3.Error):  # upkeep only: never keep a connection from closing
                connection.execute("PRAGMA optimize")
        super().close()
