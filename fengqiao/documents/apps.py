from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """公文 — every written form of the mechanism, rendered per GB/T 9704-2012."""

    name = "fengqiao.documents"
    label = "documents"
    verbose_name = _("文书")

    def ready(self) -> None:
        import fengqiao.documents.checks  # noqa: F401 — registers the font check
        from fengqiao.documents import registry

        # Each app registers its own forms in its ``documents.py`` (docs/documents.md).
        registry.autodiscover()
