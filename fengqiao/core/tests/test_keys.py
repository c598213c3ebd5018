"""Key rotation and the refusal of development keys (issue 13 §4; 五(三) 落实保密责任;
GB/T 39786-2021 level 3 密钥管理): ``manage.py keys_rotate`` re-encrypts every encrypted column
and file under the active key and recomputes the blind indexes, without loss; production refuses
a missing or development key of every kind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from fengqiao.audit import chain
from fengqiao.audit.models import Action, AuditRecord
from fengqiao.cases.models import Payer, PayerGroup, PayerKind
from fengqiao.core import crypto, keys

NEW_DATA = "new2:" + "11" * 16
NEW_INDEX = "22" * 32


@pytest.fixture
def fresh_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("FENGQIAO_DATA_KEYS", "FENGQIAO_INDEX_KEY", "FENGQIAO_AUDIT_KEYS", "FENGQIAO_PACKAGE_KEYS"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    crypto.keyring.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    crypto.keyring.cache_clear()
    chain.chain_keys.cache_clear()


def _payer(county, n: int) -> Payer:
    id_number, phone = f"15042119900101{n:03d}X", f"1380000{n:04d}"
    return Payer.objects.create(
        jurisdiction=county,
        kind=PayerKind.PERSON,
        name=f"张{n}",
        payer_group=PayerGroup.EMPLOYEE,
        id_number=id_number,
        id_number_index=crypto.blind_index(id_number, purpose="resident_id"),
        phone=phone,
        phone_index=crypto.blind_index(phone, purpose="phone"),
        address=f"大沁他拉镇{n}号",
    )


def _stored(column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cases_payer ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_keys_rotate_reencrypts_every_column_and_file_and_recomputes_the_indexes(naiman, fresh_keys) -> None:
    payers = [_payer(naiman, n) for n in range(7)]
    store = storages["default"]
    name = store.save("rotation-test/receipt.txt", ContentFile(b"\xe9\x80\x81\xe8\xbe\xbe receipt"))
    try:
        assert all(v.startswith("sm4gcm:dev1:") for v in _stored("id_number"))
        fresh_keys.setenv("FENGQIAO_DATA_KEYS", f"{NEW_DATA},dev1:{crypto._DEV_DATA_KEYS.split(':')[1]}")
        fresh_keys.setenv("FENGQIAO_INDEX_KEY", NEW_INDEX)
        crypto.keyring.cache_clear()

        call_command("keys_rotate", index_key_old=crypto._DEV_INDEX_KEY, batch=3)

        for column in ("id_number", "phone", "address"):
            assert all(v.startswith("sm4gcm:new2:") for v in _stored(column)), column
        for before in payers:
            after = Payer.objects.get(pk=before.pk)
            assert (after.id_number, after.phone, after.address) == (before.id_number, before.phone, before.address)
            assert after.id_number_index == crypto.blind_index(before.id_number, purpose="resident_id")
            assert after.phone_index == crypto.blind_index(before.phone, purpose="phone")
            assert after.id_number_index != before.id_number_index  # the new key's index
        if hasattr(store, "raw"):
            with store.raw.open(name, "rb") as handle:
                assert keys.file_key_id(handle.read()) == "new2"
        with store.open(name, "rb") as handle:
            assert handle.read() == b"\xe9\x80\x81\xe8\xbe\xbe receipt"
        rotation = AuditRecord.objects.get(action=Action.KEY_ROTATION)
        assert rotation.detail["values_reencrypted"] == 7 * 3 and rotation.detail["problems"] == 0

        # Resumable and idempotent: a second run finds nothing left to do and verifies.
        call_command("keys_rotate", index_key_old=crypto._DEV_INDEX_KEY)
        assert AuditRecord.objects.filter(action=Action.KEY_ROTATION).latest("seq").detail["values_reencrypted"] == 0
    finally:
        store.delete(name)


def test_keys_rotate_refuses_the_current_index_key_as_the_old_one(db, fresh_keys) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="current FENGQIAO_INDEX_KEY"):
        call_command("keys_rotate", index_key_old=crypto._DEV_INDEX_KEY)


def test_every_encrypted_column_is_found_through_the_model_registry() -> None:
    found = {f"{model._meta.label}.{f.name}" for model, fields in keys.encrypted_columns() for f in fields}
    assert {"cases.Payer.id_number", "cases.CaseParty.phone", "integrations.Endpoint.secret"} <= found
    assert {(i.model._meta.label, i.index_field) for i in keys.blind_indexes()} >= {
        ("cases.Payer", "id_number_index"),
        ("cases.Payer", "phone_index"),
    }


def test_the_old_key_index_is_computed_as_crypto_computes_it(fresh_keys) -> None:
    assert keys.blind_index_with(crypto.keyring().index_key, "x", purpose="p") == crypto.blind_index("x", purpose="p")


# --- Production refuses missing and development keys ------------------------------------------


def test_production_refuses_every_missing_key(settings, fresh_keys) -> None:
    settings.PRODUCTION = True
    refused = keys.keys_refused()
    assert {line.split(":")[0] for line in refused} == {source.name for source in keys.KEY_SOURCES}


def test_production_refuses_a_development_key_given_explicitly(settings, fresh_keys) -> None:
    from django.utils.module_loading import import_string

    settings.PRODUCTION = True
    for source in keys.KEY_SOURCES:
        fresh_keys.setenv(source.name, import_string(source.dev_default))
    refused = keys.keys_refused()
    assert {line.split(":")[0] for line in refused} == {source.name for source in keys.KEY_SOURCES}
    assert all("开发用密钥" in line or "development key" in line for line in refused), refused
    # The installation's own keys pass.
    fresh_keys.setenv("FENGQIAO_DATA_KEYS", NEW_DATA)
    fresh_keys.setenv("FENGQIAO_INDEX_KEY", NEW_INDEX)
    fresh_keys.setenv("FENGQIAO_AUDIT_KEYS", "k1:" + "33" * 32)
    fresh_keys.setenv("FENGQIAO_PACKAGE_KEYS", "k1:" + "44" * 32)
    assert keys.keys_refused() == []
    from django.core.checks import run_checks

    assert not [m for m in run_checks() if m.id == "fengqiao.E101"]


def test_every_key_the_code_reads_is_checked_for_production() -> None:
    """A new key (``_read("FENGQIAO_…")`` anywhere) must be listed in keys.KEY_SOURCES, so
    production refuses it missing or left at its development value."""
    read = set()
    for path in Path(django_settings.BASE_DIR, "fengqiao").rglob("*.py"):
        if "/tests/" in str(path):
            continue
        read |= set(re.findall(r"""_read\(\s*["'](FENGQIAO_[A-Z_]+)["']""", path.read_text(encoding="utf-8")))
    assert read <= {source.name for source in keys.KEY_SOURCES}, read - {s.name for s in keys.KEY_SOURCES}
    assert {"FENGQIAO_DATA_KEYS", "FENGQIAO_INDEX_KEY", "FENGQIAO_AUDIT_KEYS"} <= read
