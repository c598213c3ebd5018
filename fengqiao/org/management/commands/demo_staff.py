"""``manage.py demo_staff`` — create a demo login for every role (idempotent)."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fengqiao.org.models import Jurisdiction
from fengqiao.org.services import demo_staff_create, member_units_without_head

DEFAULT_PASSWORD = "fengqiao-demo"  # noqa: S105 — demo logins only, printed by make run


class Command(BaseCommand):
    help = "为每个角色创建演示账号（仅用于演示和培训，可重复执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", default="150525", help="旗县区划代码")
        parser.add_argument("--password", default=os.environ.get("FENGQIAO_DEMO_PASSWORD", DEFAULT_PASSWORD))

    def handle(self, *args: Any, **options: Any) -> None:
        county = Jurisdiction.objects.get(code=options["county"])
        logins = demo_staff_create(county=county, password=options["password"])
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {options['password']}）："))
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.name:<6} {login.department:<8} {login.roles}")
        for unit in member_units_without_head(county):
            self.stdout.write(self.style.WARNING(f"  {unit.name}尚无部门负责人，其书面意见无人签发。"))
