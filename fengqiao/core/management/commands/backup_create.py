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
        parser.add_argument(
            "--link-dest", help="上一次的备份目录（同一文件系统）：未变的文件硬链接到那里的副本，不再复制"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            previous = Path(options["link_dest"]) if options["link_dest"] else None
            summary = backup_create(Path(options["folder"]), alias=options["database"], previous=previous)
        except BackupError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"备份失败：{len(exc.problems)} 个问题", returncode=1) from exc
        counts = "，".join(f"{k} {v}" for k, v in summary.counts.items())
        self.stdout.write(
            f"{summary.folder}: {summary.vendor} 数据库 {summary.database_bytes} 字节"
            f"（{summary.seconds_database:.1f} 秒），文件 {summary.files} 个 {summary.file_bytes} 字节"
            f"（其中硬链接 {summary.linked} 个）"
            f"（{summary.seconds_files:.1f} 秒）；{counts}"
        )
