"""``manage.py backup_restore DIR``: restore a backup made by ``backup_create`` into the
configured database — new and empty, of the backup's vendor — and file stores, then check the
counts, the files the rows name and every sealed dossier (``fengqiao.core.backup``;
docs/backup.md). Refuses, before writing anything, a changed backup file (named), missing or
different keys (the key id named) or a non-empty target (unless ``--force``). Exit 1 on any
problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从备份目录恢复到新建的空数据库与文件存储，并逐一核验已归档案卷"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="backup_create 写出的备份目录")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库或文件存储不为空时仍然恢复（覆盖备份中有的内容）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        try:
            summary = backup_restore(folder, alias=options["database"], force=options["force"])
        except BackupError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{folder}：拒绝恢复，{len(exc.problems)} 个问题；未写入任何数据", returncode=1) from exc
        for warning in summary.warnings:
            self.stderr.write(f"注意：{warning}")
        if summary.migrated:
            self.stdout.write(f"已执行备份之后的迁移：{', '.join(summary.migrated)}")
        counts = "，".join(f"{k} {v}" for k, v in summary.counts.items())
        self.stdout.write(f"已恢复 {summary.vendor} 数据库与 {summary.files} 个文件；{counts}")
        self.stdout.write(f"已归档案卷 {summary.dossiers} 卷，核验通过 {summary.dossiers_ok} 卷")
        steps = {"backup_verify": "核对备份", "database": "数据库", "files": "文件", "migrate": "迁移"}
        steps["checks"] = "核验"
        self.stdout.write("用时：" + "，".join(f"{steps[k]} {v:.1f} 秒" for k, v in summary.seconds.items()))
        for problem in summary.problems:
            self.stderr.write(problem)
        if summary.problems:
            raise CommandError(f"{folder}：恢复后核验发现 {len(summary.problems)} 个问题", returncode=1)
