"""manage.py keys_rotate — re-encrypt the personal data under the active data key and, with the
old index key, recompute the blind indexes under the new one (五(三); docs/security.md).

1. Put the new SM4 key first in FENGQIAO_DATA_KEYS (keep the old ones after it) and, to rotate
   the blind-index key, set the new FENGQIAO_INDEX_KEY and give the old one here.
2. Run this (a maintenance window: until it finishes, a search by ID number or phone finds only
   the rows already recomputed). It goes batch by batch, one transaction a batch; run it again
   after an interruption and it goes on where it stopped.
3. It decrypts every value afterwards and checks every index; only then drop the old data key.
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.core import crypto, keys


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column and file under the active key; recompute blind indexes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--index-key-old",
            default=os.environ.get("FENGQIAO_INDEX_KEY_OLD", ""),
            help="the previous FENGQIAO_INDEX_KEY (hex); recompute every blind index under the new one",
        )
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--check", action="store_true", help="only verify: decrypt every value, check indexes")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        old_hex = options["index_key_old"].strip()
        old_key = b""
        if old_hex:
            try:
                old_key = binascii.unhexlify(old_hex)
            except binascii.Error as exc:
                raise CommandError("--index-key-old is not hex") from exc
            if old_key == crypto.keyring().index_key:
                raise CommandError("--index-key-old is the current FENGQIAO_INDEX_KEY: set the new key first")
        report = keys.RotationReport()
        say = self.stdout.write
        problems: list[str] = []
        if not options["check"]:
            keys.reencrypt_columns(batch=batch, report=report, say=say)
            if old_key:
                keys.recompute_indexes(old_key=old_key, batch=batch, report=report, say=say)
            problems += keys.reencrypt_files(report=report, say=say)
        problems += keys.verify_columns(batch=batch, report=report)
        detail = {
            "active_key": crypto.keyring().active_id,
            "index_key_rotated": bool(old_key),
            "values_reencrypted": report.values_reencrypted,
            "values_checked": report.values_checked,
            "indexes_recomputed": report.indexes_recomputed,
            "index_mismatches": report.index_mismatches,
            "files_reencrypted": report.files_reencrypted,
            "problems": len(problems),
        }
        if not options["check"]:
            keys.keys_rotated.send(sender=None, ok=not problems, key_id=crypto.keyring().active_id, detail=detail)
        say(f"checked {report.values_checked} value(s); {len(problems)} problem(s)")
        if problems:
            for line in problems[:20]:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} value(s) or file(s) not right after rotation (first 20 above)")
