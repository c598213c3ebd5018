"""manage.py files_encrypt — encrypt in place the files written before the file store was
encrypted (五(三), fengqiao.core.storage). Files already encrypted are left alone, so it can be
run again at any time; ``--check`` only counts the plain files (exit status 1 if any)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.core.storage import EncryptedStorage


class Command(BaseCommand):
    help = "Encrypt in place every file of the file store still stored in plain text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only count the plain files; exit 1 if any")

    def handle(self, *args: Any, **options: Any) -> None:
        store = storages["default"]
        if not isinstance(store, EncryptedStorage):
            raise CommandError("STORAGES['default'] is not fengqiao.core.storage.EncryptedStorage")
        plain = [name for name in store.walk() if not store.is_encrypted(name)]
        if options["check"]:
            self.stdout.write(f"{len(plain)} plain file(s)")
            if plain:
                raise CommandError(f"{len(plain)} file(s) stored in plain text")
            return
        for name in plain:
            store.encrypt_in_place(name)
        self.stdout.write(f"encrypted {len(plain)} file(s)")
