"""``manage.py demo_cases --cases N`` — add N realistic demo cases (for demos and measuring at
scale; never in production). The work is done by ``fengqiao.cases.demo``."""

import os
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from fengqiao.cases.demo import DemoRefused, demo_cases_generate
from fengqiao.org.models import Jurisdiction

DEFAULT_PASSWORD = "fengqiao-demo"  # noqa: S105 — demo logins only, as manage.py demo_staff


class Command(BaseCommand):
    help = (
        "批量生成演示案件（用于性能测试和列表、统计演示；只写案件、当事人、参与部门和受理审核记录，"
        "不生成任务、审批、处理意见书、回访，办理中的演示案件无法在页面上继续办理；可重复执行，每次追加）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="生成案件数")
        parser.add_argument("--county", default="150525", help="旗县区划代码")
        parser.add_argument("--seed", type=int, default=42, help="随机数种子（相同种子、相同数据库得到相同数据）")
        parser.add_argument("--batch", type=int, default=5000, help="每个事务写入的案件数")
        parser.add_argument("--years", type=int, default=2, help="受理时间分布在最近几年")
        parser.add_argument(
            "--password",
            default=os.environ.get("FENGQIAO_DEMO_PASSWORD", DEFAULT_PASSWORD),
            help="缺少受理人员时创建的演示账号的密码",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            county = Jurisdiction.objects.get(code=options["county"])
        except Jurisdiction.DoesNotExist:
            raise CommandError(f"旗县 {options['county']} 不存在，请先运行 manage.py setup_naiman") from None
        total = options["cases"]
        started = time.perf_counter()
        quiet = options["verbosity"] < 1
        with tqdm(total=total, unit="件", disable=quiet, file=sys.stderr) as bar:
            try:
                result = demo_cases_generate(
                    county=county,
                    cases=total,
                    seed=options["seed"],
                    batch=options["batch"],
                    years=options["years"],
                    password=options["password"],
                    progress=bar.update,
                )
            except (DemoRefused, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        rate = result.cases / seconds if seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {result.cases} 件演示案件（{county.name}），用时 {seconds:.1f} 秒，{rate:,.0f} 件/秒"
            )
        )
        self.stdout.write(
            f"  缴费人：新增 {result.payers_created}，复用 {result.payers_reused}；"
            f"参与部门 {result.departments}；办理记录 {result.events}；争议事项 {result.categories}"
        )
        for year, (first, last) in sorted(result.numbers.items()):
            self.stdout.write(f"  {year} 年编号：{first}–{last}")
        if options["verbosity"] > 1:
            for state, count in sorted(result.states.items(), key=lambda kv: -kv[1]):
                self.stdout.write(f"  {state:<20} {count}")
