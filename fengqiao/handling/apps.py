import contextlib
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The django-q2 schedule of the daily 催办/督办 job (fengqiao.handling.followthrough).
DEADLINE_SCHEDULE_NAME = "handling.deadline_jobs"
DEADLINE_SCHEDULE_FUNC = "fengqiao.handling.followthrough.deadline_jobs_task"


def deadline_schedule_ensure(**kwargs: Any) -> None:
    """Create the daily deadline job's schedule once (08:00 Asia/Shanghai), after migrate.
    Idempotent: an existing schedule (perhaps retimed by an administrator) is left alone."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.db import DatabaseError
    from django.utils import timezone
    from django_q.models import Schedule

    shanghai = ZoneInfo("Asia/Shanghai")
    now = timezone.now().astimezone(shanghai)
    first = datetime.combine(now.date(), time(8, 0), tzinfo=shanghai)
    if first <= now:
        first += timedelta(days=1)
    # django_q's tables may not exist yet (e.g. migrating a single app).
    with contextlib.suppress(DatabaseError):
        Schedule.objects.get_or_create(
            name=DEADLINE_SCHEDULE_NAME,
            defaults={
                "func": DEADLINE_SCHEDULE_FUNC,
                "schedule_type": Schedule.DAILY,
                "next_run": first,
                "repeats": -1,
            },
        )


class HandlingConfig(AppConfig):
    """调查处理 — 四(三): joint and special handling, written opinions, the leader's approval,
    the consolidated decision, time-limit follow-through, mediation and legal review."""

    name = "fengqiao.handling"
    label = "handling"
    verbose_name = _("调查处理")

    def ready(self) -> None:
        post_migrate.connect(deadline_schedule_ensure, sender=self, dispatch_uid="handling.deadline_schedule")
        # Provisional case and task deadlines become exact when their year is entered.
        from fengqiao.core.calendar import calendar_year_completed
        from fengqiao.handling.recompute import calendar_year_completed_receiver

        calendar_year_completed.connect(calendar_year_completed_receiver, dispatch_uid="handling.recompute")
