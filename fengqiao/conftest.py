"""Fixtures for every app: the Naiman Banner set-up, the personas, frozen time."""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fengqiao.org import naiman as naiman_data
from fengqiao.org.models import Jurisdiction, Staff
from fengqiao.org.services import naiman_setup_load
from fengqiao.testing.personas import PERSONAS, persona_create


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (``make test`` runs ``-n``) every worker has its own test database
    (pytest-django: ``test_<name>_gw0`` …, ``test.sqlite3_gw0`` …) and its own data: the file
    store, the file cache and ``FENGQIAO_VAR_DIR`` for the processes a test starts go to
    ``FENGQIAO_VAR_DIR/gw0`` …, and a Redis cache to a database of its own below the job
    queue's (15 → 14, 13 …), since every test clears the cache (``_shared_cache_clear``)."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if not worker:
        return
    from django.conf import settings
    from django.test.utils import override_settings

    from fengqiao import settings as project_settings

    var = Path(settings.VAR_DIR) / worker
    var.mkdir(parents=True, exist_ok=True)
    os.environ["FENGQIAO_VAR_DIR"] = str(var)
    project_settings.VAR_DIR = var
    storages: dict[str, Any] = copy.deepcopy(settings.STORAGES)
    if storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        storages["default"]["OPTIONS"]["location"] = str(var / "files")
    caches: dict[str, dict[str, Any]] = copy.deepcopy(settings.CACHES)
    cache = caches["default"]
    if cache["BACKEND"].endswith("FileBasedCache"):
        cache["LOCATION"] = str(var / "cache")
    elif cache["BACKEND"].endswith("RedisCache"):
        url = urlsplit(cache["LOCATION"])
        index = (int(url.path.strip("/") or 0) - 1 - int(worker.removeprefix("gw"))) % 16
        cache["LOCATION"] = urlunsplit(url._replace(path=f"/{index}"))
    override_settings(VAR_DIR=var, STORAGES=storages, CACHES=caches).enable()


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    """Passwords hashed with a quick hasher in the tests, as Django's testing guide advises:
    PBKDF2's 1,000,000 iterations took 0.3–0.6 s for every persona and demo login (several per
    test, thousands in the suite). Production keeps Django's default; a test about the hash
    itself sets its own ``PASSWORD_HASHERS``."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _static_files_listed_once() -> Iterator[None]:
    """The test client builds the middleware for every client it makes, and WhiteNoise's
    (``WHITENOISE_USE_FINDERS``) listed every static file of the finders each time — a stat and
    the headers of a few thousand files, ~0.1 s per client, a few minutes over the suite. The
    static files do not change during a run: each middleware with the same static settings gets
    the files the first one listed."""
    from unittest import mock

    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict[tuple[Any, ...], dict[str, Any]] = {}
    add_files_from_finders = WhiteNoiseMiddleware.add_files_from_finders

    def add_listed_files(self: WhiteNoiseMiddleware) -> None:
        key = (
            self.static_prefix,
            str(settings.STATIC_ROOT),
            repr(settings.STATICFILES_DIRS),
            repr(settings.STORAGES.get("staticfiles")),
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
        )
        if key not in listed:
            before = dict(self.files)
            add_files_from_finders(self)
            listed[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}
        self.files.update(listed[key])

    with mock.patch.object(WhiteNoiseMiddleware, "add_files_from_finders", add_listed_files):
        yield


@pytest.fixture(autouse=True, scope="session")
def _pdfs_laid_out_once() -> Iterator[None]:
    """A PDF WeasyPrint laid out once in the run is not laid out again: the same page (the
    document's HTML), stylesheet (the chosen fonts), title and author give the same bytes, and
    the flows issue the same documents test after test (one in two renders repeated one before;
    a render with the CJK fonts' subsetting took ~0.5 s). ``documents.render`` still parses,
    checks the fonts' coverage and writes the DOCX every time. The last 256 are kept."""
    from unittest import mock

    from fengqiao.documents import pdf, render

    laid_out: OrderedDict[tuple[str, str, str, str], pdf.RenderedPdf] = OrderedDict()

    def render_pdf(parsed: Any, *, fonts: Any, title: str, author: str) -> pdf.RenderedPdf:
        key = (pdf.html_document(parsed, title=title), pdf.stylesheet(fonts), title, author)
        if key in laid_out:
            laid_out.move_to_end(key)
        else:
            laid_out[key] = pdf.render_pdf(parsed, fonts=fonts, title=title, author=author)
            if len(laid_out) > 256:
                laid_out.popitem(last=False)
        return laid_out[key]

    with mock.patch.object(render, "render_pdf", render_pdf):
        yield


def _naiman_load() -> Jurisdiction:
    """The default set-up of ``naiman``: the time-limit defaults (a flush removes the migration's
    rows), the county, its routing rules."""
    from fengqiao.cases.defaults import routing_defaults_load
    from fengqiao.core.timelimits import defaults_load

    defaults_load()
    county = naiman_setup_load()
    routing_defaults_load(county_code=county.code)
    return county


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database (pytest-django's, one per xdist worker) with the Naiman set-up loaded
    and committed once: every test's transaction starts from it and its rollback keeps it, so
    ``naiman`` costs one read instead of ~350 statements per test. A test that does not ask for
    ``naiman`` sees these rows too."""
    with django_db_blocker.unblock():
        _naiman_load()


@pytest.fixture
def naiman(db: None) -> Jurisdiction:
    """The Naiman Banner (奈曼旗) with its townships, member units, leadership group, the ten
    dispute categories and the default routing rules: loaded once per session
    (``django_db_setup``), loaded again when a transactional test flushed the tables."""
    county = Jurisdiction.objects.filter(code=naiman_data.COUNTY[0]).first()
    return county if county is not None else _naiman_load()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test, whose teardown flushed every table, the session's set-up is
    loaded again (committed), so the tests after it start from the same rows as the others."""
    result = yield
    if nextitem is not None and _transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _naiman_load()
    return result


def _transactional(item: pytest.Item) -> bool:
    """pytest-django runs it as a ``TransactionTestCase`` (its tables flushed at the end)."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    names = getattr(item, "fixturenames", ())
    return any(name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences"))


@pytest.fixture
def persona(naiman: Jurisdiction) -> Callable[[str], Staff]:
    """``persona("tax_handler")`` — a named member of staff, created once per test."""
    made: dict[str, Staff] = {}

    def get(key: str) -> Staff:
        if key not in made:
            made[key] = persona_create(key, naiman)
        return made[key]

    return get


def _persona_fixture(key: str) -> Callable[..., Staff]:
    @pytest.fixture(name=key)
    def fixture(persona: Callable[[str], Staff]) -> Staff:
        return persona(key)

    return fixture


for _key in PERSONAS:
    globals()[_key] = _persona_fixture(_key)


@pytest.fixture
def client_for(client: Client) -> Callable[[Staff], Client]:
    """A test client signed in as the given member of staff."""

    def sign_in(staff: Staff) -> Client:
        client.force_login(staff)
        return client

    return sign_in


@pytest.fixture
def frozen_time() -> Iterator[Callable[[str], time_machine.Traveller]]:
    """``frozen_time("2026-02-13 10:00")`` — stop the clock (Asia/Shanghai) for deadlines."""
    travellers: list[time_machine.travel] = []

    def freeze(moment: str) -> time_machine.Traveller:
        when = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        traveller = time_machine.travel(when, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture(autouse=True)
def _setup_cache_clear() -> Iterator[None]:
    """The kept set-up rows (``core.setup_cache``: categories, townships) of a rolled-back
    test must not show in the next: every test starts and ends with none kept."""
    from fengqiao.core.setup_cache import setup_cache_clear

    setup_cache_clear()
    yield
    setup_cache_clear()


@pytest.fixture(autouse=True)
def _calendar_cache_clear() -> Iterator[None]:
    """A rolled-back test sends no delete signals: start and end every test with a cold
    calendar cache so entered holiday rows never leak between tests."""
    from fengqiao.core.calendar import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture(autouse=True)
def _shared_cache_clear() -> Iterator[None]:
    """The shared cache (settings.CACHES: files under FENGQIAO_VAR_DIR, or Redis) holds the
    API's rate counts and failed-token counts per person and address: each test starts with
    none, or one test's requests would be throttled for another's (docs/security.md)."""
    from django.core.cache import cache

    cache.clear()
    yield


_DB_FIXTURES = ("db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server")


def _writer() -> str:
    """Where the write that just finished was made: the innermost lines of fengqiao code on
    the stack (the test's or the view's call of the service), for the guard's message."""
    import traceback

    frames = [
        f"{f.filename.rsplit('fengqiao/', 1)[-1]}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()
        if "/fengqiao/" in f.filename and not f.filename.endswith("conftest.py")
    ]
    return " < ".join(reversed(frames[-3:])) or "?"


#: Per database vendor, the statement ``kept.drifted`` runs (SQL and parameters), captured at
#: its first call: building and compiling its rules' subqueries took ~40 ms of every check, the
#: statement itself well under one.
_drift_statements: dict[str, tuple[str, Any]] = {}


def _kept_drifted(connection: Any) -> list[str]:
    """``kept.drifted()``, asked only when a case's kept value differs from its rule in the rows
    of the statement it runs (its columns: pk, number, the kept values, the rules' values in the
    same order), run again as captured; when the columns are not that shape, always asked."""
    from fengqiao.cases import kept

    statement = _drift_statements.get(connection.vendor)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            rows = cursor.fetchall()
            width = len(cursor.description)
        half = len(kept.KEPT_FIELDS)
        if width == 2 + 2 * half and all(row[2 : 2 + half] == row[2 + half :] for row in rows):
            return []
        return kept.drifted()
    run: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        run.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        lines = kept.drifted()
    if len(run) == 1:
        _drift_statements[connection.vendor] = run[0]
    return lines


@pytest.fixture(autouse=True)
def _kept_todo_values_checked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The cases' kept to-do values (``cases.kept``: ``decision_ready``, ``archive_ready``,
    ``archive_window_until``) equal their rules evaluated for every case — checked in every
    test that uses the database after each outermost ``transaction.atomic`` block it runs
    (a service call, a request) and at its end. So each flow test proves that the services it
    goes through keep them: one that changes a rule's input without ``kept.refresh`` fails,
    naming the case, the field, the test and the code that wrote. Test data written straight
    to the tables must call ``kept.refresh`` as a service would. The check's own statements
    are left out of the statement counts tests take."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in _DB_FIXTURES
    )
    if not uses_db:
        yield
        return
    request.getfixturevalue("db")  # set up before this fixture, so rolled back after the check
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction

    base = len(connection.atomic_blocks)
    found: list[str] = []
    checking = False

    def drift() -> list[str]:
        nonlocal checking
        logged, wrappers = len(connection.queries_log), connection.execute_wrappers
        checking, connection.execute_wrappers = True, []
        try:
            with transaction.atomic():
                return _kept_drifted(connection)
        except DatabaseError:
            return []  # a broken transaction (the test provoked a database error): nothing to read
        finally:
            checking, connection.execute_wrappers = False, wrappers
            while len(connection.queries_log) > logged:
                connection.queries_log.pop()

    original_exit = transaction.Atomic.__exit__

    def exit_checked(self: transaction.Atomic, exc_type: Any, exc_value: Any, tb: Any) -> Any:
        result = original_exit(self, exc_type, exc_value, tb)
        if (
            exc_type is None
            and not checking
            and not found
            and (self.using or DEFAULT_DB_ALIAS) == DEFAULT_DB_ALIAS
            and len(connection.atomic_blocks) == base
            and not connection.needs_rollback
        ):
            lines = drift()
            if lines:
                found.append(f"after the write at {_writer()}:\n  " + "\n  ".join(lines))
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_checked)
    yield
    monkeypatch.undo()
    if not found:
        lines = drift()
        if lines:
            found.append("at the end of the test:\n  " + "\n  ".join(lines))
    if found:
        pytest.fail(
            f"kept to-do values differ from their rules in {request.node.nodeid} "
            f"(a service changed a rule's input without cases.kept.refresh) {found[0]}",
            pytrace=False,
        )
