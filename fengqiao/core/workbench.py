"""The workbench's warnings (工作台提示): each says what is wrong and leads its reader to the
page that puts it right, or, for a reader who cannot act, names who can.

Today the warnings are about the working-day calendar (a year whose 法定节假日 and 调休上班日
nobody has entered: deadlines in it are counted Monday to Friday and marked 暂定) and about
the reader's own account (no role, no department), which only the 系统管理员 can change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao.core import calendar

if TYPE_CHECKING:
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
