"""Every read of online items that depends on who is asking (CONVENTIONS 3): an item someone
may not read and an item that does not exist give the same 404."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from fengqiao.cases.models import Case, CaseDepartment
from fengqiao.core.identifiers import mask_mobile, mask_resident_id
from fengqiao.opinion import permissions
from fengqiao.opinion.models import ItemCase, ItemStatus, OnlineItem
from fengqiao.org.models import Staff

LIST_LIMIT = 200

# An ID number or a mobile number written in free text (the summary of a post).
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def text_masked(text: str) -> str:
    """``text`` with every ID number and mobile number masked as the case pages mask them
    (``core.identifiers``): an item's summary copies what a post said, a person's data too."""
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(1)), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group(1)), text)


def summary_for(*, user: Staff, item: OnlineItem) -> str:
    return item.summary if permissions.may_read_plain(user, item) else text_masked(item.summary)


def items_visible_to(user: Staff) -> QuerySet[OnlineItem]:
    """The items ``user`` may read: the whole county for the office roles, the leader and the
    deputies; for a department's staff, the items it answers for or which link to a case it
    works on; anyone else, none."""
    county_id = user.department.jurisdiction_id if user.department_id and user.department else None
    if county_id is None or not user.is_active:
        return OnlineItem.objects.none()
    qs = OnlineItem.objects.filter(jurisdiction_id=county_id)
    if user.has_role(*permissions.COUNTY_READ_ROLES):
        return qs
    if not permissions.reads_department_items(user):
        return OnlineItem.objects.none()
    department_id = user.department_id
    assert department_id is not None  # the county came from it
    involved = CaseDepartment.objects.filter(department_id=department_id).values("case_id")
    linked = ItemCase.objects.filter(item=OuterRef("pk"), case_id__in=involved)
    return qs.filter(Q(responsible_department_id=department_id) | Q(Exists(linked)))


def item_get_for(*, user: Staff, pk: int, for_update: bool = False) -> OnlineItem:
    qs = items_visible_to(user).select_related("jurisdiction", "responsible_department", "recorded_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except OnlineItem.DoesNotExist:
        raise Http404("no such item") from None


@dataclass(frozen=True)
class ItemFilter:
    status: str = ""
    risk: str = ""
    platform: str = ""
    department: int | None = None
    number: str = ""


def item_list_for(*, user: Staff, filters: ItemFilter | None = None) -> QuerySet[OnlineItem]:
    """The list: newest seen first, with what a row shows fetched up front (a fixed number of
    statements whatever the number of rows)."""
    f = filters or ItemFilter()
    qs = items_visible_to(user)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.risk:
        qs = qs.filter(risk=f.risk)
    if f.platform:
        qs = qs.filter(platform=f.platform)
    if f.department:
        qs = qs.filter(responsible_department_id=f.department)
    if f.number:
        qs = qs.filter(number__icontains=f.number.strip())
    return (
        qs.select_related("responsible_department")
        .prefetch_related("categories", Prefetch("case_links", ItemCase.objects.select_related("case")))
        .order_by("-seen_at", "-id")
    )


def open_items(*, user: Staff) -> QuerySet[OnlineItem]:
    return items_visible_to(user).exclude(status=ItemStatus.CLOSED)


def item_links(*, item: OnlineItem, user: Staff) -> list[tuple[ItemCase, bool]]:
    """The item's cases, each with whether ``user`` may open the case page (only the cases
    ``cases.selectors.cases_visible_to`` gives; the others show their number only)."""
    from fengqiao.cases.selectors import cases_visible_to

    links = list(item.case_links.select_related("case", "linked_by").order_by("linked_at", "id"))
    seen = set(cases_visible_to(user).filter(pk__in=[link.case_id for link in links]).values_list("pk", flat=True))
    return [(link, link.case_id in seen) for link in links]


def items_of_case(*, case: Case, user: Staff) -> QuerySet[OnlineItem]:
    """The items linked to ``case`` that ``user`` may read (the case's side of the link)."""
    return items_visible_to(user).filter(case_links__case=case).order_by("-seen_at")
