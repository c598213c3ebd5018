"""``manage.py run_deadline_jobs [--date YYYY-MM-DD]``: send today's 催办 and 督办升级 once.

The same job the daily django-q2 schedule runs; safe to run again (notices already sent are
not sent twice)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.handling.followthrough.deadlines import deadline_jobs_run


class Command(BaseCommand):
    help = "发送到期催办和超期督办升级（可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期（YYYY-MM-DD）运行，默认今天（北京时间）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date 应为 YYYY-MM-DD：{options['date']}") from exc
        report = deadline_jobs_run(today=today)
        self.stdout.write(str(report))
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(report.errors)} 项发送失败")
