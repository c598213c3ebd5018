"""The ``--county`` option of the analysis commands (not a command: the leading underscore)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.models import QuerySet

from fengqiao.org.models import Jurisdiction, JurisdictionLevel


def counties_chosen(code: str | None) -> QuerySet[Jurisdiction]:
    """Every county, or the one whose 区划代码 is ``code`` (a clear error if there is none)."""
    counties = Jurisdiction.objects.filter(level=JurisdictionLevel.COUNTY)
    if code:
        counties = counties.filter(code=code)
        if not counties.exists():
            raise CommandError(f"没有区划代码为 {code} 的旗县")
    return counties
