"""Reads of the archive: a case's retention, its dossier, and what is being sealed now."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fengqiao.archive.models import Dossier, DossierItem, Retention, RetentionRule
from fengqiao.cases.models import Case
from fengqiao.cases.states import Classification

# DOMAIN.md "Archives": D30 for major cases, D10 for general ones (own-handled and informed
# matters are general), until the county's approved retention table (RetentionRule) says otherwise.
DEFAULT_RETENTION = {Classification.MAJOR.value: Retention.YEARS_30}
FALLBACK_RETENTION = Retention.YEARS_10


def retention_for(case: Case) -> Retention:
    """保管期限 of ``case``: the most specific matching rule (the county's own before every
    county's; a named classification or intake outcome before a blank one), else the default."""
    rules = RetentionRule.objects.filter(
        Q(jurisdiction_id=case.jurisdiction_id) | Q(jurisdiction__isnull=True),
        classification__in=[case.classification, ""],
        intake_outcome__in=[case.intake_outcome, ""],
    )
    best = max(
        rules,
        key=lambda r: (r.jurisdiction_id is not None, r.classification != "", r.intake_outcome != ""),
        default=None,
    )
    if best is not None:
        return Retention(best.retention)
    return DEFAULT_RETENTION.get(case.classification, FALLBACK_RETENTION)


def dossier_of(case: Case) -> Dossier | None:
    """The sealed dossier of ``case`` (whose visibility the caller has checked), if any."""
    return Dossier.objects.filter(case_id=case.pk).select_related("sealed_by").first()


def dossier_items(dossier: Dossier) -> list[DossierItem]:
    return list(DossierItem.objects.filter(dossier=dossier).order_by("seq"))


@dataclass
class SealFacts:
    """What the 案卷封面 and 卷内目录 print while a dossier is being sealed: the archive number,
    the retention and the rows of the contents list (``fengqiao.archive.builders``)."""

    archive_number: str
    retention: str
    rows: list[Any] = field(default_factory=list)


sealing: ContextVar[SealFacts | None] = ContextVar("fengqiao_archive_sealing", default=None)


def seal_facts(case: Case) -> dict[str, Any]:
    """The archive facts the dossier forms of ``case`` print: while it is being sealed, the
    number being given and today (the day the dossier closes: the 起止日期's end); once sealed,
    the dossier's; before, nothing (the forms say so)."""
    facts = sealing.get()
    if facts is not None:
        return {
            "archive_number": facts.archive_number,
            "retention": facts.retention,
            "archive_rows": facts.rows,
            "sealed_on": timezone.localdate(),
        }
    dossier = dossier_of(case)
    if dossier is not None:
        return {
            "archive_number": dossier.archive_number,
            "retention": dossier.retention,
            "sealed_on": timezone.localdate(dossier.sealed_at),
        }
    return {}
