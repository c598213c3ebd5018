"""``manage.py audit_purge --before YYYY-MM-DD``: remove audit records made before the day, at
least ``FENGQIAO_AUDIT_KEEP_DAYS`` (never below 183: 网络安全法 第二十一条) kept, after a
checkpoint that records each stream's new start (``fengqiao.audit.retention``; docs/audit.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.audit.retention import audit_purge
from fengqiao.core.forms import parse_day


class Command(BaseCommand):
    help = "清理早于指定日期的审计记录（至少保留六个月；案件办理记录不清理）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="清理此日（YYYY-MM-DD）之前的记录")

    def handle(self, *args: Any, **options: Any) -> None:
        before = parse_day(options["before"])
        if before is None:
            raise CommandError(f"--before: 日期 {options['before']!r} 无法识别，请写作 YYYY-MM-DD", returncode=2)
        try:
            summary = audit_purge(before)
        except ValidationError as exc:
            raise CommandError(f"--before: {' '.join(exc.message_dict['before'])}", returncode=2) from exc
        if summary.checkpoint_id is None:
            self.stdout.write(f"{before.isoformat()} 之前没有可清理的审计记录")
            return
        streams = "，".join(f"审计链 {s}：{n} 条" for s, n in sorted(summary.removed.items()))
        self.stdout.write(f"已清理 {summary.total} 条（{streams}）；校验点 id={summary.checkpoint_id}")
