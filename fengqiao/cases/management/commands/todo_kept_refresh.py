"""``manage.py todo_kept_refresh`` — write every case's kept to-do values (``cases.kept``:
``decision_ready``, ``archive_ready``, ``archive_window_until``) from their rules: after rows were
written straight to the tables (an import, a benchmark's fixtures), never needed after the
services' own writes. ``--check`` only reports the cases whose kept values differ."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from fengqiao.cases import kept


class Command(BaseCommand):
    help = "按规则重写案件的待办标记（待出具处理意见、待归档）；--check 只报告与规则不一致的案件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="只检查，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            drift = kept.drifted(limit=50)
            for line in drift:
                self.stdout.write(line)
            if drift:
                raise CommandError(f"{len(drift)}{'+' if len(drift) >= 50 else ''} kept values differ from their rules")
            self.stdout.write("kept to-do values agree with their rules")
            return
        with transaction.atomic():
            n = kept.repair()
        self.stdout.write(f"kept to-do values written for {n} cases")
