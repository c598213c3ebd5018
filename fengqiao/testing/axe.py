"""The automated accessibility check of the browser tests: axe-core (npm, pinned in
package-lock.json, installed into node_modules by ``make setup``) run inside a Playwright page.

The pages keep their Content Security Policy (``script-src 'self'``): a ``<script>`` element
with axe's source, which Playwright's ``add_script_tag`` would add, is refused by it as any
inline script is. So the source is evaluated through the DevTools protocol
(``page.evaluate``), which runs in the page without being a script of the page: the policy
stays as it is for the page's own scripts, and the check proves axe really ran (its engine
name and the rules that passed) instead of trusting an empty list of violations.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is not installed ({AXE_JS}): run `make setup` (npm ci, package-lock.json)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_run(page: Page) -> dict[str, Any]:
    """axe-core's full result for the page as it is now (every rule axe runs by default:
    WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        "async () => JSON.parse(JSON.stringify(await window.axe.run(document, {resultTypes: ['violations']})))"
    )
    engine = result.get("testEngine", {}).get("name")
    ran = len(result.get("passes", [])) + len(result.get("violations", [])) + len(result.get("incomplete", []))
    assert engine == "axe-core" and ran > 0, f"axe-core did not run on {page.url}: {engine!r}, {ran} rules"
    return result


def serious_violations(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]


def violations_text(violations: list[dict[str, Any]]) -> str:
    """One block per violation: rule, impact, help and its link, then each element's selector
    and axe's summary of what to fix."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str = "") -> dict[str, Any]:
    """Fail listing every violation of impact serious or critical axe-core finds on the page;
    the whole result is returned (the moderate and minor ones are left to the reader)."""
    result = axe_run(page)
    found = serious_violations(result)
    assert not found, f"axe-core: {len(found)} serious/critical on {what or page.url}:\n{violations_text(found)}"
    return result
