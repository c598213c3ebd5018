from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fengqiao.integrations.outbox import outbox_deliver


class Command(BaseCommand):
    help = "Deliver the outbox's due messages once (the job worker does this every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        run = outbox_deliver(limit=options["limit"])
        self.stdout.write(f"delivered {run.delivered}, retrying {run.retrying}, failed {run.failed}")
