"""Confidential personal data at rest (五(三) 落实保密责任; GB/T 39786-2021 level 3).

ID numbers, phone numbers and addresses are encrypted with SM4-GCM (the ``cryptography``
package, OpenSSL's SM4); a keyed SM3 HMAC ("blind index") finds the same person again
without decrypting. Nothing here is written by hand beyond the framing of the stored value.

Stored value: ``sm4gcm:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The additional
authenticated data is the column (``app_label.Model.field``), so a ciphertext copied into
another column does not decrypt.

Keys
- ``FENGQIAO_DATA_KEYS``: ``id:hex32,id:hex32`` — 128-bit SM4 keys; the first encrypts, all
  decrypt (rotation: put the new key first, re-encrypt with ``manage.py`` later, drop the old).
- ``FENGQIAO_INDEX_KEY``: hex — the blind-index key; it never rotates without a re-index.
- Either may instead name a file with ``…_FILE``. Outside production a fixed development key
  is used (and refused in production).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16

# Development only: refused when FENGQIAO_ENV=production.
_DEV_DATA_KEYS = "dev1:000102030405060708090a0b0c0d0e0f"
_DEV_INDEX_KEY = "f0e0d0c0b0a090807060504030201000f0e0d0c0b0a090807060504030201000"


class DecryptionError(Exception):
    """A stored value did not decrypt: wrong key, or the value was tampered with."""


@dataclass(frozen=True)
class Keyring:
    active_id: str
    keys: dict[str, bytes]
    index_key: bytes


def _read(name: str, dev_default: str) -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as fh:
            return fh.read().strip()
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required in production")
    return dev_default


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    """The keys, read once per process."""
    keys: dict[str, bytes] = {}
    active = ""
    for item in _read("FENGQIAO_DATA_KEYS", _DEV_DATA_KEYS).split(","):
        key_id, sep, hexkey = item.strip().partition(":")
        try:
            raw = binascii.unhexlify(hexkey)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"FENGQIAO_DATA_KEYS: key {key_id!r} is not hex") from exc
        if not sep or not key_id or len(raw) != 16:
            raise ImproperlyConfigured("FENGQIAO_DATA_KEYS entries are id:32-hex-digit SM4 keys")
        keys[key_id] = raw
        active = active or key_id
    index_hex = _read("FENGQIAO_INDEX_KEY", _DEV_INDEX_KEY)
    try:
        index_key = binascii.unhexlify(index_hex)
    except binascii.Error as exc:
        raise ImproperlyConfigured("FENGQIAO_INDEX_KEY is not hex") from exc
    if len(index_key) < 16:
        raise ImproperlyConfigured("FENGQIAO_INDEX_KEY must be at least 128 bits")
    return Keyring(active_id=active, keys=keys, index_key=index_key)


def encrypt(plaintext: str, *, context: str) -> str:
    """SM4-GCM encrypt ``plaintext`` for the column named by ``context``."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(ring.keys[ring.active_id]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(context.encode())
    body = enc.update(plaintext.encode("utf-8")) + enc.finalize()
    blob = base64.b64encode(nonce + body + enc.tag).decode("ascii")
    return f"{PREFIX}:{ring.active_id}:{blob}"


def decrypt(stored: str, *, context: str) -> str:
    """Decrypt a value made by :func:`encrypt`; raises :class:`DecryptionError` if it was
    altered or the key is unknown."""
    try:
        prefix, key_id, blob = stored.split(":", 2)
        raw = base64.b64decode(blob, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise DecryptionError("not an encrypted value") from exc
    key = keyring().keys.get(key_id)
    if prefix != PREFIX or key is None or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"unknown key {key_id!r} or malformed value")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(context.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("integrity check failed") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed SM3 (HMAC-SM3) of a normalised value: equal inputs give equal indexes, and the
    index reveals nothing without the key. ``purpose`` separates kinds of value."""
    mac = hmac.HMAC(keyring().index_key, hashes.SM3())
    mac.update(purpose.encode() + b"\x00" + value.encode("utf-8"))
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    """Plain SM3 digest (integrity of files and manifests)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


class EncryptedTextField(models.TextField):
    """A text column stored SM4-GCM encrypted; Python code sees the plaintext.

    It cannot be filtered or ordered on (the ciphertext is random); search goes through a
    blind-index column beside it.
    """

    description = "SM4-GCM encrypted text"

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        self._context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, context=self._context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self._context)


# --- Files ---------------------------------------------------------------------------------
#
# A stored file: ``FILE_MAGIC`` ‖ key id length (1 byte) ‖ key id ‖ nonce ‖ ciphertext ‖ tag.
# The additional authenticated data is one fixed context, not the file's name: a storage may
# rename a file as it saves it (an existing name gets a suffix) and a backup restores it under
# whatever name the store gives; the file's SM3 in the database ties the content to its row.

FILE_MAGIC = b"FQSM4GCM1\n"
FILE_CONTEXT = "fengqiao.file"


def is_encrypted_file(head: bytes) -> bool:
    """Whether the first bytes of a stored file are the encrypted format's header."""
    return head.startswith(FILE_MAGIC)


def file_overhead(head: bytes) -> int:
    """How many bytes the encrypted format adds to a file whose stored bytes begin ``head``."""
    return len(FILE_MAGIC) + 1 + head[len(FILE_MAGIC)] + NONCE_BYTES + TAG_BYTES


def encrypt_bytes(data: bytes, *, context: str = FILE_CONTEXT) -> bytes:
    """SM4-GCM encrypt a file's bytes with the active key."""
    ring = keyring()
    key_id = ring.active_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(ring.keys[ring.active_id]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(context.encode())
    body = enc.update(data) + enc.finalize()
    return FILE_MAGIC + bytes([len(key_id)]) + key_id + nonce + body + enc.tag


def decrypt_bytes(stored: bytes, *, context: str = FILE_CONTEXT) -> bytes:
    """Decrypt bytes made by :func:`encrypt_bytes`; raises :class:`DecryptionError` if they
    were altered or the key is unknown."""
    if not is_encrypted_file(stored) or len(stored) <= len(FILE_MAGIC):
        raise DecryptionError("not an encrypted file")
    at = len(FILE_MAGIC)
    id_len = stored[at]
    key_id = stored[at + 1 : at + 1 + id_len].decode("ascii", "replace")
    raw = stored[at + 1 + id_len :]
    key = keyring().keys.get(key_id)
    if key is None or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"unknown key {key_id!r} or malformed file")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(context.encode())
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionError("integrity check failed") from exc


def column_encrypt_plaintext(connection: Any, *, table: str, column: str, context: str, batch: int = 500) -> int:
    """Encrypt the rows of a column written in plain text before it became an
    ``EncryptedTextField`` (a data migration's step): batch by batch in primary-key order, each
    value not already in the stored format. Returns how many rows it encrypted."""
    done = 0
    last = 0
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            last = rows[-1][0]
            for pk, value in rows:
                if not value or str(value).startswith(f"{PREFIX}:"):
                    continue
                cursor.execute(
                    f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608
                    [encrypt(str(value), context=context), pk],
                )
                done += 1
