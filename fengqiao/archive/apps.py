from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """案卷归档 — 四(七): sealed dossiers, manifests with SM3 hashes, retention, export packages."""

    name = "fengqiao.archive"
    label = "archive"
    verbose_name = _("案卷归档")

    def ready(self) -> None:
        from fengqiao.core.keys import KeySource, key_source_register

        # The export packages' signing key, checked in production and listed with the others (core.keys).
        key_source_register(
            KeySource(
                "FENGQIAO_PACKAGE_KEYS",
                "fengqiao.archive.signing._DEV_PACKAGE_KEYS",
                "fengqiao.archive.signing.package_keys",
            )
        )
