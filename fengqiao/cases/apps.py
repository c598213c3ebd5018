from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """争议案件 — 三(三) the dispute categories, 四(一) 一站受理 and 四(二) 审核转办."""

    name = "fengqiao.cases"
    label = "cases"
    verbose_name = _("争议案件")

    def ready(self) -> None:
        post_migrate.connect(_kept_fill, sender=self, dispatch_uid="cases.kept.fill_after_migrate")
        _timeline_register()

        from fengqiao.org.services import setup_loader_register

        setup_loader_register(_routing_defaults)

        from fengqiao.cases import permissions
        from fengqiao.core import workbench

        # 工作台: the four case tiles (mine, to review, due soon, overdue) and the 受理登记 button.
        workbench.tiles_register(workbench.Tiles("counts", _workbench_tiles))
        workbench.context_register(lambda user: {"may_register": permissions.may_register(user)})


def _kept_fill(**kwargs: Any) -> None:
    from fengqiao.cases import kept

    kept.fill_after_migrate(**kwargs)


def _timeline_register() -> None:
    """The case timeline's chain, for the audit's verification to walk beside its streams
    (``audit.verify``; the case is above audit, which does not import it)."""
    from fengqiao.audit import verify
    from fengqiao.cases import chain
    from fengqiao.cases.models import Case, CaseEvent

    verify.timeline_register(
        verify.Timeline(
            model=CaseEvent,
            columns=chain.EVENT_CHAIN_COLUMNS,
            fields=chain.event_fields,
            of_county=lambda county: Case.objects.filter(jurisdiction=county).values("pk"),
        )
    )


def _routing_defaults(county: Any) -> str | None:
    """The county set-up's routing rules (``manage.py setup_naiman``; ``org.services.SETUP_LOADERS``)."""
    from fengqiao.cases.defaults import routing_defaults_load

    added = routing_defaults_load(county_code=county.code)
    return f"新增转办规则 {added} 条" if added else None


def _workbench_tiles(user: Any, today: Any) -> dict[str, Any]:
    # Imported when the workbench is shown, not at start-up (the selectors bring the API's paging).
    from fengqiao.cases.selectors import workbench_views

    return workbench_views(user=user)
