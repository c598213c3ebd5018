from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = _("基础服务")

    def ready(self) -> None:
        # Connects the receivers that keep the working-day calendar cache in step.
        from fengqiao.core import signals  # noqa: F401
        from fengqiao.core.backup import backup_schedule_ensure

        # The daily backup is scheduled once FENGQIAO_BACKUP_DIR names a folder (never removed: docs/backup.md).
        post_migrate.connect(backup_schedule_ensure, sender=self, dispatch_uid="core.backup_schedule")
