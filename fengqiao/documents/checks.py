"""``manage.py check``: what PDF rendering needs on this machine — WeasyPrint's libraries
(Pango, HarfBuzz) and a font for every role of GB/T 9704. A missing one is a warning that
names the Debian package to install (``scripts/sysdeps.sh`` installs them all)."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register("documents")
def pdf_rendering_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from fengqiao.documents import fonts

    messages: list[checks.CheckMessage] = []
    try:
        import weasyprint  # noqa: F401 — loads Pango and HarfBuzz
    except OSError as exc:
        messages.append(
            checks.Warning(
                f"WeasyPrint cannot load its libraries: {exc}",
                hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (scripts/sysdeps.sh)",
                id="documents.W001",
            )
        )
    for code in fonts.ROLES:
        try:
            fonts.resolve(code)
        except fonts.FontMissing as exc:
            messages.append(checks.Warning(str(exc), hint="scripts/sysdeps.sh", id="documents.W002"))
    return messages
