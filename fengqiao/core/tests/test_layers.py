"""No import circle between apps (issue 16): each app imports only apps of the layers below its
own (``fengqiao.layers``).

Every module of every app is read with ``ast`` — tests and migrations aside — and every import
counts wherever it stands: at the top, inside a function ("to avoid the circle" is still a
circle), under ``if TYPE_CHECKING``; ``import fengqiao.x``, ``from fengqiao import x``,
``from fengqiao.x.y import z`` and relative imports alike. So does a dotted path of another
app's module written as a string (what ``import_string`` would load). Each offence is named by
file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import fengqiao
from fengqiao.layers import LAYERS, rank

ROOT = Path(fengqiao.__file__).parent
#: Packages beside the apps that are no app: above every layer (test factories) or importing
#: nothing of ours (date formats).
NOT_APPS = {"testing", "formats"}


def _app_modules() -> Iterator[tuple[str, Path]]:
    for package in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").is_file()):
        if package.name in NOT_APPS:
            continue
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(package).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield package.name, path


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes: a dotted name in prose imports nothing."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import in the source of a module of ``package``, and of
    every string that is a dotted path into ``fengqiao``."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # from fengqiao import cases / from fengqiao.x import y
                yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value
            if text.startswith("fengqiao.") and text.count(".") >= 2 and all(p.isidentifier() for p in text.split(".")):
                yield node.lineno, text


def _upward() -> list[tuple[str, int, str]]:
    """(module, line, imported app) of every import of an app not below the importer."""
    level = rank()
    found = []
    for app, path in _app_modules():
        package = ".".join(("fengqiao", *path.relative_to(ROOT).parts[:-1]))
        for line, module in _imported(path.read_text(encoding="utf-8"), package):
            parts = module.split(".")
            if parts[0] != "fengqiao" or len(parts) < 2 or parts[1] == app:
                continue
            target = parts[1]
            if target not in level and not (ROOT / target).is_dir() and not (ROOT / f"{target}.py").is_file():
                continue  # a name imported from the package itself, not a module
            if target not in level or level[target] >= level[app]:
                found.append((str(path.relative_to(ROOT.parent)), line, target))
    return sorted(set(found))


def test_every_app_has_a_layer() -> None:
    apps = {p.name for p in ROOT.iterdir() if (p / "apps.py").is_file()}
    listed = [app for layer in LAYERS for app in layer.apps]
    assert len(listed) == len(set(listed)), "an app listed twice"
    assert apps == set(listed), "fengqiao.layers.LAYERS lists every app, once"


def test_no_app_imports_an_app_above_it() -> None:
    """An app imports apps of lower layers only (``fengqiao.layers``; docs/development.md
    "Layers" says how an upper app plugs into a lower one instead)."""
    assert [f"{module}:{line} imports {target}" for module, line, target in _upward()] == []


def test_the_scan_sees_every_kind_of_import() -> None:
    """The forms of import the scan must see, in a module of its own."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import fengqiao.a.models\n"
        "from fengqiao import b\n"
        "from fengqiao.c.selectors import x\n"
        "if TYPE_CHECKING:\n"
        "    from fengqiao.d.models import Y\n"
        "def f():\n"
        '    """fengqiao.prose.only is prose."""\n'
        "    from fengqiao.e import services\n"
        "    from ..f import views\n"
        '    return "fengqiao.g.module.name"\n'
    )
    seen = {m.split(".")[1] for _line, m in _imported(source, "fengqiao.core") if m.startswith("fengqiao.")}
    assert seen == {"a", "b", "c", "d", "e", "f", "g"}
