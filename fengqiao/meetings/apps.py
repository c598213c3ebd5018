from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """会商 — 四(三)3: general and major consultations of the leadership group, their
    attendees, minutes (会议纪要) and resolutions (决定事项)."""

    name = "fengqiao.meetings"
    label = "meetings"
    verbose_name = _("会商")

    def ready(self) -> None:
        from fengqiao.cases import workflow
        from fengqiao.meetings.selectors import minutes_before_decision

        # 四(三)2 3): a major matter's decision follows the minutes.
        workflow.guard_add("decide", minutes_before_decision)

        from fengqiao.handling.selectors import minutes_source_register
        from fengqiao.meetings.selectors import minutes_issued_of

        # …which the decision editor and the to-do list (the kept decision_ready) read too.
        minutes_source_register(minutes_issued_of)

        from fengqiao.cases import panels

        # The case page's 会商: the consultations covering the case that the user sees.
        panels.register(panels.Panel("meetings", _case_panel, order=40))


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.meetings.views import case_consultations_context

    return case_consultations_context(user=user, case=case)
