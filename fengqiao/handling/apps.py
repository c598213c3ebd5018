from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The django-q2 schedule of the daily 催办/督办 job (fengqiao.handling.followthrough).
DEADLINE_SCHEDULE_NAME = "handling.deadline_jobs"
DEADLINE_SCHEDULE_FUNC = "fengqiao.handling.followthrough.deadline_jobs_task"


def deadline_schedule_ensure(**kwargs: Any) -> None:
    """Create the daily deadline job's schedule once (08:00 Asia/Shanghai), after migrate
    (``core.schedules``: an existing, perhaps retimed, schedule is left alone)."""
    from datetime import time

    from django_q.models import Schedule

    from fengqiao.core.schedules import next_daily, schedule_ensure

    schedule_ensure(
        DEADLINE_SCHEDULE_NAME, DEADLINE_SCHEDULE_FUNC, schedule_type=Schedule.DAILY, next_run=next_daily(time(8, 0))
    )


class HandlingConfig(AppConfig):
    """调查处理 — 四(三): the investigation (joint and special handling, written opinions, the
    leader's approval, the consolidated decision, legal review) at the package's top level,
    and the follow-through of time limits (reminders, escalations, extensions, mediation) in
    ``handling.followthrough``."""

    name = "fengqiao.handling"
    label = "handling"
    verbose_name = _("调查处理")

    def ready(self) -> None:
        post_migrate.connect(deadline_schedule_ensure, sender=self, dispatch_uid="handling.deadline_schedule")
        # Provisional case and task deadlines become exact when their year is entered.
        from fengqiao.core.calendar import calendar_year_completed
        from fengqiao.handling.followthrough.recompute import calendar_year_completed_receiver

        calendar_year_completed.connect(calendar_year_completed_receiver, dispatch_uid="handling.recompute")

        from fengqiao.core import workbench

        # 工作台: 我的提醒 — the reminders and escalations still open.
        workbench.context_register(_notice_count)

        from fengqiao.cases import workflow
        from fengqiao.handling import permissions, selectors

        # 四(三)2 2): the group leader approves or declines special handling; 四(三)1 3), 2 3): the
        # receiving department (or the office) decides, once every department's opinion is signed.
        workflow.who_set("approve_special", permissions.may_approve_special)
        workflow.who_set("decline_special", permissions.may_approve_special)
        workflow.who_set("decide", permissions.may_decide)
        workflow.guard_add("decide", selectors.opinions_signed)

        from fengqiao.cases import permissions as case_permissions
        from fengqiao.cases.services import case_routed, own_handling_started

        # 四(一) own handling, 四(三) joint or special handling: the work begins with the case's step.
        own_handling_started.connect(_own_handling, dispatch_uid="handling.own_handling")
        case_routed.connect(_routed, dispatch_uid="handling.routed")
        # 四(三): a department writing its written opinion adds its attachments to the case.
        case_permissions.attacher_register(permissions.may_attach_for_opinion)

        from fengqiao.cases import panels

        # The case page's 调查处理 (tasks, opinions, special handling, the decision), then its
        # 催办督办, 延期, 调解 and 法律审查 with the tasks and decision just read.
        panels.register(panels.Panel("handling", _case_panel, order=20))
        panels.register(panels.Panel("followthrough", _followthrough_panel, order=30))


def _own_handling(sender: Any, case: Any, actor: Any, **kwargs: Any) -> None:
    """属本部门职责 (四(一)): the receiving department's own task."""
    from fengqiao.handling.services import task_for_own_handling

    task_for_own_handling(case=case, actor=actor)


def _routed(sender: Any, case: Any, actor: Any, classification: str, **kwargs: Any) -> None:
    """After the review's routing: a general matter's opinion tasks (四(三)1 2)), or a major
    matter's request for the group leader's consent (四(三)2 2))."""
    from fengqiao.cases.states import Classification
    from fengqiao.handling import services

    if classification == Classification.GENERAL:
        services.tasks_for_general(case=case, actor=actor, departments=kwargs["departments"], lead=kwargs["lead"])
    elif classification == Classification.MAJOR:
        services.special_request_create(case=case, actor=actor, reason=kwargs["reason"])


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.handling.views import case_handling_context

    return case_handling_context(user=user, case=case)


def _followthrough_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.handling.followthrough.views import case_panel_context

    return case_panel_context(
        user=user, case=case, tasks=page["handling_tasks"], current=page["handling_decision"], current_read=True
    )


def _notice_count(user: Any) -> dict[str, Any]:
    # The pages' module is imported when the workbench is shown, not at start-up.
    from fengqiao.handling.followthrough.views import notice_count_for_home

    return notice_count_for_home(user)
