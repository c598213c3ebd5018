"""Who may do what in 调查处理 (四(三)). What a role may do is code; who holds a role is data.

- a department's handlers and its head sign for its tasks or return them (各联办单位依职权办理);
- a handler drafts the written opinion, the department head signs it (书面意见);
- the receiving department consolidates the opinions into the decision and re-routes a
  returned task (受理部门负责综合各联办单位的意见) — ``cases.permissions.may_review``;
- the group office forwards a request for special handling, the group leader approves or
  declines it (报请领导小组组长同意).

The model imports are for typing only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fengqiao.cases import permissions as case_permissions
from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.handling.models import Task
    from fengqiao.org.models import Department, Staff

# The people of a department who work its tasks.
TASK_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)
# Who sees every task of the county (the inbox of the group office and the leader).
COUNTY_TASK_ROLES = case_permissions.COUNTY_WIDE_ROLES


def _same_county(staff: Staff, case: Case) -> bool:
    county = staff.jurisdiction
    return county is not None and county.pk == case.jurisdiction_id


def works_for(staff: Staff, department: Department | int | None) -> bool:
    """A handler or the head of ``department``."""
    dept_id = department if isinstance(department, int) or department is None else department.pk
    return dept_id is not None and staff.department_id == dept_id and staff.has_role(*TASK_ROLES)


def may_work_task(staff: Staff, task: Task) -> bool:
    """签收 / 退回 / 起草书面意见: a handler or the head of the task's department."""
    return works_for(staff, task.department_id)


def may_attach_to_task(staff: Staff, task: Task) -> bool:
    """书面意见的附件 from the task page: a handler or the head of the task's own department, once it
    has signed for the task and until its opinion is signed. The receiving department attaches
    from the case page; no one attaches through another department's task."""
    from fengqiao.handling.models import TaskStatus

    return task.status == TaskStatus.SIGNED and may_work_task(staff, task)


def may_sign_opinion(staff: Staff, task: Task) -> bool:
    """部门负责人签发: the head of the task's department signs its written opinion — or a
    handler of the department the head authorised to sign for the day (代签,
    ``handling.delegation``), for an opinion someone else wrote."""
    if staff.department_id != task.department_id:
        return False
    if staff.has_role(Role.DEPARTMENT_HEAD):
        return True
    from fengqiao.handling.delegation import delegation_active

    if not staff.has_role(Role.HANDLER):
        return False
    # A deputy stands in for the head, not for the second pair of eyes: never their own opinion.
    from fengqiao.handling.models import Opinion

    if Opinion.objects.filter(task_id=task.pk, author_id=staff.pk).exists():
        return False
    return delegation_active(deputy=staff, department_id=task.department_id) is not None


def may_delegate_signing(staff: Staff) -> bool:
    """授权代签: a department head authorises a handler of the department, and revokes it."""
    return staff.department_id is not None and staff.is_active and staff.has_role(Role.DEPARTMENT_HEAD)


def may_control_task(staff: Staff, task: Task) -> bool:
    """撤销 / 转交 a task (``handling.taskcontrol``): the group office of the county, or the head
    of the receiving department (受理部门负责综合各联办单位的意见)."""
    case = task.case
    if staff.has_role(Role.GROUP_OFFICE) and _same_county(staff, case):
        return True
    return staff.department_id == case.receiving_department_id and staff.has_role(Role.DEPARTMENT_HEAD)


def may_reassign_task(staff: Staff, task: Task) -> bool:
    """改派经办人 within the task's department: those who may control the task, and the head of
    the task's department, who distributes its work."""
    return may_control_task(staff, task) or (
        staff.department_id == task.department_id and staff.has_role(Role.DEPARTMENT_HEAD)
    )


#: Who decides a case in a state an app above handling runs, registered by that app from its
#: ``AppConfig.ready()`` (:func:`decider_register`): referrals — a referred matter (四(八)) is
#: answered by the department that signed for its referral.
_deciders: dict[str, Callable[[Staff, Case], bool]] = {}


def decider_register(state: str, may: Callable[[Staff, Case], bool]) -> None:
    _deciders[state] = may


def may_decide(staff: Staff, case: Case) -> bool:
    """综合意见、出具处理意见书: the receiving department (the first receiver, its clerks and
    head) or the group office of the county — the same people who review and route; a case in
    a state another app runs, whom that app names (``_deciders``: a referred matter)."""
    decider = _deciders.get(case.state)
    if decider is not None:
        return decider(staff, case)
    return case_permissions.may_review(staff, case)


def may_reroute(staff: Staff, case: Case) -> bool:
    """A returned task goes back to the reviewer, who routes it to another department."""
    return case_permissions.may_review(staff, case)


def may_forward_special(staff: Staff, case: Case) -> bool:
    """领导小组办公室 forwards the receiving department's request to the group leader."""
    return staff.has_role(Role.GROUP_OFFICE) and _same_county(staff, case)


def may_approve_special(staff: Staff, case: Case) -> bool:
    """领导小组组长同意 (or declines) special handling of a major matter of the county."""
    return staff.has_role(Role.GROUP_LEADER) and _same_county(staff, case)


def sees_county_tasks(staff: Staff) -> bool:
    """The group office and the leaders see every task of their county."""
    return staff.has_role(*COUNTY_TASK_ROLES)


def has_inbox(staff: Staff) -> bool:
    """Who has a task inbox: the departments' people and the county-wide roles."""
    return staff.department_id is not None and staff.has_role(
        Role.HANDLER, Role.DEPARTMENT_HEAD, Role.INTAKE_CLERK, *COUNTY_TASK_ROLES
    )


def may_attach_for_opinion(staff: Staff, case: Case) -> bool:
    """The written opinion's attachments are the case's: a handler or head of a department
    that is working on a task of the case (signed for, not yet done) may add them."""
    from fengqiao.handling.models import Task, TaskStatus

    if staff.department_id is None or not staff.has_role(*TASK_ROLES):
        return False
    return Task.objects.filter(case=case, department_id=staff.department_id, status=TaskStatus.SIGNED).exists()
