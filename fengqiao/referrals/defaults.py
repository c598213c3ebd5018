"""The default dispatch catalogue: the routing leads of ``fengqiao.cases.defaults.ROUTING``
(三(二) department duties). Data afterwards: administrators edit it."""

from __future__ import annotations

from django.db import transaction

from fengqiao.cases.defaults import ROUTING


@transaction.atomic
def catalogue_defaults_load(*, county_code: str) -> int:
    """Add the missing catalogue rows of a county whose departments use the Naiman codes."""
    from fengqiao.cases.models import DisputeCategory
    from fengqiao.org.models import Department, Jurisdiction
    from fengqiao.referrals.models import DispatchCatalogueEntry

    county = Jurisdiction.objects.get(code=county_code)
    departments = {d.code: d for d in Department.objects.filter(jurisdiction=county)}
    added = 0
    for code, (lead, _co, basis) in ROUTING.items():
        category = DisputeCategory.objects.filter(code=code).first()
        if category is None or lead not in departments:
            continue
        _row, created = DispatchCatalogueEntry.objects.get_or_create(
            jurisdiction=county, category=category, defaults={"department": departments[lead], "basis": basis}
        )
        added += created
    return added
