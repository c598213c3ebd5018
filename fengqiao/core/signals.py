"""Keep the working-day calendar consistent when an administrator edits it.

Every save or delete of a ``CalendarDay`` or ``CalendarYear`` clears the calendar cache at
once (so this request counts with the new rows) and again after commit (so a computation
that ran between the save and the commit does not keep uncommitted data), then tells other
apps through ``calendar_changed`` and, for a completed year, ``calendar_year_completed``.
Bulk queryset updates bypass these signals; the cache then expires after
``calendar.CACHE_SECONDS``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from fengqiao.core.calendar import (
    calendar_cache_clear,
    calendar_changed,
    calendar_year_completed,
)
from fengqiao.core.models import CalendarDay, CalendarYear


def _schedule_changed(sender: type, year: int) -> None:
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)
    transaction.on_commit(lambda: calendar_changed.send_robust(sender=sender, year=year))


@receiver(post_save, sender=CalendarDay, dispatch_uid="core.calendar_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="core.calendar_day_deleted")
def calendar_day_changed(sender: type, instance: CalendarDay, **kwargs: Any) -> None:
    """A holiday or make-up working day was entered, corrected or removed."""
    _schedule_changed(sender, instance.date.year)


@receiver(post_delete, sender=CalendarYear, dispatch_uid="core.calendar_year_deleted")
def calendar_year_deleted(sender: type, instance: CalendarYear, **kwargs: Any) -> None:
    """A year's record was removed: its deadlines are provisional again unless the package
    knows it."""
    _schedule_changed(sender, instance.year)


@receiver(post_save, sender=CalendarYear, dispatch_uid="core.calendar_year_saved")
def calendar_year_saved(sender: type, instance: CalendarYear, **kwargs: Any) -> None:
    """A year's record was saved; once it is complete, provisional deadlines can be fixed."""
    year = instance.year
    _schedule_changed(sender, year)
    if instance.complete:
        transaction.on_commit(lambda: calendar_year_completed.send_robust(sender=sender, year=year))
