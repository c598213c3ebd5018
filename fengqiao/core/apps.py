from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = _("基础服务")

    def ready(self) -> None:
        # Connects the receivers that keep the working-day calendar cache in step.
        from fengqiao.core import signals  # noqa: F401
