from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """安全审计 — 五(三)(四): every sign-in, case view, reveal, download, export and
    administrative change, kept in a keyed SM3 hash chain that shows any record changed,
    removed or inserted; information-release approvals."""

    name = "fengqiao.audit"
    label = "audit"
    verbose_name = _("安全审计")

    def ready(self) -> None:
        from fengqiao.audit import auditor_todo, signals  # noqa: F401 — auditor_todo registers its sources

        signals.connect()
