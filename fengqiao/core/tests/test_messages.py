"""Messages say what was done (issue 11 §5: "已签收任务…", not "已办理。"): after a step taken
from a page, the next page names the step and the case (or meeting) it was taken on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

import fengqiao
from fengqiao.cases.states import Classification
from fengqiao.cases.tests.helpers import intake
from fengqiao.handling.models import Task
from fengqiao.handling.tests.handling_helpers import file_storage, general_case, worker  # noqa: F401
from fengqiao.org.models import Department

pytestmark = pytest.mark.django_db

ROOT = Path(fengqiao.__file__).parent
# A success message that names nothing: "已办理。", "已审批。", "已签收。", "附件已上传。".
BARE = re.compile(r"messages\.(success|info)\(\s*request,\s*_\(\"[^\"%]{0,12}\"\)\s*\)")


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_no_view_flashes_a_bare_message() -> None:
    """Every success or info message of every page view says what and on which case."""
    offenders = []
    for path in [*ROOT.glob("*/views.py"), *ROOT.glob("*/*_views.py")]:
        for match in BARE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_review_says_where_the_case_went(naiman, client_for, intake_clerk) -> None:
    case = intake(intake_clerk)
    response = client_for(intake_clerk).post(
        reverse("case-review", args=[case.number]),
        {
            "classification": Classification.GENERAL,
            "lead_department": "tax",
            "co_departments": ["hrss"],
            "version": case.version,
        },
    )
    assert response.status_code == 302
    (said,) = _said(response)
    assert case.number in said and "一般事项" in said
    assert Department.objects.get(jurisdiction=naiman, code="hrss").name in said


def test_signing_a_task_names_the_case_and_department(naiman, client_for, intake_clerk) -> None:
    case = general_case(intake_clerk, naiman)
    task = Task.objects.get(case=case, department__code="hrss")
    handler = worker(naiman, "hrss")
    response = client_for(handler).post(reverse("task-sign", args=[task.pk]), {"version": task.version})
    assert response.status_code == 302
    (said,) = _said(response)
    assert said.startswith("已签收案件 ") and case.number in said and task.department.name in said


def test_saving_an_opinion_draft_names_the_case_and_version(naiman, client_for, intake_clerk) -> None:
    from fengqiao.handling import services

    case = general_case(intake_clerk, naiman)
    task = Task.objects.get(case=case, department__code="hrss")
    handler = worker(naiman, "hrss")
    task = services.task_sign(task=task, actor=handler)
    response = client_for(handler).post(
        reverse("task-opinion", args=[task.pk]),
        {"facts": "经核实，缴费基数有误。", "text": "建议予以更正。", "basis": "《社会保险法》", "version": 0},
    )
    assert response.status_code == 302
    (said,) = _said(response)
    assert case.number in said and "书面意见草稿" in said and "第1版" in said
