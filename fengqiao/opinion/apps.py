from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    """网络舆情 — 三(二)9: 旗委网信办负责监测涉社会保险费征缴争议的网络舆情，协助有关部门做好回应引导.
    The 网信办 records an online item, links it to the cases it concerns (or opens a 舆情线索
    case from it), and the responsible department responds within the limit its risk level
    sets; a high-risk item alerts the group office and the leader at once."""

    name = "fengqiao.opinion"
    label = "opinion"
    verbose_name = _("网络舆情")

    def ready(self) -> None:
        from fengqiao.handling.followthrough.deadlines import job_register
        from fengqiao.opinion.followthrough import item_jobs_run

        # The daily deadline job reminds and escalates overdue responses the same way.
        job_register(item_jobs_run)
