"""Building blocks for the follow-through, extension, mediation and legal-review tests."""

from __future__ import annotations

from datetime import date

from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.models import Task
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.org.services import staff_create

FAR = date(2026, 12, 31)


def dept(county: Jurisdiction, code: str) -> Department:
    return Department.objects.get(jurisdiction=county, code=code)


def joint_case(clerk: Staff, county: Jurisdiction) -> Case:
    """A general matter in joint handling: tax leads, 人社 co-handles (one task each)."""
    case = intake(clerk)
    return case_review(
        case=case,
        actor=clerk,
        classification=Classification.GENERAL,
        lead_department=dept(county, "tax"),
        co_departments=[dept(county, "hrss")],
        reason="",
    )


def major_case(clerk: Staff, county: Jurisdiction) -> Case:
    """A major matter awaiting the leader's consent (classification major)."""
    case = intake(clerk)
    return case_review(case=case, actor=clerk, classification=Classification.MAJOR, reason="涉及群体性政策问题")


def set_dues(case: Case, *, task_due: date | None = None, case_due: date = FAR, department: str = "tax") -> Task | None:
    """Put every deadline of ``case`` far away, except the task of ``department`` (``task_due``)
    and the case's own (``case_due``)."""
    Task.objects.filter(case=case).update(due_on=FAR)
    Case.objects.filter(pk=case.pk).update(due_on=case_due)
    case.refresh_from_db()
    if task_due is None:
        return None
    task = Task.objects.filter(case=case, department__code=department).order_by("id").first()
    assert task is not None
    Task.objects.filter(pk=task.pk).update(due_on=task_due)
    task.refresh_from_db()
    return task


def justice_staff(
    county: Jurisdiction, *, username: str = "p_justice", roles: tuple[str, ...] = (Role.HANDLER,)
) -> Staff:
    return staff_create(
        username=username, name="司法局经办人", password=None, department=dept(county, "justice"), roles=roles
    )


def staff_in(county: Jurisdiction, code: str, username: str, *roles: str) -> Staff:
    return staff_create(username=username, name=username, password=None, department=dept(county, code), roles=roles)
