"""Building blocks for the task, opinion, decision and special-handling tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fengqiao.cases.models import Case
from fengqiao.cases.services import case_review
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling import services
from fengqiao.handling.models import Decision, DecisionResult, Opinion, Task
from fengqiao.handling.selectors import remedies_default
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.org.services import staff_create


@pytest.fixture(autouse=True)
def file_storage(settings: Any, tmp_path: Path) -> Path:
    """Issued notices go to a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}},
    }
    return tmp_path / "files"


def dept(county: Jurisdiction, code: str) -> Department:
    return Department.objects.get(jurisdiction=county, code=code)


def worker(county: Jurisdiction, code: str, role: str = Role.HANDLER) -> Staff:
    """A handler (or head) of department ``code``, made once."""
    username = f"h_{code}_{role}"
    found = Staff.objects.filter(username=username).first()
    if found is not None:
        return found
    return staff_create(
        username=username, name=f"{code}{role}", password=None, department=dept(county, code), roles=(role,)
    )


def head(county: Jurisdiction, code: str) -> Staff:
    return worker(county, code, Role.DEPARTMENT_HEAD)


def general_case(clerk: Staff, county: Jurisdiction, co: tuple[str, ...] = ("hrss", "medical"), **kwargs: Any) -> Case:
    """A general matter: the tax bureau leads, ``co`` co-handle."""
    case = intake(clerk, **kwargs)
    return case_review(
        case=case,
        actor=clerk,
        classification=Classification.GENERAL,
        lead_department=dept(county, "tax"),
        co_departments=[dept(county, c) for c in co],
    )


def major_case(clerk: Staff, **kwargs: Any) -> Case:
    case = intake(clerk, **kwargs)
    return case_review(case=case, actor=clerk, classification=Classification.MAJOR, reason="涉及政策性、普遍性问题")


def task_of(case: Case, code: str, kind: str | None = None) -> Task:
    qs = Task.objects.filter(case=case, department__code=code).order_by("-id")
    if kind:
        qs = qs.filter(kind=kind)
    task = qs.first()
    assert task is not None, code
    return task


def complete(task: Task, handler: Staff, chief: Staff, *, text: str = "经核查，缴费基数核定无误。") -> Opinion:
    """Sign for the task, draft, submit and sign its written opinion."""
    services.task_sign(task=task, actor=handler)
    services.opinion_save(
        task=task,
        actor=handler,
        facts=f"{task.department.name}查明：2026年缴费基数按上年度全省平均工资的60%核定。",
        text=text,
        basis="《中华人民共和国社会保险法》第六十条",
    )
    services.opinion_submit(task=task, actor=handler)
    return services.opinion_sign(task=task, actor=chief)


def decision_draft(case: Case, actor: Staff, result: str = DecisionResult.EXPLAIN) -> Decision:
    return services.decision_save(
        case=case,
        actor=actor,
        request="请求按实际收入核定缴费基数",
        facts_and_reasons="经税务局、人社局、医保局联合核查，缴费基数核定符合规定。",
        result=result,
        legal_basis="《中华人民共和国社会保险法》第六十条",
        remedies=remedies_default(case=case),
    )


def minutes_for(case: Case, office: Staff, leader: Staff) -> None:
    """A major consultation on ``case`` with its minutes issued (fengqiao.meetings)."""
    from datetime import timedelta

    from django.utils import timezone

    from fengqiao.meetings import services as meetings
    from fengqiao.meetings.models import ConsultationKind

    consultation = meetings.consultation_create(
        actor=office,
        data=meetings.ConsultationData(
            kind=ConsultationKind.MAJOR,
            topic="缴费基数核定争议专题会商",
            # Held today: a consultation is not held or minuted before its date (meetings.services).
            starts_at=timezone.now() - timedelta(hours=1),
            place="旗税务局三楼会议室",
            policy_issue="",
            cases=(case,),
        ),
    )
    meetings.consultation_request_approval(consultation=consultation, actor=office, reason="重大疑难事项")
    meetings.consultation_decide(consultation=consultation, actor=leader, approve=True)
    meetings.consultation_hold(consultation=consultation, actor=office)
    meetings.minutes_save(
        consultation=consultation, actor=office, discussion="听取各成员单位意见。", conclusions="维持原核定。"
    )
    meetings.minutes_issue(consultation=consultation, actor=office)
