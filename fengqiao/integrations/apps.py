from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The django-q2 schedule of the outbox delivery (fengqiao.integrations.outbox).
OUTBOX_SCHEDULE_NAME = "integrations.outbox_deliver"
OUTBOX_SCHEDULE_FUNC = "fengqiao.integrations.outbox.outbox_deliver_task"


def outbox_schedule_ensure(**kwargs: Any) -> None:
    """Create the every-minute delivery schedule once, after migrate (``core.schedules``)."""
    from django.utils import timezone
    from django_q.models import Schedule

    from fengqiao.core.schedules import schedule_ensure

    schedule_ensure(
        OUTBOX_SCHEDULE_NAME, OUTBOX_SCHEDULE_FUNC, schedule_type=Schedule.MINUTES, minutes=1, next_run=timezone.now()
    )


def case_status_report(**kwargs: Any) -> None:
    """``hotline.case_status_report``, imported at the first step rather than at start-up:
    hotline reaches the intake form and through it the REST framework (~30 MB), which the job
    worker's five processes would otherwise each load without using."""
    from fengqiao.integrations.hotline import case_status_report

    case_status_report(**kwargs)


class IntegrationsConfig(AppConfig):
    """对接 — the outbox (webhooks, SMS, e-mail) and the 12345 platform (四(八))."""

    name = "fengqiao.integrations"
    label = "integrations"
    verbose_name = _("系统对接")

    def ready(self) -> None:
        from fengqiao.cases.workflow import case_transition_recorded

        # In the step's transaction (the transactional outbox), not on commit: see hotline.py.
        case_transition_recorded.connect(case_status_report, dispatch_uid="integrations.case_status_report")
        post_migrate.connect(outbox_schedule_ensure, sender=self, dispatch_uid="integrations.outbox_schedule")
