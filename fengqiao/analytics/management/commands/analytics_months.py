"""``manage.py analytics_months [--month YYYY-MM] [--county CODE] [--recount]`` — keep the figures
of a closed month (default: the latest closed month) for one county or every county; with
``--recount``, count a kept month again and rewrite it, and the kept months that compare with
it (after a late correction to one of its cases: ``fengqiao.analytics.months``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fengqiao.analytics import months
from fengqiao.analytics.management.commands._counties import counties_chosen


class Command(BaseCommand):
    help = "保存已结月份的统计数据（综合分析、部门考评）；--recount 重新统计"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM；默认为最近一个已结月份")
        parser.add_argument("--county", help="旗县区划代码；默认为全部旗县")
        parser.add_argument("--recount", action="store_true", help="已保存的月份重新统计并覆盖")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["month"]:
            try:
                year, month = (int(p) for p in options["month"].split("-"))
                if not 1 <= month <= 12:
                    raise ValueError(month)
            except ValueError as exc:
                raise CommandError(f"月份有误：{options['month']}（格式 YYYY-MM）") from exc
            if not months.is_closed(year, month):
                raise CommandError(
                    f"{year}年{month}月尚未结束（月末后{months.CLOSING_DAYS}日结月），其数据为实时统计，不保存"
                )
            if not months.is_kept(year, month):
                raise CommandError(f"{year}年{month}月早于本机制施行之月，其数据为实时统计，不保存")
        else:
            year, month = months.last_closed()
        for county in counties_chosen(options["county"]):
            snapshot = months.month_close(county=county, year=year, month=month, recount=options["recount"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"{county.name} {year}年{month}月：受理{snapshot.figures['received']}件，"
                    f"统计于{timezone.localtime(snapshot.taken_at):%Y-%m-%d %H:%M}（重新统计{snapshot.recounts}次）"
                )
            )
