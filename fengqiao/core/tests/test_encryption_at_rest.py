"""Personal data only where it must be (五(三) 落实保密责任; issue 13 §2): the file store
encrypts every file at rest (``fengqiao.core.storage``), files written before stay readable and
``files_encrypt`` encrypts them in place, and a column that held plain text is encrypted by its
data migration (``crypto.column_encrypt_plaintext``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import CommandError, call_command
from django.db import connection

from fengqiao.core import crypto
from fengqiao.core.storage import EncryptedStorage, raw_store

PLAIN = "受理登记表 公民身份号码 150525198503150013 电话 13812345678".encode()


@pytest.fixture
def store(settings, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    return tmp_path / "files"


def test_file_bytes_round_trip_and_tampering_is_caught() -> None:
    stored = crypto.encrypt_bytes(PLAIN)
    assert crypto.is_encrypted_file(stored) and PLAIN not in stored
    assert crypto.decrypt_bytes(stored) == PLAIN
    assert len(stored) - crypto.file_overhead(stored) == len(PLAIN)
    forged = stored[:-1] + bytes([stored[-1] ^ 1])
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(forged)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(stored, context="another.context")


def test_the_default_store_encrypts_what_it_writes_and_decrypts_what_it_reads(store: Path) -> None:
    assert isinstance(storages["default"], EncryptedStorage)
    name = default_storage.save("documents/2026/登记表.pdf", ContentFile(PLAIN))
    on_disk = (store / name).read_bytes()
    assert crypto.is_encrypted_file(on_disk)
    assert b"150525198503150013" not in on_disk and b"13812345678" not in on_disk
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == PLAIN
    assert default_storage.size(name) == len(PLAIN)
    assert default_storage.exists(name)
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_a_file_written_before_stays_readable_and_files_encrypt_encrypts_it_in_place(store: Path) -> None:
    legacy = store / "attachments" / "old.pdf"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(PLAIN)
    with default_storage.open("attachments/old.pdf", "rb") as handle:
        assert handle.read() == PLAIN
    assert default_storage.size("attachments/old.pdf") == len(PLAIN)
    with pytest.raises(CommandError, match="1 file"):
        call_command("files_encrypt", "--check")
    call_command("files_encrypt")
    assert crypto.is_encrypted_file(legacy.read_bytes())
    with default_storage.open("attachments/old.pdf", "rb") as handle:
        assert handle.read() == PLAIN
    call_command("files_encrypt", "--check")  # nothing left in plain text
    call_command("files_encrypt")  # and again: nothing to do


def test_the_backup_reads_the_stored_bytes(store: Path) -> None:
    """A backup copies the encrypted bytes (no plain copy on the backup disk); the fixed
    context lets a restored file decrypt under whatever name the store gives it."""
    name = default_storage.save("archive/x.pdf", ContentFile(PLAIN))
    with raw_store(storages["default"]).open(name, "rb") as handle:
        stored = handle.read()
    assert crypto.is_encrypted_file(stored)
    raw_store(storages["default"]).save("archive/renamed.pdf", ContentFile(stored))
    with default_storage.open("archive/renamed.pdf", "rb") as handle:
        assert handle.read() == PLAIN


@pytest.mark.django_db
def test_the_data_migration_encrypts_rows_written_in_plain_text(intake_clerk) -> None:
    """followup 0006 / integrations 0002: the delivery address and the outbox recipient."""
    from fengqiao.integrations.models import Channel, OutboxMessage
    from fengqiao.integrations.outbox import outbox_enqueue

    message = outbox_enqueue(
        channel=Channel.SMS, event_type="t", payload={"text": "x"}, idempotency_key="k", recipient="13812345678"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient FROM integrations_outboxmessage WHERE id = %s", [message.pk])
        assert cursor.fetchone()[0].startswith("sm4gcm:")
        cursor.execute(
            "UPDATE integrations_outboxmessage SET recipient = %s WHERE id = %s", ["13900001111", message.pk]
        )
    done = crypto.column_encrypt_plaintext(
        connection,
        table="integrations_outboxmessage",
        column="recipient",
        context="integrations.OutboxMessage.recipient",
        batch=1,
    )
    assert done == 1
    assert OutboxMessage.objects.get(pk=message.pk).recipient == "13900001111"
    assert (
        crypto.column_encrypt_plaintext(
            connection,
            table="integrations_outboxmessage",
            column="recipient",
            context="integrations.OutboxMessage.recipient",
        )
        == 0
    )
