from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The django-q2 schedule of the daily proposals (fengqiao.accountability.proposals).
PROPOSE_SCHEDULE_NAME = "accountability.proposals"
PROPOSE_SCHEDULE_FUNC = "fengqiao.accountability.proposals.proposals_task"


def propose_schedule_ensure(**kwargs: Any) -> None:
    """Create the daily proposals' schedule once (08:30 Asia/Shanghai, after the 08:00 催办/督办
    job whose escalations it reads); an existing, perhaps retimed, schedule is left alone."""
    from datetime import time

    from django_q.models import Schedule

    from fengqiao.core.schedules import next_daily, schedule_ensure

    schedule_ensure(
        PROPOSE_SCHEDULE_NAME, PROPOSE_SCHEDULE_FUNC, schedule_type=Schedule.DAILY, next_run=next_daily(time(8, 30))
    )


class AccountabilityConfig(AppConfig):
    """责任追究 — 五(四): accountability records, proposed from what the system knows,
    confirmed or dismissed by the group office, feeding the department scorecards."""

    name = "fengqiao.accountability"
    label = "accountability"
    verbose_name = _("责任追究")

    def ready(self) -> None:
        post_migrate.connect(propose_schedule_ensure, sender=self, dispatch_uid="accountability.propose_schedule")
