from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The django-q2 schedule of the monthly report (fengqiao.analytics.services.monthly_report_task).
REPORT_SCHEDULE_NAME = "analytics.monthly_report"
REPORT_SCHEDULE_FUNC = "fengqiao.analytics.services.monthly_report_task"
#: The daily job that keeps the month just closed (fengqiao.analytics.months.months_close_task).
CLOSE_SCHEDULE_NAME = "analytics.months_close"
CLOSE_SCHEDULE_FUNC = "fengqiao.analytics.months.months_close_task"


def report_schedule_ensure(**kwargs: Any) -> None:
    """Create, after migrate, the daily closing of months (01:30, ``months.months_close_task``: a
    month is closed CLOSING_DAYS days after its end, then kept) and the monthly report's schedule
    (07:00 on the day the month before was closed — the 6th — so the report is written from the
    kept figures the pages show); ``core.schedules``: an existing, perhaps retimed, schedule is
    left alone."""
    from datetime import time

    from django_q.models import Schedule

    from fengqiao.analytics.months import CLOSING_DAYS
    from fengqiao.core.schedules import next_daily, next_monthly, schedule_ensure

    schedule_ensure(
        REPORT_SCHEDULE_NAME,
        REPORT_SCHEDULE_FUNC,
        schedule_type=Schedule.MONTHLY,
        next_run=next_monthly(CLOSING_DAYS + 1, time(7, 0)),
    )
    schedule_ensure(
        CLOSE_SCHEDULE_NAME, CLOSE_SCHEDULE_FUNC, schedule_type=Schedule.DAILY, next_run=next_daily(time(1, 30))
    )


class AnalyticsConfig(AppConfig):
    """综合分析 — 四(六): the monthly analysis by dispute type and payer group, with handling and
    follow-up; 绩效考评 — 五(四): department scorecards; early warnings."""

    name = "fengqiao.analytics"
    label = "analytics"
    verbose_name = _("综合分析与绩效考评")

    def ready(self) -> None:
        post_migrate.connect(report_schedule_ensure, sender=self, dispatch_uid="analytics.report_schedule")

        from fengqiao.org.services import setup_loader_register

        setup_loader_register(_scoring_defaults)

        from fengqiao.analytics.permissions import may_view_analysis
        from fengqiao.releases.models import ReleaseKind
        from fengqiao.releases.permissions import requester_register

        # 信息发布: a month's analysis is asked for by who may read it.
        requester_register(ReleaseKind.ANALYSIS, may_view_analysis)


def _scoring_defaults(county: Any) -> str:
    """The county set-up's scoring rules (``manage.py setup_naiman``; ``org.services.SETUP_LOADERS``)."""
    from fengqiao.analytics.scorecards import scoring_defaults_load

    return f"新增考评规则 {scoring_defaults_load()} 条"
