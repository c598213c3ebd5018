from typing import Any

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

        from fengqiao.core.keys import KeySource, key_source_register

        # The chain's key, checked in production and listed with the others (core.keys).
        key_source_register(
            KeySource("FENGQIAO_AUDIT_KEYS", "fengqiao.audit.chain._DEV_AUDIT_KEYS", "fengqiao.audit.chain.chain_keys")
        )

        from fengqiao.core import workbench

        # 三员分立: the 审计管理员's workbench is the trail's summary and what waits on them.
        workbench.context_register(_auditor_summary, case_work=False)

        from django.db.models.signals import post_migrate

        from fengqiao.audit.verify import verify_schedule_ensure

        # The daily verification of the chains (docs/audit.md "Verification"), scheduled once.
        post_migrate.connect(verify_schedule_ensure, sender=self, dispatch_uid="audit.verify_schedule")


def _auditor_summary(user: Any) -> dict[str, Any]:
    from fengqiao.audit.selectors import auditor_summary
    from fengqiao.org.permissions import may_read_audit

    return {"audit_summary": auditor_summary(user=user) if may_read_audit(user) else None}
