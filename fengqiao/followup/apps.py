from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """结果反馈、跟踪回访与救济途径跟踪 — 四(四), 四(五): delivering the decision to the payer and the
    other party, follow-up visits, and the remedies a payer who objects takes (mediation,
    administrative reconsideration, arbitration, administrative litigation)."""

    name = "fengqiao.followup"
    label = "followup"
    verbose_name = _("结果反馈与回访")

    def ready(self) -> None:
        # Provisional visit dates and remedy deadlines become exact when their year is entered.
        from fengqiao.core.calendar import calendar_year_completed
        from fengqiao.followup.recompute import calendar_year_completed_receiver

        calendar_year_completed.connect(calendar_year_completed_receiver, dispatch_uid="followup.recompute")

        from fengqiao.cases import workflow
        from fengqiao.followup.selectors import archive_guard

        # 四(七): archived once fed back, visited and any remedy ended without changing the decision.
        workflow.guard_add("archive", archive_guard)

        from fengqiao.core import workbench
        from fengqiao.followup.selectors import follow_up_views

        # 工作台: 结果反馈与回访 — decisions to deliver, visits due, remedies to check (exact).
        workbench.tiles_register(
            workbench.Tiles(
                "follow_up",
                lambda user, today: follow_up_views(user=user, today=today),
                exact=True,
                zero=("to_notify", "visits", "remedies"),
            )
        )

        from fengqiao.followup import reminders
        from fengqiao.handling.followthrough import deadlines
        from fengqiao.handling.models import FollowUpKind

        # The daily deadline job's 救济跟踪 and 回访提醒 (四(五)), and when each stays open.
        deadlines.job_register(reminders.follow_up_jobs_run)
        deadlines.pending_register(FollowUpKind.REMEDY, reminders.remedy_still_open)
        deadlines.pending_register(FollowUpKind.VISIT, reminders.visit_still_open)

        from fengqiao.cases import panels

        # The case page's 结果反馈, 跟踪回访, 救济途径.
        panels.register(panels.Panel("followup", _case_panel, order=60))


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.followup.views import case_followup_context

    return case_followup_context(user=user, case=case)
