"""The workbench (工作台): its warnings, and what the apps above core put on it.

The warnings (工作台提示) each say what is wrong and lead their reader to the page that puts it
right, or, for a reader who cannot act, name who can. Today they are about the working-day
calendar (a year whose 法定节假日 and 调休上班日 nobody has entered: deadlines in it are counted
Monday to Friday and marked 暂定) and about the reader's own account (no role, no department),
which only the 系统管理员 can change.

The tiles and the rest of the page are the apps' (the cases, the follow-up, the reminders, the
auditor's summary): each registers them from its ``AppConfig.ready()`` (:func:`tiles_register`,
:func:`context_register`); core names none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao.core import calendar

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from fengqiao.org.models import Staff


@dataclass(frozen=True)
class WorkbenchWarning:
    """One warning: the text, and the page its reader can use (``url``) with the words of the
    link; ``contacts`` name who can act when the reader cannot."""

    text: str
    url: str = ""
    link_text: str = ""
    contacts: str = ""


def administrators_for(staff: Staff, *, limit: int = 3) -> list[Staff]:
    """The 系统管理员 a member of staff turns to: those of their own county first (one query)."""
    from fengqiao.org.models import Role, Staff

    admins = Staff.objects.filter(is_active=True, roles__role=Role.ADMINISTRATOR).select_related("department")
    county = staff.jurisdiction
    found = list(admins.filter(department__jurisdiction=county)[:limit]) if county else []
    return found or list(admins.order_by("pk")[:limit])


def _contacts(staff: Staff) -> str:
    people = administrators_for(staff)
    if not people:
        return _("系统管理员（尚未设置，请联系本单位信息化负责人）")
    names = "、".join(
        f"{p.name or p.username}（{p.office_phone}）" if p.office_phone else (p.name or p.username) for p in people
    )
    return _("系统管理员：%(names)s") % {"names": names}


def calendar_year_entry_url(year: int) -> str:
    """The admin page where ``year``'s holidays are entered: its 节假日安排年度 if one was
    started, else a new one for that year."""
    from fengqiao.core.models import CalendarYear

    started = CalendarYear.objects.filter(year=year).values_list("pk", flat=True).first()
    if started is not None:
        return reverse("admin:core_calendaryear_change", args=[started])
    return reverse("admin:core_calendaryear_add") + f"?year={year}"


def workbench_warnings(*, staff: Staff, today: date) -> list[WorkbenchWarning]:
    """The warnings for ``staff`` on ``today``'s workbench. Costs no query when nothing is
    wrong and the calendar is cached; one or two when something is."""
    from fengqiao.org.permissions import may_administer

    warnings: list[WorkbenchWarning] = []
    administers = may_administer(staff)
    contacts: str | None = None

    def who_can() -> str:
        nonlocal contacts
        if contacts is None:
            contacts = _contacts(staff)
        return contacts

    # Cases registered now have deadlines next year: warn a year ahead.
    for year in calendar.missing_years(through=today.replace(year=today.year + 1)):
        text = _(
            "尚未录入%(year)d年的节假日安排：涉及该年的期限按周一至周五暂计，并标注“暂定”；"
            "录入国务院办公厅公布的节假日安排后自动重新计算。"
        ) % {"year": year}
        if administers:
            warnings.append(
                WorkbenchWarning(
                    text=text,
                    url=calendar_year_entry_url(year),
                    link_text=_("录入%(year)d年节假日安排") % {"year": year},
                )
            )
        else:
            warnings.append(WorkbenchWarning(text=text + _("节假日安排由系统管理员录入。"), contacts=who_can()))

    if not staff.role_set and not staff.is_superuser:
        warnings.append(
            WorkbenchWarning(text=_("您尚未被分配角色，暂时不能办理案件。角色由系统管理员分配。"), contacts=who_can())
        )
    if staff.department_id is None and not administers and not staff.is_superuser:
        warnings.append(
            WorkbenchWarning(text=_("您尚未被分配所在部门，看不到任何案件。部门由系统管理员设置。"), contacts=who_can())
        )
    return warnings


# --- What the apps put on the workbench -------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    """A row of numbered tiles: ``reads(user, today)`` gives each tile's read by name (none for
    a user the row is not for). Every row's reads are counted together in one statement
    (``core.paging.capped_counts``): to ``core.todo.COUNT_CAP`` ("999+"), or exactly with
    ``exact``. The page finds the numbers under ``name``; the names in ``zero`` are 0 when not read."""

    name: str
    reads: Callable[[Staff, date], dict[str, QuerySet[Any]]]
    exact: bool = False
    zero: tuple[str, ...] = ()


#: What else the page shows, by whom it is for: ``context(user)`` gives template variables.
#: ``case_work``: for staff who do case work; else for the auditor's workbench (三员分立).
@dataclass(frozen=True)
class Context:
    context: Callable[[Staff], dict[str, Any]]
    case_work: bool = True


_tiles: dict[str, Tiles] = {}
_contexts: list[Context] = []


def tiles_register(tiles: Tiles) -> None:
    """Add (or replace, by name) a row of tiles, in the order the apps are installed."""
    _tiles[tiles.name] = tiles


def context_register(context: Callable[[Staff], dict[str, Any]], *, case_work: bool = True) -> None:
    if all(c.context is not context for c in _contexts):
        _contexts.append(Context(context, case_work))


def tile_counts(*, user: Staff, today: date, cap: int) -> dict[str, dict[str, int]]:
    """Every row's numbers, by row name, from one statement."""
    from fengqiao.core import paging

    reads = {name: tiles.reads(user, today) for name, tiles in _tiles.items()}
    capped = {k: qs for name, tiles in _tiles.items() if not tiles.exact for k, qs in reads[name].items()}
    exact = {k: qs for name, tiles in _tiles.items() if tiles.exact for k, qs in reads[name].items()}
    counts = paging.capped_counts(capped, cap, exact=exact)
    return {
        name: {**dict.fromkeys(tiles.zero, 0), **{k: counts[k] for k in reads[name]}} for name, tiles in _tiles.items()
    }


def page_context(*, user: Staff, case_work: bool) -> dict[str, Any]:
    """The apps' template variables for ``user``'s workbench."""
    found: dict[str, Any] = {}
    for entry in _contexts:
        if entry.case_work == case_work:
            found.update(entry.context(user))
    return found
