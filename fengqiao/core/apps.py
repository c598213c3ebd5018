from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = _("基础服务")

    def ready(self) -> None:
        # Connect the receivers that keep the working-day calendar cache (signals) and the kept
        # set-up rows — categories, townships, departments — (setup_cache) in step with edits.
        # signin: the session's clocks and the second factor start at sign-in.
        # keys: the production check that refuses a missing or development key.
        from fengqiao.core import keys, setup_cache, signals, signin  # noqa: F401
        from fengqiao.core.backup import backup_schedule_ensure

        # The daily backup is scheduled once FENGQIAO_BACKUP_DIR names a folder (never removed: docs/backup.md).
        post_migrate.connect(backup_schedule_ensure, sender=self, dispatch_uid="core.backup_schedule")

        # Every date and text field of every form and serializer keeps the input checks (issue 13 §5).
        from fengqiao.core import inputs

        inputs.install()
