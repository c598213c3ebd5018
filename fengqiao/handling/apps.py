from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandlingConfig(AppConfig):
    """调查处理 — 四(三): joint and special handling, written opinions, the leader's approval,
    the consolidated decision, time-limit follow-through, mediation and legal review."""

    name = "fengqiao.handling"
    label = "handling"
    verbose_name = _("调查处理")
