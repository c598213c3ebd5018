"""待办 of 四(二) 审核转办: registered matters waiting for the receiving department's review
and routing (``core.todo``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case, Channel
from fengqiao.cases.selectors import review_scope
from fengqiao.cases.states import CaseState
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.org.models import Role, Staff

CASE_ROW = ("payer", "receiving_department")
#: A party's encrypted fields (``core.crypto``): a to-do row shows the party's name only, and
#: decrypting these cost a third of a row read (0.1 ms a party).
PARTY_SECRETS = ("id_number", "phone", "address")


def lean(qs: QuerySet[Any], *parties: str) -> QuerySet[Any]:
    """``qs`` without the encrypted fields of the parties it reads (``select_related`` paths
    such as ``"payer"`` or ``"case__payer"``)."""
    return qs.defer(*(f"{party}__{name}" for party in parties for name in PARTY_SECRETS))


#: Who may hold the receiving department's work (``review_scope``): its clerks and head, the
#: group office, and whoever registered the case (the hotline office registers work orders).
REVIEWER_ROLES = (Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD, Role.GROUP_OFFICE, Role.HOTLINE_OFFICE)


def case_item(source: str, what: str, case: Case, url: str) -> TodoItem:
    """A to-do row about a case as a whole, due on the limit of its current step (暂定 when the
    case's is)."""
    return TodoItem(
        source=source,
        what=what,
        case_number=case.number,
        detail=case.payer.name,
        url=url,
        due_on=case.due_on,
        due_provisional=case.due_provisional,
    )


def _to_review(user: Staff) -> QuerySet[Case]:
    """四(二) 受理部门…审核转办 (``permissions.may_review``): the first receiver, the receiving
    department's clerks and head, the group office — one working day."""
    return lean(
        Case.objects.filter(review_scope(user), state=CaseState.REGISTERED)
        .select_related(*CASE_ROW)
        .order_by("due_on", "id"),
        "payer",
    )


def _review_what(case: Case) -> str:
    """The row's step, with the channel when the payer filed online (线上枫桥): the clerk's
    review then also makes the 四(一) intake decision the window makes at registration."""
    if case.channel == Channel.ONLINE:
        return str(_("审核转办（网上受理）"))
    return str(_("审核转办"))


register(
    TodoSource(
        key="cases.review",
        label=_("待审核转办"),
        queryset=_to_review,
        item=lambda c: case_item("cases.review", _review_what(c), c, reverse("case-review", args=[c.number])),
        applies=lambda u: u.has_role(*REVIEWER_ROLES),
        order=10,
    )
)
