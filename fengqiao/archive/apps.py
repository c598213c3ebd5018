from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """案卷归档 — 四(七): sealed dossiers, manifests with SM3 hashes, retention, export packages."""

    name = "fengqiao.archive"
    label = "archive"
    verbose_name = _("案卷归档")
