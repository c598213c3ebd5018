"""待办 — one to-do list: everything that waits on one member of staff (issue 11 §2).

The mechanism moves a matter from one hand to the next (四(一)–(八)): the window registers,
the receiving department reviews and routes, the departments sign for their tasks and write
opinions their heads sign, the office and the leader approve special handling, the 司法局
reviews, the 12345 office dispatches, the receiving department decides, feeds back, follows
up and archives. Each step waits on someone; this registry lets the workbench show each
person every step that waits on them, with its case, its limit and the page that does it.

The core knows nothing of the apps above it: each app declares its own *sources* in a
``todo.py`` module (found by ``autodiscover``, as the admin finds ``admin.py``), each built on
that app's permissions and selectors, so the list holds exactly what the user may act on.

A source costs at most two queries, whatever the number of cases: one bounded query of rows
(``ROW_LIMIT``, ordered by due date) and, only when that read is full, one capped count
(``COUNT_CAP``, 999: "999+" beyond) — fewer rows than the limit are their own exact count. The badge
reads the counts alone, one per source. A count selects the primary key only: the rows'
joins (``select_related``) and annotations are dropped, so it reads no more than its filter
needs. A source whose ``applies`` is false for the user (a role check, no query) costs none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from fengqiao.org.models import Staff

#: Rows fetched per source; the merged list shows the earliest-due ``ROW_LIMIT`` of them all,
#: which is exact because each source returns its own earliest-due rows.
ROW_LIMIT = 50
#: "Near its limit": due today or within this many working days (as the workbench's 即将到期).
NEAR_WORKING_DAYS = 2
#: A source's count is exact up to this number and shown "999+" beyond (the workbench's tiles
#: too): counting stops at ``COUNT_CAP`` + 1 rows, so a source with thousands of rows costs
#: what a thousand cost (the case list page's count stops at 999 too; the API's at
#: ``core.paging.COUNT_CAP``, 10,000).
COUNT_CAP = 999


@dataclass(frozen=True)
class TodoItem:
    """One row of the to-do list: what to do, on which case, by when, and where."""

    source: str
    what: str
    case_number: str
    detail: str
    url: str
    due_on: date | None = None
    #: The limit was counted through a year whose holidays are not entered (weekdays only) and
    #: may move once they are: the row shows it 暂定, as the case pages do (``due_provisional``
    #: of the case, task, visit… the row is about).
    due_provisional: bool = False
    overdue: bool = False
    near: bool = False

    @property
    def sort_key(self) -> tuple[bool, date, str, str]:
        return (self.due_on is None, self.due_on or date.max, self.case_number, self.source)


@dataclass(frozen=True)
class TodoSource:
    """A kind of step waiting on someone, declared by the app that owns the step.

    ``queryset(user)`` is the one read of the rows that wait on ``user`` — built on the app's
    permissions and selectors, ordered by due date, with what a row shows fetched up front (it
    is sliced to ``ROW_LIMIT`` here); ``item(obj)`` turns one row into a ``TodoItem`` without a
    query; ``applies(user)`` is a role test without a query, so a source for roles the user
    does not hold costs nothing."""

    key: str
    label: Any  # a lazy gettext string
    queryset: Callable[[Staff], QuerySet[Any]]
    item: Callable[[Any], TodoItem]
    applies: Callable[[Staff], bool]
    order: int = 100
    list_url: str = ""  # url name of the app's own full list, when it has one


_registry: dict[str, TodoSource] = {}
_discovered = False


def register(source: TodoSource) -> TodoSource:
    """Add (or replace, by key) a source. Apps call it from their ``todo.py``."""
    _registry[source.key] = source
    return source


def autodiscover() -> None:
    """Import every installed app's ``todo`` module (once)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("todo")


def sources() -> list[TodoSource]:
    autodiscover()
    return sorted(_registry.values(), key=lambda s: (s.order, s.key))


def sources_for(user: Staff) -> list[TodoSource]:
    """The sources that may hold something for ``user`` (role tests only, no query)."""
    if not user.is_active or not user.pk:
        return []
    return [s for s in sources() if s.applies(user)]


@dataclass
class TodoList:
    """The to-do list of one member of staff: per source its capped count, and the merged
    rows, earliest due first."""

    today: date
    counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    items: list[TodoItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def capped(self) -> bool:
        return any(n > COUNT_CAP for n in self.counts.values())

    @property
    def overdue(self) -> int:
        """Overdue rows among those shown (rows are earliest due first, so every overdue row
        of a source comes before its others)."""
        return sum(1 for i in self.items if i.overdue)

    def groups(self) -> list[tuple[str, Any, int]]:
        """(key, label, count) of each source with something waiting."""
        return [(k, self.labels[k], n) for k, n in self.counts.items() if n]

    def shown_groups(self) -> list[tuple[str, Any, str]]:
        """``groups`` with each count as shown: "999+" beyond ``COUNT_CAP``."""
        return [(k, label, shown(n)) for k, label, n in self.groups()]

    @property
    def shown_total(self) -> str:
        """The total as shown: exact when no source reached ``COUNT_CAP``, else "N+"."""
        return f"{self.total}+" if self.capped else str(self.total)


def shown(n: int) -> str:
    """A to-do count as shown: exact up to ``COUNT_CAP``, "999+" beyond."""
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


def _flagged(item: TodoItem, today: date, horizon: date) -> TodoItem:
    if item.due_on is None:
        return item
    overdue = item.due_on < today
    near = not overdue and item.due_on <= horizon
    if overdue == item.overdue and near == item.near:
        return item
    return TodoItem(**{**item.__dict__, "overdue": overdue, "near": near})


def _horizon(today: date) -> date:
    from fengqiao.core import calendar

    return calendar.add_working_days(today, NEAR_WORKING_DAYS).day


def capped_count(qs: QuerySet[Any]) -> int:
    """``qs``'s number of rows up to ``COUNT_CAP`` + 1: ``COUNT(*)`` over the primary keys of
    at most that many rows, unordered, without the joins and annotations the rows carry."""
    return int(qs.order_by().values("pk")[: COUNT_CAP + 1].count())


def todo_counts(user: Staff, *, only: Iterable[str] | None = None) -> dict[str, int]:
    """The capped count of each source that applies to ``user`` (one query each)."""
    wanted = set(only) if only is not None else None
    counts: dict[str, int] = {}
    for source in sources_for(user):
        if wanted is not None and source.key not in wanted:
            continue
        counts[source.key] = capped_count(source.queryset(user))
    return counts


def todo_for(user: Staff, *, source: str = "", limit: int | None = None) -> TodoList:
    """Everything that waits on ``user``: per source one bounded query of rows, and a capped
    count only when the rows fill it (fewer are their own count); the rows merged earliest due
    first, overdue and near-limit marked. ``source`` narrows the rows to one source (the
    others are counted only). ``limit``: ``ROW_LIMIT`` as it is when called."""
    limit = ROW_LIMIT if limit is None else limit
    today = timezone.localdate()
    horizon = _horizon(today)
    result = TodoList(today=today)
    for src in sources_for(user):
        qs = src.queryset(user)
        result.labels[src.key] = src.label
        if source and src.key != source:
            result.counts[src.key] = capped_count(qs)
            continue
        rows = list(qs[:limit])
        result.counts[src.key] = len(rows) if len(rows) < limit else capped_count(qs)
        result.items.extend(_flagged(src.item(obj), today, horizon) for obj in rows)
    result.items.sort(key=lambda i: i.sort_key)
    del result.items[limit:]
    return result


def todo_total_for(request: Any) -> int:
    """The navigation's number: the total of the user's counts, computed once per request
    (``request._todo_total``) and only when a template asks for it."""
    cached = getattr(request, "_todo_total", None)
    if cached is None:
        from fengqiao.core.auth import request_staff

        cached = sum(todo_counts(request_staff(request)).values())
        request._todo_total = cached
    return int(cached)
