"""``manage.py accountability_propose [--date YYYY-MM-DD]``: propose the accountability records
the known events call for (五(四)) — the job the daily schedule runs; safe to run again."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.accountability.proposals import proposals_run


class Command(BaseCommand):
    help = "根据督办、移交纪委监委、舆情和救济结果提出责任追究记录（可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="按该日期（YYYY-MM-DD）运行，默认今天（北京时间）")

    def handle(self, *args: Any, **options: Any) -> None:
        report = proposals_run(today=options.get("date"))
        self.stdout.write(str(report))
        for line in report.errors:
            self.stderr.write(line)
        if report.errors:
            raise CommandError(f"{len(report.errors)} 项出错")
