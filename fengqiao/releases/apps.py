from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    """信息发布审批 — 五(三): 对外发布或向其他有关部门提供信息，要严格按照规定和程序报批. A request
    names what information, to whom and why; the county's configured roles approve or refuse
    it; only an approved, unexpired request lets the information go out."""

    name = "fengqiao.releases"
    label = "releases"
    verbose_name = _("信息发布审批")
