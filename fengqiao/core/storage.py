"""The file store, encrypted at rest (五(三) 落实保密责任).

Attachments, issued documents (受理登记表, 送达回证 …), the archive store and the monthly
reports all go through ``default_storage`` / ``FileField``. ``EncryptedStorage`` wraps the
configured store (``settings.STORAGES["default"]``: a folder by default, an S3-compatible
bucket in some deployments) and SM4-GCM encrypts every file it writes with the personal-data
keys (``fengqiao.core.crypto.encrypt_bytes``); reading decrypts, so a view that serves a file
to a permitted reader, the archive's manifest check and the document regeneration read the
plain bytes as before.

A file written before encryption began has no header and is read as it is; ``manage.py
files_encrypt`` encrypts such files in place. The backup copies the stored (encrypted) bytes
through ``raw``, so a backup holds no plain file either, and a restore puts them back as they
were (the context of the encryption is fixed, not the name, so a renamed file still reads).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from os import PathLike
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

from fengqiao.core import crypto

DEFAULT_BACKEND = "django.core.files.storage.FileSystemStorage"


@deconstructible(path="fengqiao.core.storage.EncryptedStorage")
class EncryptedStorage(Storage):
    """A store whose files are SM4-GCM encrypted at rest. ``backend`` names the store beneath
    (by default the file system); every other option is that store's own (``location`` …)."""

    def __init__(self, backend: str = DEFAULT_BACKEND, **options: Any) -> None:
        self.backend = backend
        self.raw: Storage = import_string(backend)(**options)

    # --- what changes: the bytes -----------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written with save(), not opened for writing")
        with self.raw.open(name, "rb") as handle:
            stored = handle.read()
        data = crypto.decrypt_bytes(stored) if crypto.is_encrypted_file(stored) else stored
        return ContentFile(data, name=name)

    def _save(self, name: str, content: File) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self.raw.save(name, ContentFile(crypto.encrypt_bytes(data)))

    def size(self, name: str) -> int:
        """The size of the plain file, as a reader gets it."""
        stored = self.raw.size(name)
        head = self._head(name)
        return stored - crypto.file_overhead(head) if crypto.is_encrypted_file(head) else stored

    def is_encrypted(self, name: str) -> bool:
        """Whether the stored file ``name`` is in the encrypted format."""
        return crypto.is_encrypted_file(self._head(name))

    def encrypt_in_place(self, name: str) -> bool:
        """Encrypt a file written before encryption began, under the same name. False if it
        already was encrypted."""
        with self.raw.open(name, "rb") as handle:
            stored = handle.read()
        if crypto.is_encrypted_file(stored):
            return False
        # Delete and save: a store's save() never overwrites, it picks another name.
        self.raw.delete(name)
        saved = self.raw.save(name, ContentFile(crypto.encrypt_bytes(stored)))
        if saved != name:  # pragma: no cover - only if another writer took the name meanwhile
            raise RuntimeError(f"{name} was saved as {saved}")
        return True

    def walk(self, prefix: str = "") -> Iterator[str]:
        """Every file name under ``prefix``."""
        dirs, files = self.raw.listdir(prefix)
        for file_name in files:
            yield f"{prefix}/{file_name}" if prefix else file_name
        for dir_name in dirs:
            yield from self.walk(f"{prefix}/{dir_name}" if prefix else dir_name)

    def _head(self, name: str) -> bytes:
        with self.raw.open(name, "rb") as handle:
            head: bytes = handle.read(len(crypto.FILE_MAGIC) + 1)
        return head

    # --- what does not: names, listing, times ---------------------------------------------

    def delete(self, name: str) -> None:
        self.raw.delete(name)

    def exists(self, name: str) -> bool:
        return self.raw.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.raw.listdir(path)

    def url(self, name: str | None) -> str:
        return self.raw.url(name)

    def get_valid_name(self, name: str) -> str:
        return self.raw.get_valid_name(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.raw.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str | PathLike[str]) -> str:
        return self.raw.generate_filename(filename)

    def get_accessed_time(self, name: str) -> datetime:
        return self.raw.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.raw.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.raw.get_modified_time(name)


def raw_store(storage: Storage) -> Storage:
    """The store beneath an encrypted one (its stored bytes), or the store itself."""
    return storage.raw if isinstance(storage, EncryptedStorage) else storage
