"""``manage.py monthly_analysis [--month YYYY-MM] [--county CODE]`` — generate the 综合分析报告
of a month (default: the month just ended) for one county or every county."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fengqiao.analytics import services
from fengqiao.analytics.management.commands._counties import counties_chosen


class Command(BaseCommand):
    help = "生成月度综合分析报告（四(六)）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM；默认为上月")
        parser.add_argument("--county", help="旗县区划代码；默认为全部旗县")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["month"]:
            try:
                year, month = (int(p) for p in options["month"].split("-"))
                services.month_validate(year, month, today=today)
            except (ValueError, ValidationError) as exc:
                raise CommandError(f"月份有误：{options['month']}（格式 YYYY-MM，且该月已开始）") from exc
        else:
            year, month = services.previous_month(today)
        for county in counties_chosen(options["county"]):
            report = services.report_generate(county=county, year=year, month=month)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{county.name} {year}年{month}月综合分析报告 第{report.version}版："
                    f"受理{report.figures['received']}件，预警{len(report.figures['warnings'])}条"
                )
            )
