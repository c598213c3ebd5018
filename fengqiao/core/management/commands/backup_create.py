"""``manage.py backup_create DIR``: back up the database, every file store and the key
references (ids and SM3 fingerprints, never the keys) into the new or empty folder DIR, with an
SM3 manifest (``fengqiao.core.backup``; docs/backup.md). Exit 1 on failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库、文件与密钥指纹到一个新的空目录（含SM3清单）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="备份目录（不存在或为空）")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_create(Path(options["folder"]), alias=options["database"])
        except BackupError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"备份失败：{len(exc.problems)} 个问题", returncode=1) from exc
        counts = "，".join(f"{k} {v}" for k, v in summary.counts.items())
        self.stdout.write(
            f"{summary.folder}: {summary.vendor} 数据库 {summary.database_bytes} 字节"
            f"（{summary.seconds_database:.1f} 秒），文件 {summary.files} 个 {summary.file_bytes} 字节"
            f"（{summary.seconds_files:.1f} 秒）；{counts}"
        )
