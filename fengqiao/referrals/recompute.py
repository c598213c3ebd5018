"""Make a referral's limits exact once a missing year's holidays are entered (docs/calendar.md).

A referral's ``sign_due_on`` (``referral_sign`` from the dispatch day) and ``handle_due_on``
(``referral_complaint`` / ``referral_consultation`` from the signing day) are counted like
any deadline, and while their year has no holidays they are a guess. The case's ``due_on``
equals the open one (``services._case_due_set``) and ``handling.followthrough.recompute`` makes it exact
from its recorded limit; this receiver does the same for the referral, so the referral page,
the hotline desk's 超期 list, the refusal ground (四(八) 无正当理由拒不处理) and the scorecards
read the same day as the case.

Every open referral whose running limit falls in or after the completed year is recomputed
from its inputs — the limit's code and the local day of ``dispatched_at`` / ``signed_at`` —
and written only when the day changes (``version + 1``, one timeline event per case). Until
now that year was not complete, so each such limit was provisional. Archived cases are never
touched (a referred case cannot be archived before it is answered in any case).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fengqiao.cases.models import Case, CaseEvent, EventKind
from fengqiao.cases.states import CaseState
from fengqiao.core import calendar, timelimits
from fengqiao.handling.followthrough.recompute import change_text
from fengqiao.referrals.models import Referral, ReferralKind, ReferralStatus

logger = logging.getLogger(__name__)

#: Referrals recomputed per transaction.
BATCH = 200


def _running(year: int) -> Q:
    first = date(year, 1, 1)
    return Q(status=ReferralStatus.DISPATCHED, sign_due_on__gte=first, dispatched_at__isnull=False) | Q(
        status=ReferralStatus.SIGNED, handle_due_on__gte=first, signed_at__isnull=False
    )


def provisional_referrals_recompute(*, year: int) -> dict[str, int]:
    """Recompute the running limit of every open referral that ends in or after ``year``."""
    from fengqiao.referrals.services import KIND_LIMITS

    counts = {"referrals": 0, "events": 0}
    rows = Referral.objects.filter(_running(year)).exclude(case__state=CaseState.ARCHIVED)
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not batch:
            break
        with transaction.atomic():
            # The services' order: the case rows first, then the referrals, re-checked under the lock.
            case_ids = list(Referral.objects.filter(pk__in=batch).values_list("case_id", flat=True))
            list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk").values_list("pk"))
            locked = rows.filter(pk__in=batch).select_for_update(of=("self",)).select_related("case", "department")
            for referral in locked.order_by("pk"):
                if referral.status == ReferralStatus.DISPATCHED:
                    assert referral.dispatched_at is not None and referral.sign_due_on is not None
                    field, label, old = "sign_due_on", "签收期限", referral.sign_due_on
                    due = timelimits.due(timelimits.REFERRAL_SIGN, calendar.local_day(referral.dispatched_at))
                else:
                    assert referral.signed_at is not None and referral.handle_due_on is not None
                    field, label, old = "handle_due_on", "办理期限", referral.handle_due_on
                    code = KIND_LIMITS[ReferralKind(referral.kind)]
                    due = timelimits.due(code, calendar.local_day(referral.signed_at))
                if due.day == old:
                    continue
                Referral.objects.filter(pk=referral.pk).update(**{field: due.day}, version=F("version") + 1)
                counts["referrals"] += 1
                CaseEvent.objects.create(
                    case=referral.case,
                    at=timezone.now(),
                    actor=None,
                    kind=EventKind.NOTE,
                    summary="节假日安排已录入，"
                    + change_text(f"{referral.department or ''}报送单{label}", old, due.day, due.provisional),
                    data={"calendar_year": year, "referral": referral.pk, field: due.day.isoformat()},
                )
                counts["events"] += 1
        last = batch[-1]
    logger.info("calendar year %s complete: referral limits recomputed %s", year, counts)
    return counts


def calendar_year_completed_receiver(sender: object, year: int, **kwargs: Any) -> None:
    """``calendar.calendar_year_completed``: connected in ``ReferralsConfig.ready``."""
    provisional_referrals_recompute(year=year)
