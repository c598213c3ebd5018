"""Issuing at the same moment never gives two documents the same number (CONVENTIONS 2).

Real threads on the real database: the counter row is locked on PostgreSQL; SQLite's
IMMEDIATE transactions queue the writers."""

from __future__ import annotations

import pytest

from fengqiao.cases.tests.helpers import intake
from fengqiao.cases.tests.test_concurrency import run_together
from fengqiao.documents import registry
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.services import document_issue

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_issues_never_share_a_number(intake_clerk) -> None:
    cases = [intake(intake_clerk) for _ in range(4)]
    results, errors = run_together(
        lambda i: document_issue(doc_type=registry.RECEIPT_NOTICE, case=cases[i], actor=intake_clerk).number, 4
    )
    assert errors == []
    assert sorted(results) == sorted(f"奈争受告〔{IssuedDocument.objects.first().year}〕{n}号" for n in range(1, 5))  # type: ignore[union-attr]


def test_two_corrections_of_one_version_at_once_one_wins(intake_clerk) -> None:
    case = intake(intake_clerk)
    v1 = document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=intake_clerk)
    results, errors = run_together(
        lambda i: document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=intake_clerk, replaces=v1).version,
        2,
    )
    assert results == [2] and len(errors) == 1
    assert IssuedDocument.objects.filter(replaces=v1).count() == 1


def test_sixteen_requests_for_one_notice_at_once_issue_one(intake_clerk) -> None:
    """Issue 11 §3 "One notice, once": sixteen simultaneous requests to issue the 受理告知书 of
    one case give one numbered notice; every request gets that notice back. (The case row is
    locked while the form is issued; a unique constraint on case, type and case version backs
    it.)"""
    case = intake(intake_clerk)
    results, errors = run_together(
        lambda i: document_issue(doc_type=registry.RECEIPT_NOTICE, case=case, actor=intake_clerk).pk, 16
    )
    assert errors == []
    assert len(results) == 16 and len(set(results)) == 1
    assert IssuedDocument.objects.filter(case=case, doc_type=registry.RECEIPT_NOTICE).count() == 1
    assert case.events.filter(kind="document").count() == 1
