"""``manage.py accountability_propose [--date YYYY-MM-DD]``: propose today's accountability records.

The same job the daily django-q2 schedule runs; safe to run again (an event proposed before is
not proposed twice)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.accountability.proposals import proposals_run


class Command(BaseCommand):
    help = "根据督办、移交纪委监委、舆情和救济结果提出责任追究记录（可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期（YYYY-MM-DD）运行，默认今天（北京时间）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date 应为 YYYY-MM-DD：{options['date']}") from exc
        report = proposals_run(today=today)
        self.stdout.write(str(report))
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(report.errors)} 项出错")
