"""待办 of 报送办理 (四(八)) for ``core.todo``: the 12345 hotline office's referrals to dispatch
(new, or returned by a department), and a department's referrals to sign for and to answer
(``permissions.may_dispatch`` / ``may_work`` as filters)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.todo import lean
from fengqiao.core import calendar
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.org.models import Role, Staff
from fengqiao.referrals import permissions
from fengqiao.referrals.models import Referral, ReferralStatus

ROW = ("case", "case__payer", "department")


def _item(source: str, what: str, r: Referral, due: date | None, provisional: bool | None = None) -> TodoItem:
    """A referral's row. ``provisional`` is the stored flag of the limit when there is one (the
    case's); a referral's own limits (签收, 办理) store none, so they are 暂定 when their year's
    holidays are not entered (``calendar.calendar_year_status``, cached: no query per row)."""
    if provisional is None:
        provisional = due is not None and calendar.calendar_year_status(due.year) == calendar.CalendarSource.MISSING
    return TodoItem(
        source=source,
        what=what,
        case_number=r.case.number,
        detail=r.case.payer.name,
        url=reverse("referral-detail", args=[r.pk]),
        due_on=due,
        due_provisional=provisional,
    )


def _to_dispatch(user: Staff) -> QuerySet[Referral]:
    """派单 / 重新派单 / 指定承办 (``may_dispatch``): the county's new and returned referrals
    (``referrals_county_status``)."""
    county = user.jurisdiction
    if county is None:
        return Referral.objects.none()
    return lean(
        Referral.objects.filter(jurisdiction_id=county.pk, status__in=(ReferralStatus.SENT, ReferralStatus.RETURNED))
        .select_related(*ROW)
        .order_by("sent_at", "id"),
        "case__payer",
    )


def _dispatch_item(r: Referral) -> TodoItem:
    what = _("派单（报送单）") if r.status == ReferralStatus.SENT else _("处理退回的报送单")
    return _item("referrals.dispatch", str(what), r, r.case.due_on, r.case.due_provisional)


def _of_department(user: Staff, status: str) -> QuerySet[Referral]:
    """Dispatched to ``user``'s department (``referrals_dept_status``)."""
    if user.department_id is None:
        return Referral.objects.none()
    due = "sign_due_on" if status == ReferralStatus.DISPATCHED else "handle_due_on"
    return lean(
        Referral.objects.filter(department_id=user.department_id, status=status)
        .select_related(*ROW)
        .order_by(due, "id"),
        "case__payer",
    )


register(
    TodoSource(
        key="referrals.dispatch",
        label=_("待派单"),
        queryset=_to_dispatch,
        item=_dispatch_item,
        applies=lambda u: u.has_role(Role.HOTLINE_OFFICE),
        order=50,
        list_url="referral-desk",
    )
)
register(
    TodoSource(
        key="referrals.sign_for",
        label=_("待签收报送事项"),
        queryset=lambda u: _of_department(u, ReferralStatus.DISPATCHED),
        item=lambda r: _item("referrals.sign_for", str(_("签收报送事项")), r, r.sign_due_on),
        applies=lambda u: u.department_id is not None and u.has_role(*permissions.DEPARTMENT_ROLES),
        order=51,
        list_url="referral-desk",
    )
)
register(
    TodoSource(
        key="referrals.answer",
        label=_("待反馈报送事项"),
        queryset=lambda u: _of_department(u, ReferralStatus.SIGNED),
        item=lambda r: _item("referrals.answer", str(_("办理并反馈报送事项")), r, r.handle_due_on),
        applies=lambda u: u.department_id is not None and u.has_role(*permissions.DEPARTMENT_ROLES),
        order=52,
        list_url="referral-desk",
    )
)
