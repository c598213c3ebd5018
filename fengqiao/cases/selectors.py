"""Every read of cases that depends on who is asking (CONVENTIONS 3).

A case someone may not see and a case that does not exist give the same 404: there is no
other way to fetch one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fengqiao.cases import permissions
from fengqiao.cases.models import (
    Case,
    CaseDepartment,
    CaseEvent,
    CaseLink,
    CaseParty,
    DisputeCategory,
    Payer,
    PayerKind,
    RoutingRule,
)
from fengqiao.cases.states import OPEN_STATES, CaseState
from fengqiao.core import calendar, crypto, paging
from fengqiao.core.setup_cache import setup_cached
from fengqiao.org.models import Department, Jurisdiction, Staff

LIST_RELATED = ("payer", "township", "receiving_department", "owner")

#: Roles that see some cases of their county beyond the departments' own, with the condition on
#: the case, registered by the app whose records let them see it (:func:`seen_by_register`, from
#: its ``AppConfig.ready()``): referrals — the 12345 hotline office the referred cases, the
#: discipline liaison those whose clues were transferred to the 纪委监委 (四(八)).
_seen_by: dict[str, Callable[[], Q]] = {}


def seen_by_register(role: str, condition: Callable[[], Q]) -> None:
    """``condition()``: a filter on the case (an EXISTS on the app's rows), made afresh per read."""
    _seen_by[role] = condition


def cases_visible_to(user: Staff) -> QuerySet[Case]:
    """The cases ``user`` may see: the group office, the leader and deputies see every case of
    their county; department staff see those their department is involved in (a department a
    referral is dispatched to joins the case as co-handling); the 12345 hotline office also sees
    the referred cases of its county and the discipline liaison the cases whose clues were
    transferred to the 纪委监委 (四(八): ``_seen_by``); anyone else, none."""
    county_id = user.department.jurisdiction_id if user.department_id and user.department else None
    if county_id is None or not user.is_active:
        return Case.objects.none()
    qs = Case.objects.filter(jurisdiction_id=county_id)
    if user.has_role(*permissions.COUNTY_WIDE_ROLES):
        return qs
    seen = Q(pk__in=[])
    if user.has_role(*permissions.DEPARTMENT_ROLES) and user.department_id is not None:
        seen |= Q(Exists(CaseDepartment.objects.filter(case=OuterRef("pk"), department_id=user.department_id)))
    for role, condition in _seen_by.items():
        if user.has_role(role):
            seen |= condition()
    if not user.has_role(*permissions.DEPARTMENT_ROLES, *_seen_by):
        return Case.objects.none()
    return qs.filter(seen)


def case_get_for(*, user: Staff, number: str, for_update: bool = False) -> Case:
    """One case by its number, if ``user`` may see it; otherwise 404 as if it did not exist.

    Not joined: ``informed_department`` and ``merged_into``, empty on most cases (an empty
    foreign key reads nothing; the few informed or merged cases read theirs when shown). Each
    join is planned with the visibility's EXISTS: on PostgreSQL at a million cases the two
    took a department user's plan from 7 to 11 ms, for a row found in 0.2 ms."""
    qs = cases_visible_to(user).select_related(*LIST_RELATED, "other_party", "jurisdiction")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(number=number)
    except Case.DoesNotExist:
        raise Http404("no such case") from None


@dataclass(frozen=True)
class CaseFilter:
    """Workbench filters: a view (mine / review / due soon / overdue / all) and the rest."""

    view: str = "all"
    state: str = ""
    category: str = ""
    channel: str = ""
    township: str = ""
    q: str = ""
    received_from: date | None = None
    received_to: date | None = None


WORKBENCH_VIEWS = ("mine", "review", "due_soon", "overdue", "all")

_RESIDENT_ID = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _search_matches(text: str, *, county_id: int) -> QuerySet[Case, Any]:
    """The list's search box: the ids of the cases it finds, exact matches only, each branch an
    index seek (issue 12 §2; ``docs/cases.md``, "Lists and searches at scale"): the case number
    (the county's unique number index), a party's name exactly as registered
    (``cases_party_name``), and — when the text has their shape — a 公民身份号码 or 手机号码 by
    its blind index, or a 统一社会信用代码, on the party's identity (``Payer``). Payer and other
    party are both searched. A UNION of the branches, not one OR: PostgreSQL could not estimate
    the OR and walked the county newest first testing each case (minutes at a million). There is
    no "contains" search: over a million cases no index answers it (it took 2.5–4.5 s).

    Private: the name and identity branches are not limited to a county or a reader (their
    indexes would not serve a join to it); the one caller, ``case_list_for``, keeps only the ids
    within ``cases_visible_to(user)``."""
    from fengqiao.core.identifiers import normalize_mobile, normalize_resident_id

    term = text.strip()
    folded = normalize_resident_id(term)  # NFKC-folded, spaces dropped, upper case
    identities: Q | None = None
    if _RESIDENT_ID.match(folded):
        identities = Q(id_number_index=crypto.blind_index(folded, purpose="resident_id"))
    if _CREDIT_CODE.match(folded):
        by_code = Q(credit_code=folded)
        identities = by_code if identities is None else identities | by_code
    mobile = normalize_mobile(term)
    if _MOBILE.match(mobile):
        by_phone = Q(phone_index=crypto.blind_index(mobile, purpose="phone"))
        identities = by_phone if identities is None else identities | by_phone
    parties = CaseParty.objects.filter(name=term).values("pk")
    if identities is not None:
        people = Payer.objects.filter(identities).values("pk")
        parties = parties.union(CaseParty.objects.filter(identity__in=people).values("pk"))
    ids = Case.objects.order_by().values("pk")
    return (
        # the county and the number: the unique index's two columns (the number alone walked it)
        ids.filter(jurisdiction_id=county_id, number__in=_number_forms(term))
        .union(ids.filter(payer__in=parties))
        .union(ids.filter(other_party__in=parties))
    )


def _number_forms(term: str) -> list[str]:
    """The case number as typed and NFKC-folded upper case (full-width digits, a lower-case
    letter)."""
    from fengqiao.core.identifiers import normalize_social_credit_code

    return sorted({term, normalize_social_credit_code(term)})


DUE_SOON_WORKING_DAYS = 2


def case_list_for(*, user: Staff, filters: CaseFilter | None = None) -> QuerySet[Case]:
    """The workbench list: visible cases, filtered, newest first, with what a row shows
    fetched up front (the number of queries does not grow with the rows)."""
    f = filters or CaseFilter()
    qs = cases_visible_to(user)
    today = timezone.localdate()
    open_states = [s.value for s in OPEN_STATES]
    if f.view == "mine":  # 我的在办: open, as its tab and the home's tile count them
        qs = qs.filter(owner=user, state__in=open_states)
    elif f.view == "review":
        qs = qs.filter(state=CaseState.REGISTERED)
        if not user.has_role(*permissions.COUNTY_WIDE_ROLES):
            qs = qs.filter(receiving_department_id=user.department_id)
    elif f.view == "due_soon":
        horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS).day
        qs = qs.filter(state__in=open_states, due_on__gte=today, due_on__lte=horizon)
    elif f.view == "overdue":
        qs = qs.filter(state__in=open_states, due_on__lt=today)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(categories__code=f.category)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.township:
        qs = qs.filter(township__code=f.township)
    if f.q.strip():
        # A subquery of its own: the planner seeks the matches by their indexes and sorts the
        # few found, instead of walking every case of the county newest first to test each
        # (SQLite did: 2.6 s at a million cases).
        county_id = user.department.jurisdiction_id if user.department_id and user.department else None
        qs = qs.filter(pk__in=_search_matches(f.q, county_id=county_id or 0))
    if f.received_from:
        qs = qs.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__date__lte=f.received_to)
    # Ending in the primary key: a total order, which the API's keyset paging needs.
    order = ("due_on", "-received_at", "-id") if f.view in ("due_soon", "overdue") else ("-received_at", "-id")
    return (
        qs.select_related(*LIST_RELATED)
        .prefetch_related(Prefetch("categories", queryset=DisputeCategory.objects.only("code", "name")))
        .order_by(*order)
    )


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """The case's events in order (the case was fetched through ``case_get_for``)."""
    return case.events.select_related("actor").order_by("at", "id")


def name_conflicts_find(*, user: Staff, parties: Sequence[tuple[str, str, str, str, str]]) -> dict[str, str]:
    """The intake panel's warning (issue 11 §3), before the clerk submits: for each party given
    as ``(form field, kind, name, ID number, credit code)``, a known ID number (or credit code)
    registered in the clerk's county under another name gives the warning the registration
    itself would give (``services.name_conflict``), the earlier name masked (五(三)). One query
    per party with an identity; nothing else of the earlier case is shown."""
    from fengqiao.cases.services import PayerData, name_conflict, payer_known

    county = user.jurisdiction
    warnings: dict[str, str] = {}
    if county is None:
        return warnings
    for field, kind, name, id_number, credit_code in parties:
        if not name.strip() or not (id_number or credit_code):
            continue
        data = PayerData(kind=kind, name=name, payer_group="", id_number=id_number, credit_code=credit_code)
        warning = name_conflict(known=payer_known(county=county, data=data), data=data)
        if warning:
            warnings[field] = warning
    return warnings


def duplicates_find(
    *,
    user: Staff,
    kind: str,
    id_number: str = "",
    credit_code: str = "",
    categories: Sequence[DisputeCategory] = (),
    exclude: Case | None = None,
    window_days: int | None = None,
    related: Sequence[str] = LIST_RELATED,
) -> list[Case]:
    """疑似重复: other cases of the same payer (blind index, or credit code for an employer) in
    the same or related categories, received within the window, from any channel. Only
    cases ``user`` may see are shown. ``related``: what each row brings along (the API's list
    rows show the payer, township, department and owner; the case page's panel none of them)."""
    county_id = user.department.jurisdiction_id if user.department_id and user.department else None
    if county_id is None:
        return []
    payers = Payer.objects.filter(jurisdiction_id=county_id)
    if kind == PayerKind.PERSON and id_number:
        payers = payers.filter(id_number_index=crypto.blind_index(id_number, purpose="resident_id"))
    elif kind == PayerKind.EMPLOYER and credit_code:
        payers = payers.filter(credit_code=credit_code)
    else:
        return []
    days = window_days if window_days is not None else settings.FENGQIAO_DUPLICATE_WINDOW_DAYS
    since = timezone.now() - timedelta(days=days)
    # The payer's cases as a UNION of index seeks (party by identity, case by party), as in
    # ``_search_matches``: one OR of the two made SQLite walk every case received in the window
    # (2.5 s on the case page at a million cases).
    parties = CaseParty.objects.filter(identity__in=payers).values("pk")
    ids = Case.objects.order_by().values("pk")
    matches = ids.filter(payer__in=parties).union(ids.filter(other_party__in=parties))
    qs = cases_visible_to(user).filter(pk__in=matches, received_at__gte=since).exclude(state=CaseState.MERGED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if categories:
        groups = {c.group for c in categories if c.group}
        alike = DisputeCategory.objects.filter(Q(pk__in=[c.pk for c in categories]) | Q(group__in=groups))
        # a join and DISTINCT, driven from the payer's few cases: an EXISTS instead made
        # PostgreSQL hash every case's categories (3.7 s at a million cases)
        qs = qs.filter(categories__in=alike).distinct()
    if related:  # select_related() with no names would follow every foreign key
        qs = qs.select_related(*related)
    return list(qs.prefetch_related("categories").order_by("-received_at")[:20])


@dataclass(frozen=True)
class RoutingProposal:
    lead: Department | None
    co: list[Department]
    bases: list[str]


def routing_propose(*, case: Case) -> RoutingProposal:
    """The departments the routing rules propose for the case's categories and payer kind
    (三(二) department duties). The first lead found leads; every other department co-handles."""
    rules = (
        RoutingRule.objects.filter(jurisdiction=case.jurisdiction, category__in=case.categories.all())
        .filter(Q(payer_kind="") | Q(payer_kind=case.payer.kind))
        .select_related("department", "category")
        .order_by("category__sort_order", "sort_order", "id")
    )
    lead: Department | None = None
    co: list[Department] = []
    bases: list[str] = []
    for rule in rules:
        if rule.role == "lead" and lead is None:
            lead = rule.department
        elif rule.department not in co:
            co.append(rule.department)
        if rule.basis and rule.basis not in bases:
            bases.append(rule.basis)
    co = [d for d in co if d != lead]
    return RoutingProposal(lead=lead, co=co, bases=bases)


def departments_of(county: Jurisdiction) -> QuerySet[Department]:
    return Department.objects.filter(jurisdiction=county, active=True).order_by("sort_order", "id")


def townships_of(county: Jurisdiction | int) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(parent=county, active=True).order_by("sort_order", "code")


def filter_choices(*, county_id: int | None) -> tuple[list[DisputeCategory], list[Jurisdiction]]:
    """The case list's filter options: the active dispute categories and the county's
    townships, read once per process (``core.setup_cache``: an administrator's edit clears
    them)."""
    categories = setup_cached(("categories", "active"), lambda: list(DisputeCategory.objects.filter(active=True)))
    townships = setup_cached(("townships", county_id), lambda: list(townships_of(county_id)) if county_id else [])
    return categories, townships


def workbench_views(*, user: Staff) -> dict[str, QuerySet[Case]]:
    """The open cases of each workbench tab (mine, awaiting review, due soon, overdue), each
    filter answered by an index (``cases_case_county_due``, ``cases_case_county_owner``)."""
    today = timezone.localdate()
    horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS).day
    base = cases_visible_to(user).filter(state__in=[s.value for s in OPEN_STATES])
    review = Q(state=CaseState.REGISTERED)
    if not user.has_role(*permissions.COUNTY_WIDE_ROLES):
        review &= Q(receiving_department_id=user.department_id)
    return {
        "mine": base.filter(owner=user),
        "review": base.filter(review),
        "due_soon": base.filter(due_on__gte=today, due_on__lte=horizon),
        "overdue": base.filter(due_on__lt=today),
    }


def workbench_counts(*, user: Staff, cap: int | None = None) -> dict[str, int]:
    """How many open cases each workbench view holds: four counts, each read from an index and
    each stopping at ``cap`` + 1 (``core.paging.COUNT_CAP`` unless given; shown as "10000+"),
    sent as one statement (``paging.capped_counts``). One aggregate over every case the user
    may see cost 300–430 ms at a million cases, the four about 30 ms
    (``bench/bench_workbench.py``). The staff home asks
    for ``cap=core.todo.COUNT_CAP`` (999): a department's thousands of overdue cases are
    counted to a thousand, not walked to the end."""
    return paging.capped_counts(workbench_views(user=user), paging.COUNT_CAP if cap is None else cap)


def case_links(*, case: Case, user: Staff) -> list[Case]:
    """Cases linked to ``case`` either way, and those merged into it, that ``user`` may see:
    one statement, the three as a UNION of index seeks (as ``_search_matches``)."""
    linked = (
        CaseLink.objects.filter(case=case)
        .values("other_id")
        .union(CaseLink.objects.filter(other=case).values("case_id"))
        .union(Case.objects.filter(merged_into=case).order_by().values("pk"))
    )
    return list(cases_visible_to(user).filter(pk__in=linked).select_related("payer").order_by("-received_at"))


def review_scope(user: Staff, prefix: str = "") -> Q:
    """``permissions.may_review`` as a filter (审核转办, 综合意见, 结果反馈, 归档 — the receiving
    department's work): the group office, every case of its county; the receiving department's
    clerks and head, the cases it received; anyone else of that department, the cases they own
    as first receiver (首问责任制). ``prefix`` is the path to the case (``"case__"``)."""
    from fengqiao.org.models import Role

    county_id = user.department.jurisdiction_id if user.department_id and user.department else None
    if county_id is None or not user.is_active:
        return Q(pk__in=[])
    if user.has_role(Role.GROUP_OFFICE):
        return Q(**{f"{prefix}jurisdiction_id": county_id})
    if user.has_role(Role.INTAKE_CLERK, Role.DEPARTMENT_HEAD):
        return Q(**{f"{prefix}receiving_department_id": user.department_id})
    return Q(**{f"{prefix}receiving_department_id": user.department_id, f"{prefix}owner_id": user.pk})
