"""``manage.py audit_verify [--county CODE] [--cases-only|--records-only] [--checkpoint]``:
recompute the keyed chains of the audit trail and of every case timeline and name the first
record changed, removed or inserted in each (``fengqiao.audit.verify``; docs/audit.md). Exit 1
on any break. ``--checkpoint`` (the daily job's way) appends the ``CHAIN_CHECK`` record."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.audit.verify import checkpoint, verify
from fengqiao.org.models import Jurisdiction


class Command(BaseCommand):
    help = "校验审计链与案件办理记录链，指出第一条被修改、删除或插入的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", help="只校验该旗县（代码）的审计链和案件")
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--cases-only", action="store_true", help="只校验案件办理记录链")
        only.add_argument("--records-only", action="store_true", help="只校验审计记录链")
        parser.add_argument(
            "--checkpoint", action="store_true", help="校验后写入校验点（CHAIN_CHECK 审计记录；须全量校验）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        county = None
        if options["county"]:
            county = Jurisdiction.objects.filter(code=options["county"]).first()
            if county is None:
                raise CommandError(f"--county: 没有代码为 {options['county']} 的旗县", returncode=2)
        records, cases = not options["cases_only"], not options["records_only"]
        if options["checkpoint"] and (county is not None or not (records and cases)):
            raise CommandError("--checkpoint: 校验点只在全量校验时写入（不带 --county、--cases-only、--records-only）")
        started = time.monotonic()
        report = verify(county=county, records=records, cases=cases)
        seconds = time.monotonic() - started
        for brk in report.breaks:
            self.stderr.write(brk.describe())
        if report.count > len(report.breaks):
            self.stderr.write(f"……另有 {report.count - len(report.breaks)} 处")
        self.stdout.write(
            f"审计记录 {report.records} 条，案件 {report.cases} 件、办理记录 {report.events} 条，"
            f"{seconds:.1f} 秒；断裂 {report.count} 处"
        )
        if options["checkpoint"]:
            entry = checkpoint(report)
            self.stdout.write(
                f"校验点 CHAIN_CHECK id={entry.pk} stream={entry.stream} seq={entry.seq} link={entry.link}"
            )
        if not report.ok:
            raise CommandError(f"审计链校验失败：{report.count} 处断裂", returncode=1)
