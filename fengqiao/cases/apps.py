from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """争议案件 — 三(三) the dispute categories, 四(一) 一站受理 and 四(二) 审核转办."""

    name = "fengqiao.cases"
    label = "cases"
    verbose_name = _("争议案件")
