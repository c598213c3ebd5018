"""``manage.py demo_cases``: realistic demo data in bulk (fengqiao.cases.demo)."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, CaseNumbering, Payer, PayerKind
from fengqiao.cases.states import CLOSED_STATES, CaseState
from fengqiao.cases.tests.helpers import intake
from fengqiao.core.identifiers import validate_mobile, validate_resident_id, validate_social_credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # The command creates the demo staff when clerks are missing; hashing 20 passwords with
    # the production hasher would dominate the test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo_cases(n: int, **options: object) -> str:
    out = io.StringIO()
    call_command("demo_cases", cases=n, batch=120, verbosity=0, stdout=out, **options)
    return out.getvalue()


def test_creates_the_cases_with_valid_identifiers_numbers_and_a_spread_of_states(naiman) -> None:
    demo_cases(300)
    assert Case.objects.count() == 300
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 300

    # Personal data is stored encrypted and reads back (through the field) as valid identifiers.
    payers = list(Payer.objects.order_by("pk")[:60])
    assert {p.kind for p in payers} == {PayerKind.PERSON, PayerKind.EMPLOYER}
    for payer in payers:
        validate_mobile(payer.phone)
        if payer.kind == PayerKind.PERSON:
            assert validate_resident_id(payer.id_number) == payer.id_number
        else:
            assert validate_social_credit_code(payer.credit_code) == payer.credit_code
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM cases_payer WHERE kind = %s", [PayerKind.PERSON])
        stored = cursor.fetchall()
    assert stored and all(value.startswith("sm4gcm:") for row in stored for value in row)
    # Some payers come more than once (duplicates for the intake check).
    assert Case.objects.values("payer__identity").distinct().count() < 300  # repeat payers: one identity

    states = Counter(Case.objects.values_list("state", flat=True))
    assert states[CaseState.ARCHIVED] > 100  # most old cases are archived
    assert len(states) >= 5
    assert any(state not in CLOSED_STATES for state in states)
    open_cases = Case.objects.exclude(state__in=CLOSED_STATES)
    assert (
        not open_cases.filter(due_on__isnull=True)
        .exclude(state__in=[CaseState.FOLLOWING_UP, CaseState.REMEDY_TRACKING])
        .exists()
    )

    # Every case has its receiving department, categories and a registration event.
    assert CaseDepartment.objects.filter(role="receiving").count() == 300
    assert not Case.objects.filter(categories__isnull=True).exists()
    assert CaseEvent.objects.filter(kind="registered").count() == 300
    for case in Case.objects.filter(state=CaseState.JOINT_HANDLING)[:5]:
        roles = set(case.involvements.values_list("role", flat=True))
        assert {"receiving", "lead", "co"} <= roles
        assert case.events.filter(kind="transition", to_state=CaseState.JOINT_HANDLING).exists()


def test_numbering_is_continued_by_real_intake(naiman, intake_clerk) -> None:
    demo_cases(300)
    case = intake(intake_clerk)  # received now: this year's counter
    numbering = CaseNumbering.objects.get(jurisdiction=naiman, year=case.received_at.year)
    this_year = Case.objects.filter(number__startswith=f"{naiman.code}-{numbering.year}-").count()
    assert numbering.last == this_year  # the demo block, then the real case
    assert case.number == numbering.pattern.format(code=naiman.code, year=numbering.year, seq=numbering.last)
    assert Case.objects.filter(number=case.number).count() == 1


def test_running_twice_adds_more_and_reuses_payers(naiman) -> None:
    demo_cases(300)
    payers = Payer.objects.count()
    out = io.StringIO()
    call_command("demo_cases", cases=300, batch=120, verbosity=0, stdout=out)
    assert Case.objects.count() == 600
    assert len(set(Case.objects.values_list("number", flat=True))) == 600
    # The same seed draws the same people: found again by blind index / credit code, not duplicated.
    assert Payer.objects.count() == payers
    assert "复用" in out.getvalue()


def test_generation_does_not_query_per_case(naiman) -> None:
    demo_cases(10)  # creates the demo staff first
    with CaptureQueriesContext(connection) as queries:
        demo_cases(300)
    assert Case.objects.count() == 310
    assert len(queries) < 80, [q["sql"][:80] for q in queries]


def test_refused_in_production(naiman, settings) -> None:
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        demo_cases(5)
    assert not Case.objects.exists()
