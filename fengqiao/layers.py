"""The apps in layers, lowest first: an app imports only apps of the layers below its own.

An app lower down never imports one above it, not even inside a function "to avoid the
circle": where a lower app needs what an upper app knows (a guard on a case step, a panel of
the case page, a to-do source, a check after a restore) it offers an extension point — a
registry or a hook list — and the upper app fills it in its ``AppConfig.ready()``, or the
lower app sends a signal the upper app receives. Apps of one layer do not import each other.
``core/tests/test_layers.py`` holds the tree to this order; docs/development.md "Layers" says
how an upper app plugs into a lower one.

The project's own modules beside the apps (settings, URLs, WSGI, ``conftest``) and
``fengqiao.testing`` (factories and personas) sit above every layer: they may import any app,
and no app imports them.
"""

from __future__ import annotations

from typing import NamedTuple


class Layer(NamedTuple):
    apps: tuple[str, ...]
    holds: str


LAYERS: tuple[Layer, ...] = (
    Layer(("org",), "jurisdictions, departments, staff and their roles: who is who"),
    Layer(
        ("core",),
        "the working-day calendar and time limits, keys and encryption, identifiers, sign-in, "
        "the workbench and the to-do registry the apps fill, paging and the API's plumbing",
    ),
    Layer(("audit",), "the audit trail every app writes to, and its keyed hash chain"),
    Layer(
        ("cases",),
        "the case: intake, the payer, the timeline, the transition table (whose steps upper apps "
        "guard), the case page (whose panels upper apps add)",
    ),
    Layer(("integrations",), "the outbox: the 12345 platform's status reports, SMS and e-mail"),
    Layer(("releases",), "information releases (信息发布报批) an export of personal data needs"),
    Layer(("documents",), "the document registry (the apps register their forms), rendering and issuing"),
    Layer(
        ("handling",),
        "investigation (tasks, opinions, decisions, special handling, legal review) and the "
        "follow-through of time limits other apps use",
    ),
    Layer(("meetings", "referrals"), "consultations and their minutes; referrals and transfers (四(八))"),
    Layer(("followup",), "feedback to the payer, follow-up visits, remedies"),
    Layer(("archive",), "sealed dossiers and their export"),
    Layer(("portal",), "the payer's own pages: online filing, the query code, online answers"),
    Layer(("opinion",), "online items (网络舆情) and the cases they concern"),
    Layer(("accountability",), "accountability records proposed from what the apps below record"),
    Layer(("analytics",), "the monthly analysis, the scorecards and the early warnings: everyone's figures"),
)


def rank() -> dict[str, int]:
    """Each app's layer, counted from the bottom (0 = ``org``)."""
    return {app: level for level, layer in enumerate(LAYERS) for app in layer.apps}
