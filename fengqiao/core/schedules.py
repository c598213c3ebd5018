"""The background jobs' schedules (django-q2): each app makes its own once, after migrate.

Written once here because five jobs need the same three things: the next local time of day
(Asia/Shanghai, the county's clock), "create once, never overwrite" (an administrator may have
retimed a schedule in the admin), and tolerance of django_q's tables not existing yet (migrating
a single app)."""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import DatabaseError
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_daily(at: time) -> datetime:
    """The next ``at`` o'clock, Asia/Shanghai (today's if it is still ahead, else tomorrow's)."""
    now = timezone.now().astimezone(SHANGHAI)
    first = datetime.combine(now.date(), at, tzinfo=SHANGHAI)
    return first if first > now else first + timedelta(days=1)


def next_monthly(day: int, at: time) -> datetime:
    """The next ``day`` of a month (1–28) at ``at`` o'clock, Asia/Shanghai: this month's if it is
    still ahead, else next month's."""
    now = timezone.now().astimezone(SHANGHAI)
    first = datetime.combine(now.date().replace(day=day), at, tzinfo=SHANGHAI)
    if first > now:
        return first
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime.combine(now.date().replace(year=year, month=month, day=day), at, tzinfo=SHANGHAI)


def schedule_ensure(name: str, func: str, *, schedule_type: str, next_run: datetime, **extra: Any) -> None:
    """Create the schedule ``name`` once; an existing one (perhaps retimed) is left alone."""
    from django_q.models import Schedule

    with contextlib.suppress(DatabaseError):  # django_q's tables may not exist yet
        Schedule.objects.get_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "next_run": next_run, "repeats": -1, **extra},
        )
