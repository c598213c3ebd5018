"""Backup and restore (issue 12 §6): a county with sealed dossiers is backed up with
``manage.py backup_create`` and restored by ``manage.py backup_restore`` — run as its own
process, as an operator would — into a fresh database of the same vendor (a new SQLite file, or
a new PostgreSQL database when the suite runs on PostgreSQL) and an empty file store; every
dossier verifies there. A changed backup file is refused with its name, wrong keys with the key
id, a non-empty database with its tables; nothing is written then."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from fengqiao.archive.services import dossier_seal
from fengqiao.archive.tests.conftest import informed
from fengqiao.core import backup, crypto
from fengqiao.documents import fonts
from fengqiao.handling.tests.handling_helpers import file_storage  # noqa: F401  (autouse: files to tmp)
from fengqiao.org.models import Jurisdiction, Staff

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _fonts_cache_clear() -> Iterator[None]:
    fonts.fonts_cache_clear()
    yield
    fonts.fonts_cache_clear()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh installation: an empty var folder (its file store) and an
    empty database of the vendor under test, dropped afterwards on PostgreSQL."""
    var = tmp_path / "restored"
    var.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")}
    env["FENGQIAO_VAR_DIR"] = str(var)
    for name in ("FENGQIAO_DATA_KEYS", "FENGQIAO_INDEX_KEY", "FENGQIAO_SECRET_KEY"):
        for key in (name, f"{name}_FILE"):
            if key in os.environ:
                env[key] = os.environ[key]
    if connection.vendor == "sqlite":
        env["FENGQIAO_DATABASE_URL"] = f"sqlite:///{var / 'fengqiao.sqlite3'}"
        yield env
        return
    import psycopg

    params = backup._pg_params("default")
    name = f"{params['dbname']}_restore"[:63]
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = params.get("user", "postgres") + (f":{params['password']}" if params.get("password") else "")
    env["FENGQIAO_DATABASE_URL"] = (
        f"postgres://{auth}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{name}"
    )
    try:
        yield env
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(folder: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "backup_restore", str(folder), *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _sealed_county(clerk: Staff, county: Jurisdiction, dossiers: int) -> list[Any]:
    return [dossier_seal(case=informed(clerk, county), actor=clerk) for _ in range(dossiers)]


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_and_every_dossier_verifies(
    intake_clerk: Staff, naiman: Jurisdiction, tmp_path: Path, target: dict[str, str]
) -> None:
    sealed = _sealed_county(intake_clerk, naiman, 2)
    informed(intake_clerk, naiman)  # and a case not archived, with its notice and attachment
    folder = tmp_path / "backup"
    call_command("backup_create", str(folder))

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["dossiers"] == 2 and manifest["counts"]["cases"] == 3
    names = {e["name"] for e in manifest["stores"]["default"]["files"]}
    for dossier in sealed:
        assert all(item.file.name in names for item in dossier.items.all())
    # The key references name the keys without carrying them.
    ring = crypto.keyring()
    assert [k["id"] for k in manifest["keys"]["data_keys"]] == list(ring.keys)
    raw = (folder / "manifest.json").read_bytes()
    assert all(key.hex().encode() not in raw for key in [*ring.keys.values(), ring.index_key])

    done = _restore(folder, target)
    assert done.returncode == 0, done.stderr
    assert "已归档案卷 2 卷，核验通过 2 卷" in done.stdout
    assert "cases 3" in done.stdout
    restored_files = Path(target["FENGQIAO_VAR_DIR"]) / "files"
    for dossier in sealed:
        assert (restored_files / dossier.folder / "manifest.json").is_file()
    if connection.vendor == "sqlite":
        db = sqlite3.connect(str(Path(target["FENGQIAO_VAR_DIR"]) / "fengqiao.sqlite3"))
        numbers = {row[0] for row in db.execute("SELECT archive_number FROM archive_dossier")}
        db.close()
        assert numbers == {d.archive_number for d in sealed}

    # A second restore into the now non-empty database is refused.
    again = _restore(folder, target)
    assert again.returncode == 1
    assert "目标数据库不是空的" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_changed_file_or_other_keys_are_refused_before_anything_is_written(
    intake_clerk: Staff, naiman: Jurisdiction, tmp_path: Path, target: dict[str, str]
) -> None:
    (dossier,) = _sealed_county(intake_clerk, naiman, 1)
    folder = tmp_path / "backup"
    call_command("backup_create", str(folder))

    # Other keys: every backed-up data key id missing is named; nothing restored.
    ring = crypto.keyring()
    other = {k: v for k, v in target.items() if not k.startswith("FENGQIAO_DATA_KEYS")}
    other["FENGQIAO_DATA_KEYS"] = "other9:00112233445566778899aabbccddeeff"
    done = _restore(folder, other)
    assert done.returncode == 1
    for key_id in ring.keys:
        assert f"数据密钥 {key_id} 未配置" in done.stderr
    assert "未写入任何数据" in done.stderr
    assert not (Path(target["FENGQIAO_VAR_DIR"]) / "files").exists()

    # One byte changed in a sealed file of the backup: refused, naming the file.
    item = dossier.items.order_by("seq").last()
    relative = f"files/default/{item.file.name}"
    path = folder / relative
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    done = _restore(folder, target)
    assert done.returncode == 1
    assert f"{relative}：SM3摘要不符" in done.stderr
    assert not (Path(target["FENGQIAO_VAR_DIR"]) / "files").exists()

    # A backup of the other vendor, or of a schema newer than the code, is refused (a manifest
    # made so, with its digest recomputed: the digest guards against damage, not a forger).
    data[len(data) // 2] ^= 0x01  # the file as it was
    path.write_bytes(bytes(data))
    manifest = folder / "manifest.json"
    original = manifest.read_bytes()
    changed = json.loads(original)
    changed["database"]["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    changed["migrations"]["cases"].append("9999_from_the_future")
    raw = backup._manifest_bytes(changed)
    manifest.write_bytes(raw)
    (folder / "manifest.sm3").write_text(f"{crypto.sm3_hex(raw)}  manifest.json\n", encoding="utf-8")
    done = _restore(folder, target)
    assert done.returncode == 1
    assert f"备份的数据库是 {changed['database']['vendor']}" in done.stderr
    assert "cases.9999_from_the_future" in done.stderr
    assert not (Path(target["FENGQIAO_VAR_DIR"]) / "files").exists()
    manifest.write_bytes(original)

    # A changed manifest is refused before anything else is read.
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"cases": 1', b'"cases": 2'))
    done = _restore(folder, target)
    assert done.returncode == 1
    assert "manifest.json：SM3摘要与 manifest.sm3 不符" in done.stderr


@pytest.mark.django_db
def test_the_daily_backup_runs_only_with_a_folder_and_keeps_the_newest(settings: Any, tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django_q.models import Schedule

    settings.FENGQIAO_BACKUP_DIR = ""
    backup.backup_schedule_ensure()
    assert not Schedule.objects.filter(name=backup.BACKUP_SCHEDULE_NAME).exists()
    assert backup.scheduled_backup_run() is None

    settings.FENGQIAO_BACKUP_DIR = str(tmp_path / "backups")
    settings.FENGQIAO_BACKUP_KEEP = 2
    backup.backup_schedule_ensure()
    schedule = Schedule.objects.get(name=backup.BACKUP_SCHEDULE_NAME)
    assert schedule.func == backup.BACKUP_SCHEDULE_FUNC and schedule.schedule_type == Schedule.DAILY
    shanghai = ZoneInfo("Asia/Shanghai")
    # Folders the job did not name are not its own: never removed, never a link base. A folder
    # of its own without a manifest (a run killed part-way) is removed once a day old.
    (tmp_path / "backups" / "fengqiao-2025-preupgrade").mkdir(parents=True)
    (tmp_path / "backups" / "fengqiao-manual").mkdir()
    killed = tmp_path / "backups" / "fengqiao-20260228-020000"
    killed.mkdir()
    os.utime(killed, (time.time() - 2 * 24 * 3600,) * 2)
    default_storage.save("attachments/a/one", ContentFile(b"one"))
    default_storage.save("attachments/a/two", ContentFile(b"two"))
    runs = [backup.scheduled_backup_run(datetime(2026, 3, day, 2, 0, tzinfo=shanghai)) for day in (1, 2)]
    assert [(r.files, r.linked) for r in runs if r] == [(2, 0), (2, 2)]
    # A copy in the previous backup that no longer matches its manifest is no base: copied again.
    damaged = tmp_path / "backups" / "fengqiao-20260302-020000" / "files" / "default" / "attachments" / "a" / "two"
    damaged.unlink()
    damaged.write_bytes(b"TWO")
    third = backup.scheduled_backup_run(datetime(2026, 3, 3, 2, 0, tzinfo=shanghai))
    assert third is not None and (third.files, third.linked) == (2, 1)
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert kept == [
        "fengqiao-2025-preupgrade",
        "fengqiao-20260302-020000",
        "fengqiao-20260303-020000",
        "fengqiao-manual",
    ]
    kept = kept[1:3]
    one = [tmp_path / "backups" / k / "files" / "default" / "attachments" / "a" / "one" for k in kept]
    assert one[0].stat().st_ino == one[1].stat().st_ino
    assert backup.backup_verify(third.folder, backup.manifest_read(third.folder)) == []

    # A migrate run without the variable (e.g. straight to the database) keeps the schedule;
    # the job does nothing while the folder is not set.
    settings.FENGQIAO_BACKUP_DIR = ""
    backup.backup_schedule_ensure()
    assert Schedule.objects.filter(name=backup.BACKUP_SCHEDULE_NAME).exists()
    assert backup.scheduled_backup_task() == "FENGQIAO_BACKUP_DIR 未配置，未备份"


@pytest.mark.django_db
def test_a_forced_restore_over_a_newer_schema_is_refused_before_writing() -> None:
    """pg_restore --clean drops only what the dump holds: over a database with migrations the
    backup lacks, their tables would stay and the migrate after would fail half-way."""
    from django.db.migrations.recorder import MigrationRecorder

    applied = sorted(MigrationRecorder(connection).applied_migrations())
    older: dict[str, dict[str, list[str]]] = {"migrations": {}}
    for app, name in applied:
        older["migrations"].setdefault(app, []).append(name)
    assert backup._newer_target("default", older) == []
    app, name = applied[-1]
    older["migrations"][app].remove(name)
    (problem,) = backup._newer_target("default", older)
    assert f"{app}.{name}" in problem and "新建的空数据库" in problem


def test_backup_and_restore_refuse_a_transaction_pooler(settings: Any) -> None:
    settings.DB_TRANSACTION_POOLER = True
    with pytest.raises(backup.BackupError, match="直连数据库"):
        backup._pg_direct("default")
    settings.DB_TRANSACTION_POOLER = False
    backup._pg_direct("default")
