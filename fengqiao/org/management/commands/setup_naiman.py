"""``manage.py setup_naiman`` — load the Naiman Banner default set-up (idempotent): the
organisation, then what each app adds to it (``org.services.SETUP_LOADERS``)."""

from typing import Any

from django.core.management.base import BaseCommand

from fengqiao.org.services import SETUP_LOADERS, member_units_without_head, naiman_setup_load


class Command(BaseCommand):
    help = "载入奈曼旗默认配置：辖区、成员单位及职责、税务局内设部门、争议处理工作室、领导小组（可重复执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        county = naiman_setup_load()
        for loader in SETUP_LOADERS:
            said = loader(county)
            if said:
                self.stdout.write(said)
        self.stdout.write(self.style.SUCCESS(f"已载入 {county.name}（{county.code}）默认配置"))
        headless = member_units_without_head(county)
        if headless:
            names = "、".join(d.short_name or d.name for d in headless)
            self.stdout.write(
                self.style.WARNING(
                    f"以下成员单位尚无部门负责人，其书面意见无人签发：{names}。"
                    "请在系统配置中为每个成员单位添加部门负责人（演示环境可运行 manage.py demo_staff）。"
                )
            )
