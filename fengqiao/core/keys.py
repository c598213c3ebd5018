"""The keys of the installation (五(三) 落实保密责任): which there are, the refusal of a missing or
development key in production, and the rotation of the personal-data and blind-index keys
(``manage.py keys_rotate``, docs/security.md).

Every key is read by ``fengqiao.core.crypto._read`` from ``NAME`` or ``NAME_FILE``; outside
production a fixed development key stands in. :data:`KEY_SOURCES` lists them all — a test
fails when code reads a key that is not listed — and :func:`keys_refused` names each one that
is missing, malformed or a development key. The system check (``manage.py check``, which
``migrate`` and ``make run`` run) and the web process's start (``fengqiao.wsgi``) refuse to go
on in production while any is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string

from fengqiao.core import crypto


@dataclass(frozen=True)
class KeySource:
    """One key variable: the development value it falls back to and the loader that parses it."""

    name: str
    dev_default: str  # dotted path of the module constant
    loader: str  # dotted path of the function that reads and checks it


#: Every key the system reads: core's own here, an app's key added by the app in its
#: ``AppConfig.ready()`` (:func:`key_source_register`: the audit chain's, the archive packages').
#: A new key belongs here (tests/test_keys.py finds every ``_read("FENGQIAO_…")`` in the code and
#: fails for one that is not).
KEY_SOURCES: list[KeySource] = [
    KeySource("FENGQIAO_DATA_KEYS", "fengqiao.core.crypto._DEV_DATA_KEYS", "fengqiao.core.crypto.keyring"),
    KeySource("FENGQIAO_INDEX_KEY", "fengqiao.core.crypto._DEV_INDEX_KEY", "fengqiao.core.crypto.keyring"),
]


def key_source_register(source: KeySource) -> None:
    """List an app's key (once: a second registration of the name replaces the first)."""
    KEY_SOURCES[:] = [s for s in KEY_SOURCES if s.name != source.name] + [source]


#: ``manage.py keys_rotate`` rotated the keys (not sent for ``--check``): ``ok`` (every value
#: and file checked afterwards), ``key_id`` (the active data key) and ``detail`` (the counts).
#: The audit trail records it (``audit.signals``).
keys_rotated = Signal()


def _dev_parts(value: str) -> set[str]:
    """The key material of a development value (``id:hex,…`` or bare hex), lower-cased."""
    return {item.partition(":")[2].lower() or item.lower() for item in value.split(",") if item.strip()}


def keys_refused() -> list[str]:
    """What is wrong with the keys for production: one line per missing, malformed or
    development key. Empty when all is well (and always outside production)."""
    if not settings.PRODUCTION:
        return []
    problems: list[str] = []
    for source in KEY_SOURCES:
        try:
            value = crypto._read(source.name, "")
            loader: Callable[[], Any] = import_string(source.loader)
            getattr(loader, "cache_clear", lambda: None)()
            loader()
        except (ImproperlyConfigured, OSError) as exc:
            problems.append(f"{source.name}: {exc}")
            continue
        if _dev_parts(value) & _dev_parts(import_string(source.dev_default)):
            problems.append(f"{source.name}: 使用了开发用密钥，生产环境必须配置本单位自己的密钥 (a development key)")
    return problems


# --- Rotation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlindIndex:
    """A blind-index column and the encrypted column it is computed from."""

    model: type[models.Model]
    index_field: str
    source_field: str
    purpose: str


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[crypto.EncryptedTextField]]]:
    """Every model with ``EncryptedTextField`` columns, found through the model registry."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
        if fields:
            yield model, fields


def blind_indexes() -> list[BlindIndex]:
    """Every blind-index column: declared by its model as ``blind_indexes = {index field:
    (source field, purpose)}``. A column named ``…_index`` beside an encrypted ``…`` column that
    is not declared is an error — a rotation must not leave an index behind."""
    found: list[BlindIndex] = []
    for model, fields in encrypted_columns():
        declared: dict[str, tuple[str, str]] = getattr(model, "blind_indexes", {})
        for index_field, (source, purpose) in declared.items():
            found.append(BlindIndex(model, index_field, source, purpose))
        for field in fields:
            name = f"{field.name}_index"
            if any(f.name == name for f in model._meta.concrete_fields) and name not in declared:
                raise ImproperlyConfigured(
                    f"{model._meta.label}.{name} is not declared in {model.__name__}.blind_indexes"
                )
    return found


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


def _batches(model: type[models.Model], columns: list[str], batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """The raw stored values of ``columns``, in primary-key order, ``batch`` rows at a time."""
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    cols = ", ".join(qn(c) for c in columns)
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"SELECT {pk}, {cols} FROM {table} ORDER BY {pk} LIMIT %s", [batch])  # noqa: S608
            else:
                cursor.execute(
                    f"SELECT {pk}, {cols} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [last, batch],
                )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def blind_index_with(key: bytes, value: str, *, purpose: str) -> str:
    """``crypto.blind_index`` under another key (the old one, to tell a stale index from a wrong one)."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(purpose.encode() + b"\x00" + value.encode("utf-8"))
    return mac.finalize().hex()


def file_key_id(stored: bytes) -> str:
    """The key id in an encrypted file's header (``crypto.encrypt_bytes``)."""
    at = len(crypto.FILE_MAGIC)
    return stored[at + 1 : at + 1 + stored[at]].decode("ascii", "replace")


def _key_id(stored: str) -> str:
    return stored.split(":", 2)[1] if stored.count(":") >= 2 else ""


@dataclass
class RotationReport:
    values_reencrypted: int = 0
    values_checked: int = 0
    indexes_recomputed: int = 0
    index_mismatches: int = 0
    files_reencrypted: int = 0
    files_checked: int = 0


def reencrypt_columns(*, batch: int = 500, report: RotationReport, say: Callable[[str], None]) -> None:
    """Re-encrypt every value not under the active data key, batch by batch (one transaction a
    batch, so an interrupted run keeps what it finished and the next run goes on from there)."""
    ring = crypto.keyring()
    qn = connection.ops.quote_name
    for model, fields in encrypted_columns():
        columns = [f.column for f in fields]
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        done = 0
        for rows in _batches(model, columns, batch):
            with transaction.atomic(), connection.cursor() as cursor:
                for row in rows:
                    changes: dict[str, str] = {}
                    for field, stored in zip(fields, row[1:], strict=True):
                        if stored in (None, "") or _key_id(stored) == ring.active_id:
                            continue
                        context = f"{model._meta.app_label}.{model.__name__}.{field.name}"
                        changes[field.column] = crypto.encrypt(crypto.decrypt(stored, context=context), context=context)
                    if changes:
                        sets = ", ".join(f"{qn(c)} = %s" for c in changes)
                        cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk} = %s", [*changes.values(), row[0]])  # noqa: S608
                        done += len(changes)
        report.values_reencrypted += done
        say(f"{model._meta.label}: {done} value(s) re-encrypted")


def recompute_indexes(*, old_key: bytes, batch: int = 500, report: RotationReport, say: Callable[[str], None]) -> None:
    """Recompute every blind index under the active index key from the decrypted source value.
    A stored index that matches neither the old nor the new key is counted (and replaced)."""
    qn = connection.ops.quote_name
    for index in blind_indexes():
        model = index.model
        source, target = _column(model, index.source_field), _column(model, index.index_field)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        context = f"{model._meta.app_label}.{model.__name__}.{index.source_field}"
        done = 0
        for rows in _batches(model, [source, target], batch):
            with transaction.atomic(), connection.cursor() as cursor:
                for key, stored, current in rows:
                    plain = crypto.decrypt(stored, context=context) if stored else ""
                    new = crypto.blind_index(plain, purpose=index.purpose) if plain else ""
                    if current == new:
                        continue
                    if current and current != blind_index_with(old_key, plain, purpose=index.purpose):
                        report.index_mismatches += 1
                    cursor.execute(
                        f"UPDATE {table} SET {qn(target)} = %s WHERE {pk} = %s",  # noqa: S608
                        [new, key],
                    )
                    done += 1
        report.indexes_recomputed += done
        say(f"{model._meta.label}.{index.index_field}: {done} index value(s) recomputed")


def verify_columns(*, batch: int = 500, report: RotationReport) -> list[str]:
    """Decrypt every stored value and check each blind index: what is still wrong, if anything."""
    ring = crypto.keyring()
    problems: list[str] = []
    for model, fields in encrypted_columns():
        for rows in _batches(model, [f.column for f in fields], batch):
            for row in rows:
                for field, stored in zip(fields, row[1:], strict=True):
                    if stored in (None, ""):
                        continue
                    context = f"{model._meta.app_label}.{model.__name__}.{field.name}"
                    try:
                        crypto.decrypt(stored, context=context)
                    except crypto.DecryptionError as exc:
                        problems.append(f"{model._meta.label}.{field.name} #{row[0]}: {exc}")
                    if _key_id(stored) != ring.active_id:
                        problems.append(
                            f"{model._meta.label}.{field.name} #{row[0]}: still under key {_key_id(stored)}"
                        )
                    report.values_checked += 1
    for index in blind_indexes():
        columns = [_column(index.model, index.source_field), _column(index.model, index.index_field)]
        context = f"{index.model._meta.app_label}.{index.model.__name__}.{index.source_field}"
        for rows in _batches(index.model, columns, batch):
            for key, stored, current in rows:
                plain = crypto.decrypt(stored, context=context) if stored else ""
                if (crypto.blind_index(plain, purpose=index.purpose) if plain else "") != current:
                    problems.append(f"{index.model._meta.label}.{index.index_field} #{key}: index does not match")
    return problems


ROTATING_SUFFIX = ".rotating"


def reencrypt_files(*, report: RotationReport, say: Callable[[str], None]) -> list[str]:
    """Re-encrypt every file of the encrypted file store (fengqiao.core.storage) not under the
    active key. Without loss: the re-encrypted copy is saved beside the file first, the file is
    replaced, read back and checked, then the copy removed; a run interrupted in between finds
    the copy and finishes the replacement."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    try:
        from fengqiao.core.storage import EncryptedStorage
    except ImportError:  # pragma: no cover - before the encrypted store existed
        return []
    store = storages["default"]
    if not isinstance(store, EncryptedStorage):
        say("file store: not encrypted, nothing to rotate")
        return []
    raw = store.raw
    active = crypto.keyring().active_id
    problems: list[str] = []
    for name in list(store.walk()):
        if name.endswith(ROTATING_SUFFIX):
            original = name[: -len(ROTATING_SUFFIX)]
            if not raw.exists(original):  # interrupted after the delete: put the copy back
                with raw.open(name, "rb") as handle:
                    raw.save(original, ContentFile(handle.read()))
            raw.delete(name)
            continue
        with raw.open(name, "rb") as handle:
            stored = handle.read()
        if not crypto.is_encrypted_file(stored) or file_key_id(stored) == active:
            report.files_checked += 1
            continue
        plain = crypto.decrypt_bytes(stored)
        fresh = crypto.encrypt_bytes(plain)
        copy = raw.save(name + ROTATING_SUFFIX, ContentFile(fresh))
        raw.delete(name)
        saved = raw.save(name, ContentFile(fresh))
        with raw.open(saved, "rb") as handle:
            if saved != name or crypto.decrypt_bytes(handle.read()) != plain:
                problems.append(f"file {name}: re-encrypted copy kept as {copy}")
                continue
        raw.delete(copy)
        report.files_reencrypted += 1
        report.files_checked += 1
    say(f"file store: {report.files_reencrypted} file(s) re-encrypted")
    return problems


@register(Tags.security)
def keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, every key must be the installation's own (``manage.py check``, run by
    ``migrate`` and ``make run`` before the server starts)."""
    return [Error(problem, id="fengqiao.E101") for problem in keys_refused()]
