from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """组织机构 — the mechanism's 三(一) organisation and 三(二) department duties."""

    name = "fengqiao.org"
    label = "org"
    verbose_name = _("组织机构")
