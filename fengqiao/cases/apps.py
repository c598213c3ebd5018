from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """争议案件 — 三(三) the dispute categories, 四(一) 一站受理 and 四(二) 审核转办."""

    name = "fengqiao.cases"
    label = "cases"
    verbose_name = _("争议案件")

    def ready(self) -> None:
        post_migrate.connect(_kept_fill, sender=self, dispatch_uid="cases.kept.fill_after_migrate")


def _kept_fill(**kwargs: Any) -> None:
    from fengqiao.cases import kept

    kept.fill_after_migrate(**kwargs)
