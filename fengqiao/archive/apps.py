from typing import Any

from django.apps import AppConfig
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
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

        from fengqiao.releases.models import ReleaseKind
        from fengqiao.releases.services import case_reference_register

        # 信息发布: a dossier package is named by its archive number.
        case_reference_register(ReleaseKind.DOSSIER, _dossier_reference)

        from fengqiao.core.backup import restore_check_register

        # After a restore (core.backup): every sealed dossier verified against its manifest.
        restore_check_register(_dossiers_restored)

        from fengqiao.cases import panels

        # The case page's 案卷归档: the sealed dossier, or sealing it.
        panels.register(panels.Panel("archive", _case_panel, order=70))


def _dossier_reference(case: Any) -> str:
    """The archive number of the case's sealed dossier; a case not yet archived has none to release."""
    from fengqiao.archive.selectors import dossier_of

    dossier = dossier_of(case)
    if dossier is None:
        raise ValidationError(gettext("案件 %(c)s 尚未归档，没有归档包。") % {"c": case.number})
    return dossier.archive_number


def _dossiers_restored(summary: Any, alias: str) -> None:
    """Every sealed dossier of the restored database checked against its manifest
    (``archive.services.dossier_verify``), counted in the restore's summary."""
    from fengqiao.archive.models import Dossier
    from fengqiao.archive.services import dossier_verify

    for dossier in Dossier.objects.using(alias).select_related("case").order_by("id").iterator():
        summary.dossiers += 1
        problems = dossier_verify(dossier)
        if problems:
            summary.problems.extend(f"案卷 {dossier.archive_number}：{p}" for p in problems)
        else:
            summary.dossiers_ok += 1


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.archive.views import case_archive_context

    return case_archive_context(user=user, case=case)
