"""Backup and restore (issue 12 §6): the database, the file stores and the key references, as
one consistent snapshot with an SM3 manifest; restored into an empty database and checked.

A backup is one folder::

    manifest.json        what is in it (below), written last: a folder without it is unfinished
    manifest.sm3         the SM3 digest of manifest.json (``<digest>  manifest.json``)
    database.sqlite3     SQLite: a copy made through the online backup API (one step, one snapshot)
    database.pgdump      PostgreSQL: ``pg_dump -Fc`` of an exported snapshot
    files/<store>/…      every file of every store in ``STORAGES`` but ``staticfiles``, as stored

``manifest.json`` names the format, the time, the database vendor, the migrations applied in the
snapshot, the counts of cases, dossiers and files in the snapshot, the *references* of the keys
(their ids and SM3 fingerprints — never the keys, which the backup must not carry: the database
holds personal data SM4-encrypted with them) and, for every file of the folder, its size and SM3.

Consistency. The database is snapshotted first, the stores copied afterwards. A file is written
before the row that names it commits (attachments, issued documents, reports, sealed dossiers:
``FieldFile.save`` then ``Model.save``), and no file is changed or deleted after its row
committed (the stores never overwrite: a taken name gets another; the only deletes remove the
files of a save that failed, whose row never committed). So every file a row of the snapshot
names was already in the store, and is still there unchanged, when the stores are copied: files
written after the snapshot are extra — unreachable after a restore, since only a row makes a
file visible — never missing. The other order could lose files.

Restore goes to the same vendor (SQLite to SQLite, PostgreSQL to PostgreSQL) and refuses a
non-empty database or store unless forced. Before it writes anything it checks the manifest's
digest, every file's digest (naming the file that differs), that the configured keys are the
backed-up ones (naming a missing or different key id) and that the code knows every migration
of the snapshot. It then restores the database and the files, applies the migrations the code
has beyond the snapshot, and checks the counts, that every file a row names is in its store
and every sealed dossier against its manifest (``fengqiao.archive.services.dossier_verify``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage, storages
from django.db import connections, models
from django.utils import timezone

from fengqiao.core import crypto
from fengqiao.core.storage import raw_store

FORMAT = "fengqiao-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SM3 = "manifest.sm3"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES = "files"
#: Stores not backed up: static files are built from the code (collectstatic).
SKIPPED_STORES = frozenset({"staticfiles"})
#: Rows counted into the manifest and checked after a restore (model label → manifest key).
COUNTED = {
    "cases.Case": "cases",
    "archive.Dossier": "dossiers",
    "archive.DossierItem": "dossier_items",
    "cases.Attachment": "attachments",
    "documents.IssuedDocument": "issued_documents",
    "org.Staff": "staff",
}
CHUNK = 1024 * 1024
#: Folders of the scheduled backup under FENGQIAO_BACKUP_DIR: ``fengqiao-20260301-020000``.
SCHEDULED_PREFIX = "fengqiao-"
#: Only folders the daily job names so are its own: removed when old, used as the link base.
SCHEDULED_NAME = re.compile(r"fengqiao-\d{8}-\d{6}")


class BackupError(Exception):
    """A backup or restore refused or failed; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class BackupSummary:
    folder: Path
    vendor: str
    database_bytes: int = 0
    files: int = 0
    file_bytes: int = 0
    #: Files hard-linked to the previous backup's copy instead of copied (``previous``).
    linked: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds_database: float = 0.0
    seconds_files: float = 0.0


@dataclass
class RestoreSummary:
    folder: Path
    vendor: str
    files: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    migrated: list[str] = field(default_factory=list)
    dossiers: int = 0
    dossiers_ok: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Seconds of each step: checking the backup, the database, the files, migrating, checking.
    seconds: dict[str, float] = field(default_factory=dict)


# --- Digests and keys --------------------------------------------------------------------


class _Digest:
    def __init__(self) -> None:
        self._hash = hashes.Hash(hashes.SM3())
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._hash.finalize().hex()


def file_sm3(path: Path) -> tuple[str, int]:
    """SM3 and size of a file, read in chunks."""
    digest = _Digest()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), digest.size


def _fingerprint(kind: str, key_id: str, raw: bytes) -> str:
    """An SM3 fingerprint of a key: names the key without revealing it (the key is 128 bits or
    more of randomness; the prefix keeps the fingerprint from being any other digest of it)."""
    return crypto.sm3_hex(b"fengqiao key fingerprint\x00" + kind.encode() + b"\x00" + key_id.encode() + b"\x00" + raw)


def key_references() -> dict[str, Any]:
    """The configured keys' ids and fingerprints: every SM4 data key (the first encrypts), the
    blind-index key and the Django secret key."""
    ring = crypto.keyring()
    return {
        "data_keys": [{"id": key_id, "sm3": _fingerprint("data", key_id, raw)} for key_id, raw in ring.keys.items()],
        "active_data_key": ring.active_id,
        "index_key": {"sm3": _fingerprint("index", "", ring.index_key)},
        "secret_key": {"sm3": _fingerprint("secret", "", settings.SECRET_KEY.encode())},
    }


def key_problems(backed_up: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Problems (refusing a restore) and warnings comparing the backup's key references with the
    configured keys. Every data key of the backup must be configured with the same key (a row
    may be encrypted with any of them); the blind index key must be the same (else searches by
    ID number or phone find nothing). A different secret key only signs everyone out: a warning."""
    here = key_references()
    configured = {k["id"]: k["sm3"] for k in here["data_keys"]}
    problems = []
    for key in backed_up.get("data_keys", []):
        if key["id"] not in configured:
            problems.append(f"数据密钥 {key['id']} 未配置（FENGQIAO_DATA_KEYS）：备份中的个人信息以它加密")
        elif configured[key["id"]] != key["sm3"]:
            problems.append(f"数据密钥 {key['id']} 与备份时的不同（指纹不符，FENGQIAO_DATA_KEYS）")
    if backed_up.get("index_key", {}).get("sm3") != here["index_key"]["sm3"]:
        problems.append("盲索引密钥与备份时的不同（FENGQIAO_INDEX_KEY）：按证件号、电话查找将找不到")
    warnings = []
    if backed_up.get("secret_key", {}).get("sm3") != here["secret_key"]["sm3"]:
        warnings.append("Django 密钥（FENGQIAO_SECRET_KEY）与备份时不同：已登录的会话失效，需重新登录")
    return problems, warnings


# --- Stores ------------------------------------------------------------------------------


def backed_up_stores() -> dict[str, Storage]:
    """Every configured store but the static files, by its STORAGES alias: the stored bytes
    (an encrypted store's files stay encrypted in the backup, fengqiao.core.storage)."""
    return {alias: raw_store(storages[alias]) for alias in settings.STORAGES if alias not in SKIPPED_STORES}


def store_walk(storage: Storage, prefix: str = "") -> Iterator[str]:
    """Every file name of ``storage`` under ``prefix``, sorted folder by folder."""
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}/{name}" if prefix else name
    for folder in sorted(folders):
        yield from store_walk(storage, f"{prefix}/{folder}" if prefix else folder)


def _store_copy_out(storage: Storage, name: str, target: Path) -> tuple[str, int]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = _Digest()
    with storage.open(name, "rb") as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), digest.size


def _store_sm3(storage: Storage, name: str) -> tuple[str, int]:
    digest = _Digest()
    with storage.open(name, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), digest.size


def _linked_from(previous: Path, store_alias: str, name: str, known: tuple[int, str], target: Path) -> bool:
    """Hard-link ``target`` to the previous backup's copy of a store file when the file in the
    store and that copy both still have the size and SM3 the previous manifest gives (a stored
    file never changes, so most files of a daily backup are yesterday's). False when they differ
    or the two folders are on different file systems: the file is then copied."""
    old = previous / FILES / store_alias / name
    if not old.is_file():
        return False
    size, digest = known
    storage = raw_store(storages[store_alias])
    if _store_sm3(storage, name) != (digest, size) or file_sm3(old) != (digest, size):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(old, target)
    except OSError:
        return False
    return True


# --- Database snapshots ------------------------------------------------------------------


def _vendor(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in DUMPS:
        raise BackupError([f"不支持的数据库：{vendor}（支持 SQLite 与 PostgreSQL）"])
    return vendor


def _counted_tables() -> dict[str, str]:
    return {key: apps.get_model(label)._meta.db_table for label, key in COUNTED.items()}


def _snapshot_facts(cursor: Any) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The migrations applied and the counts, read inside the snapshot."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for key, table in _counted_tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from the models
        counts[key] = int(cursor.fetchone()[0])
    return migrations, counts


def _sqlite_snapshot(alias: str, target: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Copy the live SQLite database through the online backup API in one step (a read
    transaction: one consistent snapshot, WAL included), then read its facts from the copy."""
    name = connections[alias].settings_dict["NAME"]
    source = sqlite3.connect(str(name))
    try:
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # pages=-1: the whole database in one step
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            cursor = copy.cursor()
            facts = _snapshot_facts(cursor)
            cursor.close()
        finally:
            copy.close()
    finally:
        source.close()
    return facts


#: libpq connection parameters and the environment variables pg_dump and pg_restore read them from.
_LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
}


def _pg_direct(alias: str) -> None:
    """pg_dump and pg_restore keep session state outside their transaction, which a PgBouncer in
    transaction mode loses between transactions: refuse rather than make a doubtful copy."""
    if getattr(settings, "DB_TRANSACTION_POOLER", False):
        raise BackupError(
            [
                f"数据库 {alias} 经连接池（事务模式，FENGQIAO_DB_TRANSACTION_POOLER）连接：备份与恢复须直连数据库，"
                "请以指向数据库本身的 FENGQIAO_DATABASE_URL、不设 FENGQIAO_DB_TRANSACTION_POOLER 运行"
            ]
        )


def _pg_params(alias: str) -> dict[str, str]:
    """The connection parameters of the database ``alias`` as Django connects (NAME, USER,
    PASSWORD, HOST, PORT and the libpq options of OPTIONS, e.g. ``sslmode`` from the URL)."""
    conf = connections[alias].settings_dict
    params = {
        "dbname": conf["NAME"],
        "user": conf.get("USER") or "",
        "password": conf.get("PASSWORD") or "",
        "host": conf.get("HOST") or "",
        "port": str(conf.get("PORT") or ""),
    }
    for key, value in (conf.get("OPTIONS") or {}).items():
        if key in _LIBPQ_ENV and isinstance(value, str | int):
            params[key] = str(value)
    return {k: v for k, v in params.items() if v}


def _pg_env(params: dict[str, str]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the process's own (libpq defaults such as
    PGSSLMODE stay, as for Django's connection) with the settings' parameters over it."""
    env = dict(os.environ)
    env.update({_LIBPQ_ENV[k]: v for k, v in params.items()})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError([f"{command[0]} 失败（{done.returncode}）：{done.stderr.strip()[-2000:]}"])


def _pg_snapshot(alias: str, target: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """``pg_dump -Fc`` of a snapshot exported by a repeatable-read transaction, whose facts are
    read in the same transaction: the dump, the counts and the migrations see one state."""
    import psycopg

    _pg_direct(alias)
    params = _pg_params(alias)
    with psycopg.connect(**params, autocommit=False) as conn:  # type: ignore[arg-type]
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None
            snapshot = str(row[0])
            facts = _snapshot_facts(cursor)
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--file", str(target)],
                _pg_env(params),
            )
        conn.rollback()
    return facts


# --- Backup ------------------------------------------------------------------------------


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def backup_create(folder: Path, *, alias: str = "default", previous: Path | None = None) -> BackupSummary:
    """Back up the database ``alias``, every store and the key references into ``folder`` (new
    or empty). The database first, then the files (see the module's note on consistency);
    ``manifest.json`` last. With ``previous`` (an earlier backup on the same file system), a
    store file unchanged since is hard-linked to its copy there rather than copied again."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError([f"备份目录 {folder} 不是空目录"])
    earlier: dict[tuple[str, str], tuple[int, str]] = {}
    if previous is not None:
        previous = Path(previous)
        for store_alias, store in manifest_read(previous)["stores"].items():
            earlier.update({(store_alias, e["name"]): (e["size"], e["sm3"]) for e in store["files"]})
    vendor = _vendor(alias)
    folder.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(folder=folder, vendor=vendor)
    created_at = timezone.now()
    started = time.monotonic()
    dump = folder / DUMPS[vendor]
    snapshot = _sqlite_snapshot if vendor == "sqlite" else _pg_snapshot
    migrations, counts = snapshot(alias, dump)
    dump_sm3, dump_size = file_sm3(dump)
    summary.database_bytes, summary.counts = dump_size, counts
    summary.seconds_database = time.monotonic() - started

    started = time.monotonic()
    stores: dict[str, Any] = {}
    for store_alias, storage in backed_up_stores().items():
        entries = []
        for name in store_walk(storage):
            target = folder / FILES / store_alias / name
            known = earlier.get((store_alias, name))
            if previous is not None and known is not None and _linked_from(previous, store_alias, name, known, target):
                size, digest = known
                summary.linked += 1
            else:
                digest, size = _store_copy_out(storage, name, target)
            entries.append({"name": name, "size": size, "sm3": digest})
            summary.files += 1
            summary.file_bytes += size
        backend = f"{type(storage).__module__}.{type(storage).__qualname__}"
        stores[store_alias] = {"backend": backend, "files": entries}
    summary.seconds_files = time.monotonic() - started

    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "hash": "SM3",
        "database": {"vendor": vendor, "file": DUMPS[vendor], "size": dump_size, "sm3": dump_sm3},
        "migrations": migrations,
        "counts": counts,
        "keys": key_references(),
        "stores": stores,
    }
    raw = _manifest_bytes(manifest)
    (folder / MANIFEST).write_bytes(raw)
    (folder / MANIFEST_SM3).write_text(f"{crypto.sm3_hex(raw)}  {MANIFEST}\n", encoding="utf-8")
    return summary


# --- Checking a backup -------------------------------------------------------------------


def manifest_read(folder: Path) -> dict[str, Any]:
    """The backup's manifest, after checking it against ``manifest.sm3``."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError([f"{path}：缺少备份清单（备份未完成或不是备份目录）"])
    raw = path.read_bytes()
    sums = folder / MANIFEST_SM3
    if not sums.is_file():
        raise BackupError([f"{sums}：缺少清单摘要"])
    expected = sums.read_text(encoding="utf-8").split()[:1]
    if expected != [crypto.sm3_hex(raw)]:
        raise BackupError([f"{MANIFEST}：SM3摘要与 {MANIFEST_SM3} 不符（清单已被改动）"])
    try:
        manifest: dict[str, Any] = json.loads(raw)
    except ValueError as exc:
        raise BackupError([f"{MANIFEST}：无法解析（{exc}）"]) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError([f"{MANIFEST}：格式 {found!r} 不是 {FORMAT}"])
    try:
        names = [manifest["database"]["file"]]
        names += [f"{FILES}/{a}/{e['name']}" for a, store in manifest["stores"].items() for e in store["files"]]
        shaped = isinstance(manifest["migrations"], dict) and isinstance(manifest["counts"], dict)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BackupError([f"{MANIFEST}：缺少 {exc}"]) from exc
    # Every name stays inside the backup folder (and inside its store when restored).
    outside = [n for n in names if not isinstance(n, str) or n.startswith("/") or ".." in n.split("/")]
    if outside or not shaped:
        raise BackupError([f"{MANIFEST}：内容不合格式（{', '.join(map(str, outside[:3])) or '迁移或计数'}）"])
    return manifest


def backup_verify(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems found checking every file of the backup against the manifest (size and SM3),
    each naming its file; files the manifest does not list are problems too."""
    folder = Path(folder)
    problems = []
    expected: dict[str, tuple[int, str]] = {}
    db = manifest["database"]
    expected[db["file"]] = (db["size"], db["sm3"])
    for alias, store in manifest["stores"].items():
        for entry in store["files"]:
            expected[f"{FILES}/{alias}/{entry['name']}"] = (entry["size"], entry["sm3"])
    for relative, (size, digest) in sorted(expected.items()):
        path = folder / relative
        if not path.is_file():
            problems.append(f"{relative}：文件缺失")
            continue
        found, found_size = file_sm3(path)
        if found_size != size or found != digest:
            problems.append(f"{relative}：SM3摘要不符（文件已被改动）")
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in expected and relative not in (MANIFEST, MANIFEST_SM3):
            problems.append(f"{relative}：不在备份清单中")
    return problems


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _newer_target(alias: str, manifest: dict[str, Any]) -> list[str]:
    """A forced PostgreSQL restore drops and recreates only what the dump holds: over a database
    with migrations the backup lacks, their tables would stay beside the backup's older
    ``django_migrations`` and the migrate after it would fail half-way. Refused before writing."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return []
    backed_up = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer = sorted(f"{app}.{name}" for app, name in recorder.applied_migrations() if (app, name) not in backed_up)
    if not newer:
        return []
    return [
        f"目标数据库已执行备份中没有的迁移（{', '.join(newer[:5])}）：--force 只能覆盖结构不比备份新的数据库，"
        "请恢复到新建的空数据库"
    ]


def _target_problems(alias: str) -> list[str]:
    problems = []
    connection = connections[alias]
    missing = connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).exists()
    tables = [] if missing else connection.introspection.table_names()
    if tables:
        problems.append(f"目标数据库不是空的（有 {len(tables)} 张表）：恢复只写入新建的空数据库（或加 --force）")
    for store_alias, storage in backed_up_stores().items():
        if next(store_walk(storage), None) is not None:
            problems.append(f"目标文件存储 {store_alias} 不是空的：恢复只写入空的存储（或加 --force）")
    return problems


# --- Restore -----------------------------------------------------------------------------


def _sqlite_restore(alias: str, dump: Path) -> None:
    name = str(connections[alias].settings_dict["NAME"])
    connections[alias].close()
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(dump))
    try:
        target = sqlite3.connect(name)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


def _pg_restore(alias: str, dump: Path, *, force: bool) -> None:
    _pg_direct(alias)
    connections[alias].close()
    params = _pg_params(alias)
    command = ["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, "--dbname", params["dbname"], str(dump)], _pg_env(params))


def _store_restore(folder: Path, manifest: dict[str, Any], summary: RestoreSummary) -> None:
    for store_alias, store in manifest["stores"].items():
        if store_alias not in settings.STORAGES:
            raise BackupError([f"文件存储 {store_alias} 未在 STORAGES 中配置"])
        storage = raw_store(storages[store_alias])
        for entry in store["files"]:
            name = entry["name"]
            if storage.exists(name):
                storage.delete(name)  # only with --force: the store was checked empty otherwise
            with (folder / FILES / store_alias / name).open("rb") as handle:
                saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError([f"{store_alias}/{name}：存储改名为 {saved}"])
            summary.files += 1


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                yield model, model_field


#: What an app above core checks of its own rows after a restore, registered from its
#: ``AppConfig.ready()`` (archive: every sealed dossier against its manifest): ``check(summary,
#: alias)`` adds to ``summary.problems`` and fills its counts. Run after the counts and the files.
RESTORE_CHECKS: list[Callable[[RestoreSummary, str], None]] = []


def restore_check_register(check: Callable[[RestoreSummary, str], None]) -> None:
    if check not in RESTORE_CHECKS:
        RESTORE_CHECKS.append(check)


def _restored_checks(manifest: dict[str, Any], summary: RestoreSummary, alias: str) -> None:
    """After the restore: the counts, every file a row names, then the apps' own checks
    (``RESTORE_CHECKS``: every sealed dossier)."""
    for label, key in COUNTED.items():
        found = apps.get_model(label)._base_manager.using(alias).count()
        summary.counts[key] = found
        if key in manifest["counts"] and found != manifest["counts"][key]:
            summary.problems.append(f"{key}：恢复后 {found} 条，备份时 {manifest['counts'][key]} 条")
    default_names = {e["name"] for e in manifest["stores"].get("default", {}).get("files", [])}
    for model, file_field in _file_fields():
        names = model._base_manager.using(alias).exclude(**{file_field.name: ""}).values_list(file_field.name)
        for (name,) in names.iterator():
            present = (
                name in default_names if file_field.storage is default_storage else file_field.storage.exists(name)
            )
            if not present:
                summary.problems.append(f"{model._meta.label}.{file_field.name}：文件 {name} 不在恢复的存储中")
    for check in RESTORE_CHECKS:
        check(summary, alias)


def backup_restore(folder: Path, *, alias: str = "default", force: bool = False) -> RestoreSummary:
    """Restore the backup in ``folder`` into the configured (empty) database and stores, then
    check it. Raises :class:`BackupError` with every reason before writing anything when the
    backup or the keys are wrong; afterwards, problems found are in the summary's ``problems``."""
    folder = Path(folder)
    manifest = manifest_read(folder)
    vendor = _vendor(alias)
    summary = RestoreSummary(folder=folder, vendor=vendor)
    problems = []
    backed_up = manifest["database"]["vendor"]
    if backed_up != vendor:
        problems.append(f"备份的数据库是 {backed_up}，配置的是 {vendor}：只能恢复到同类数据库")
    key_refusals, summary.warnings = key_problems(manifest.get("keys", {}))
    problems += key_refusals
    known = _known_migrations()
    unknown = sorted(
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names if (app, name) not in known
    )
    if unknown:
        problems.append(f"备份的数据库结构比本程序新（本程序没有迁移 {', '.join(unknown[:5])}）：请用备份时的版本恢复")
    started = time.monotonic()
    problems += backup_verify(folder, manifest)
    summary.seconds["backup_verify"] = time.monotonic() - started
    stores = backed_up_stores()
    problems += [
        f"备份清单中的文件存储 {a} 未在本机配置（或不属备份范围）" for a in manifest["stores"] if a not in stores
    ]
    if not force:
        problems += _target_problems(alias)
    elif vendor == "postgresql":
        problems += _newer_target(alias, manifest)
    if vendor == "postgresql":
        _pg_direct(alias)
    if problems:
        raise BackupError(problems)

    started = time.monotonic()
    dump = folder / manifest["database"]["file"]
    if vendor == "sqlite":
        _sqlite_restore(alias, dump)
    else:
        _pg_restore(alias, dump, force=force)
    summary.seconds["database"] = time.monotonic() - started
    started = time.monotonic()
    try:
        _store_restore(folder, manifest, summary)
    except BackupError as exc:  # the database is written by now: say so, do not claim otherwise
        summary.problems += [f"数据库已恢复，文件恢复中断：{p}" for p in exc.problems]
        return summary
    summary.seconds["files"] = time.monotonic() - started
    started = time.monotonic()

    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    pending = sorted(known - applied)
    if pending:
        from django.core.management import call_command

        call_command("migrate", database=alias, interactive=False, verbosity=0)
        summary.migrated = [f"{app}.{name}" for app, name in pending]
    summary.seconds["migrate"] = time.monotonic() - started
    started = time.monotonic()
    _restored_checks(manifest, summary, alias)
    summary.seconds["checks"] = time.monotonic() - started
    return summary


# --- The scheduled backup ----------------------------------------------------------------


def scheduled_backup_run(now: datetime | None = None) -> BackupSummary | None:
    """The daily job: a new folder ``fengqiao-YYYYMMDD-HHMMSS`` under FENGQIAO_BACKUP_DIR, then
    the oldest complete ones beyond FENGQIAO_BACKUP_KEEP removed. Store files unchanged since the
    newest complete backup are hard-linked to it (each folder stays a whole backup on its own:
    removing an old one removes only its names for the files). Only folders named so are touched;
    an unfinished one (no manifest: a run killed part-way) is removed after a day. Nothing when no
    directory is configured."""
    root = settings.FENGQIAO_BACKUP_DIR
    if not root:
        return None
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    ours = [p for p in Path(root).glob(f"{SCHEDULED_PREFIX}*") if SCHEDULED_NAME.fullmatch(p.name) and p.is_dir()]
    done = sorted(p for p in ours if (p / MANIFEST).is_file())
    stale = time.time() - 24 * 3600
    for unfinished in (p for p in ours if not (p / MANIFEST).is_file() and p.stat().st_mtime < stale):
        shutil.rmtree(unfinished)  # a run killed part-way (the job's timeout): never a backup
    previous = done[-1] if done else None
    if previous is not None:
        try:
            manifest_read(previous)
        except BackupError:
            previous = None  # a damaged backup is no base: copy everything
    summary = backup_create(Path(root) / f"{SCHEDULED_PREFIX}{stamp}", previous=previous)
    done.append(summary.folder)
    for old in done[: max(len(done) - max(settings.FENGQIAO_BACKUP_KEEP, 1), 0)]:
        shutil.rmtree(old)
    return summary


def scheduled_backup_task() -> str:
    """The django-q2 entry point of the daily backup."""
    summary = scheduled_backup_run()
    if summary is None:
        return "FENGQIAO_BACKUP_DIR 未配置，未备份"
    return f"{summary.folder}: {summary.database_bytes} B database, {summary.files} files"


#: The django-q2 schedule of the daily backup, there only while FENGQIAO_BACKUP_DIR is set.
BACKUP_SCHEDULE_NAME = "core.backup"
BACKUP_SCHEDULE_FUNC = "fengqiao.core.backup.scheduled_backup_task"


def backup_schedule_ensure(**kwargs: Any) -> None:
    """After migrate: with FENGQIAO_BACKUP_DIR set, the daily backup is scheduled once (02:00
    Asia/Shanghai; an administrator may retime it); without it nothing is scheduled, and a
    schedule made before is kept — migrate may run with another environment than the worker
    (straight to the database, docs/deployment.md); the job does nothing without the folder."""
    from datetime import time as clock

    from django_q.models import Schedule

    from fengqiao.core.schedules import next_daily, schedule_ensure

    if settings.FENGQIAO_BACKUP_DIR:
        schedule_ensure(
            BACKUP_SCHEDULE_NAME, BACKUP_SCHEDULE_FUNC, schedule_type=Schedule.DAILY, next_run=next_daily(clock(2, 0))
        )
