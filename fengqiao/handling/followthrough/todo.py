"""待办 of the follow-through of time limits for ``core.todo``: the extensions waiting for their
approver (``extensions.may_decide`` written as one filter). Registered when ``core.todo``
discovers ``handling.todo``, which imports this module."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.states import CaseState, Classification
from fengqiao.cases.todo import lean
from fengqiao.core.todo import TodoItem, TodoSource, register
from fengqiao.handling.models import Extension, ExtensionStatus
from fengqiao.org.models import Role, Staff


def _extensions_to_decide(user: Staff) -> QuerySet[Extension]:
    """延期审批 (``extensions.may_decide``): a task's by the head of its department, a case's by
    the head of the receiving department — a major matter's by the group leader of the county."""
    major = Q(case__classification=Classification.MAJOR) | Q(case__state=CaseState.SPECIAL_HANDLING)
    mine = Q(pk__in=[])
    if user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None:
        mine |= Q(task__department_id=user.department_id)
        mine |= Q(task__isnull=True, case__receiving_department_id=user.department_id) & ~major
    county = user.jurisdiction
    if user.has_role(Role.GROUP_LEADER) and county is not None:
        mine |= Q(task__isnull=True, case__jurisdiction_id=county.pk) & major
    return lean(
        Extension.objects.filter(mine, status=ExtensionStatus.REQUESTED)
        .select_related("case", "case__payer", "task")
        .order_by("old_due_on", "id"),
        "case__payer",
    )


register(
    TodoSource(
        key="handling.extension",
        label=_("待审批延期"),
        queryset=_extensions_to_decide,
        item=lambda e: TodoItem(
            source="handling.extension",
            what=str(_("审批延期申请（至%(day)s）") % {"day": e.new_due_on.isoformat()}),
            case_number=e.case.number,
            detail=e.case.payer.name,
            url=reverse("followthrough-extension-decide", args=[e.pk]),
            due_on=e.old_due_on,
            due_provisional=(e.task or e.case).due_provisional,
        ),
        applies=lambda u: u.has_role(Role.DEPARTMENT_HEAD, Role.GROUP_LEADER),
        order=31,
    )
)
