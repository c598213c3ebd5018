"""The case page's sections of the apps above cases (文书, 调查处理, 催办督办, 会商, 报送办理,
结果反馈与回访, 案卷归档): each app adds its own from its ``AppConfig.ready()`` (:func:`register`),
so the page (``cases.views.case_detail``) names none of them.

A section gives the template variables its part of ``cases/case_detail.html`` reads. It runs
after the case's own and those of the sections before it, which it may read (``page``): the
follow-through section shows the tasks and the decision the handling section has just read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fengqiao.cases.models import Case
    from fengqiao.org.models import Staff


@dataclass(frozen=True)
class Panel:
    """``context(user=, case=, page=)``: the section's variables for ``user`` (who may see the
    case); ``order`` places it among the others (lowest first)."""

    key: str
    context: Callable[..., dict[str, Any]]
    order: int = 100


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add (or replace, by key) a section."""
    _registry[panel.key] = panel
    return panel


def panels() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.key))


def page_context(*, user: Staff, case: Case, page: dict[str, Any]) -> None:
    """Add every section's variables to ``page``, in order."""
    for panel in panels():
        page.update(panel.context(user=user, case=case, page=page))
