from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """线上枫桥 — the payer's own pages (四(一) 线上线下受理; issue 14): file a dispute online,
    follow it with the case number and a query code or a one-time SMS code, receive the
    answer and answer the follow-up visit. No staff login, no staff data."""

    name = "fengqiao.portal"
    label = "portal"
    verbose_name = _("线上枫桥")

    def ready(self) -> None:
        from fengqiao.cases.services import case_registered
        from fengqiao.portal.services import access_on_registration

        case_registered.connect(access_on_registration, dispatch_uid="portal.access_on_registration")
