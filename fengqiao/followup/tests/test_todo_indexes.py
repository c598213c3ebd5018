"""The partial indexes the follow-up to-do sources read (issue 12 §2): a partial index is used
only when the query's filter implies its condition, so the cases with another party are
indexed in exactly the states ``selectors.other_party_to_notify`` and ``other_party_to_visit``
filter by — a state added to either list without the index would turn the read back into a
walk of every open case — and the open visits' index is on the filter ``followup.visit`` uses."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.lookups import In, IsNull

from fengqiao.cases.models import Case
from fengqiao.cases.states import CaseState
from fengqiao.followup import selectors
from fengqiao.followup.models import Visit
from fengqiao.org.models import Department, Jurisdiction, Role, Staff

OTHER_PARTY_INDEXES = (
    "cases_case_county_other",
    "cases_case_dept_other",
    "cases_case_county_other_ord",
    "cases_case_dept_other_ord",
)
INDEXED_STATES = {CaseState.NOTIFIED, CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING}


def _lookups(node: Any) -> list[Any]:
    """Every lookup of a WHERE tree, subqueries left out."""
    found = []
    for child in getattr(node, "children", []):
        if isinstance(child, (In, IsNull)):
            found.append(child)
        else:
            found.extend(_lookups(child))
    return found


def _state_sets(query: Any) -> list[set[str]]:
    return [
        set(lookup.rhs)
        for lookup in _lookups(query.where)
        if isinstance(lookup, In) and lookup.lhs.target.name == "state"
    ]


def _office() -> Staff:
    """An unsaved group-office member (the selectors read only department and roles)."""
    county = Jurisdiction(pk=1, name="测试旗")
    staff = Staff(pk=1, username="o", department=Department(pk=1, jurisdiction=county, jurisdiction_id=1))
    staff.department_id = 1
    staff.__dict__["role_set"] = {Role.GROUP_OFFICE}
    return staff


def test_the_other_party_indexes_hold_the_selectors_states() -> None:
    indexes = {index.name: index for index in Case._meta.indexes}
    for name in OTHER_PARTY_INDEXES:
        condition = indexes[name].condition
        assert isinstance(condition, Q)
        terms: dict[str, Any] = dict(condition.children)  # type: ignore[arg-type]
        assert terms["other_party__isnull"] is False
        if name.endswith("_ord"):
            assert set(terms["state__in"]) == INDEXED_STATES
    # to notify: the indexed states, all three; to visit: within them.
    query = selectors.other_party_to_notify(user=_office()).query
    assert INDEXED_STATES in _state_sets(query)
    assert any(isinstance(lookup, IsNull) and lookup.rhs is False for lookup in _lookups(query.where))
    query = selectors.other_party_to_visit(user=_office()).query
    assert all(states <= INDEXED_STATES for states in _state_sets(query)) and _state_sets(query)


def test_the_open_visits_index_is_the_sources_filter() -> None:
    index = next(index for index in Visit._meta.indexes if index.name == "followup_visit_open")
    assert index.condition == Q(done_at__isnull=True)
    assert index.fields == ["scheduled_on", "id"]
    assert Visit._meta.ordering == ["scheduled_on", "id"]
