"""代签授权 (org.SigningDelegation) in the configuration admin (issue 11 §1).

A department head gives and revokes a delegation on the pages (handling.delegation), each
step recorded; the administrator supervises them at /admin/ read-only: the list and each
row open, nothing is added, changed or deleted there (org.permissions: view only)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from fengqiao.handling import delegation
from fengqiao.handling.tests.handling_helpers import head, worker
from fengqiao.org.models import SigningDelegation

pytestmark = pytest.mark.django_db


def test_the_administrator_sees_delegations_read_only(naiman, administrator, client_for, frozen_time) -> None:
    frozen_time("2026-03-02 09:00")
    deputy, chief = worker(naiman, "justice"), head(naiman, "justice")
    given = delegation.delegation_create(
        actor=chief, deputy=deputy, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6), reason="负责人外出学习"
    )
    client = client_for(administrator)
    listed = client.get(reverse("admin:org_signingdelegation_changelist"))
    assert listed.status_code == 200
    page = listed.content.decode()
    assert deputy.name in page and chief.name in page
    assert client.get(reverse("admin:org_signingdelegation_change", args=[given.pk])).status_code == 200
    # Given and revoked on the pages only: no add, no change, no delete here.
    assert client.get(reverse("admin:org_signingdelegation_add")).status_code == 403
    refused = client.post(
        reverse("admin:org_signingdelegation_change", args=[given.pk]), {"reason": "改写", "ends_on": "2026-12-31"}
    )
    assert refused.status_code == 403
    assert (
        client.post(reverse("admin:org_signingdelegation_delete", args=[given.pk]), {"post": "yes"}).status_code == 403
    )
    given.refresh_from_db()
    assert (given.reason, given.ends_on) == ("负责人外出学习", date(2026, 3, 6))
    assert SigningDelegation.objects.count() == 1


def test_other_roles_do_not_see_delegations_in_the_admin(naiman, department_head, client_for) -> None:
    assert client_for(department_head).get(reverse("admin:org_signingdelegation_changelist")).status_code == 403
