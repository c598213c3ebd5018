"""The county's set-up — dispute categories, townships, departments — read once per process.

Every case list page showed the categories and the townships of its filters, read afresh on
each request (issue 12 §2: whole pages at a million cases, where each statement costs 1–4 ms
on PostgreSQL before any row is read). These rows change when an administrator edits them in
the configuration admin, a few times a year; cases never change them. So they are kept here
for ``CACHE_SECONDS``, as the working-day calendar is (``core.calendar``): a save or delete of
a watched model clears this process's copy at once and again after commit, and another process
(a second web worker) reads them again within ``CACHE_SECONDS``. Bulk queryset updates send
no signal; the time limit bounds them too."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save

#: How long another process may show set-up rows an administrator has changed.
CACHE_SECONDS = 300

#: The models whose rows are kept here (a save or delete of any clears everything kept).
WATCHED = ("cases.DisputeCategory", "org.Jurisdiction", "org.Department")

T = TypeVar("T")
_kept: dict[Hashable, tuple[float, Any]] = {}


def setup_cached(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, kept under ``key`` for ``CACHE_SECONDS``; ``load`` returns a list (or
    another value read once), never a lazy queryset."""
    now = time.monotonic()
    hit = _kept.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    _kept[key] = (now, value)
    return value


def setup_cache_clear(**kwargs: Any) -> None:
    """Forget everything kept (a receiver of the watched models' save and delete signals)."""
    _kept.clear()


def _changed(**kwargs: Any) -> None:
    setup_cache_clear()
    transaction.on_commit(setup_cache_clear)  # what another request read meanwhile goes too


for _label in WATCHED:
    post_save.connect(_changed, sender=_label, dispatch_uid=f"core.setup_cache.saved.{_label}")
    post_delete.connect(_changed, sender=_label, dispatch_uid=f"core.setup_cache.deleted.{_label}")
