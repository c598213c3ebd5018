from typing import Any

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

        from fengqiao.cases import panels

        # The case page's 文书: the case's documents and the forms the user may issue.
        panels.register(panels.Panel("documents", _case_panel, order=10))


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.documents.views import case_documents_context

    return case_documents_context(user=user, case=case)
