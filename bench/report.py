"""Print the table of one ``make bench`` run from its results file.

    .venv/bin/python bench/report.py bench/results/<UTC time>-<host>.jsonl [--markdown]

Every benchmark appends its rows with ``_common.record(section, name, **figures)``, one JSON line
per database; ``bench/run.py`` adds a ``_run`` row with the machine at the start and one at the
end. This joins the rows of SQLite and PostgreSQL by (section, name) into one table:

    section | name | SQLite | PostgreSQL | baseline | ratio | target | result

- the figure: ``figure`` if the row gives one, else the known figures in this order —
  ``rate`` (with ``unit``), ``p50_ms``, ``p95_ms``, ``median_ms``, ``ms``, ``seconds``,
  ``queries`` — else every other figure as ``key=value``;
- the baseline: ``baseline`` (what it is, e.g. "bare INSERT view") with ``baseline_rate``,
  ``baseline_ms``, ``baseline_p95_ms`` or ``baseline_seconds``;
- the ratio: ``ratio`` as recorded (the benchmark decides which way it reads);
- the target: ``target``, e.g. ``">= 0.5"`` (compares ``ratio``), ``"p95 < 50 ms"`` (compares
  ``p95_ms``) or ``"< 2 s"`` (the row's time: ``seconds``, ``ms``, ``median_ms``); what follows
  the first comparison (", queries constant") is shown, not checked; ``passed`` (true/false),
  when recorded, decides instead;
- a row with ``failed`` (written by ``run.py`` when a script is missing, exits non-zero or
  records nothing) reads ``failed: …`` and fails.
"""

from __future__ import annotations

import argparse
import json
import operator
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATABASES = ("sqlite", "postgresql")
HEADER = ("section", "name", "SQLite", "PostgreSQL", "baseline", "ratio", "target", "result")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "≥": operator.ge,
    "<=": operator.le,
    "≤": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
TARGET = re.compile(
    r"^\s*(?:(?P<key>[A-Za-z_]\w*)\s*)?(?P<op>>=|<=|≥|≤|>|<)\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>ms|s\b)?"
)
BOOKKEEPING = {"section", "name", "database", "at", "failed", "passed", "target", "ratio", "baseline", "unit", "figure"}


def number(value: Any) -> str:
    """A figure as people read it: thousands separated, 3 significant digits below 100."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or value == 0:
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def figure(row: dict[str, Any]) -> str:
    if "failed" in row:
        return f"failed: {row['failed']}"
    if "figure" in row:
        return str(row["figure"])
    parts: list[str] = []
    if "rate" in row:
        parts.append(f"{number(row['rate'])} {row.get('unit', '/s')}")
    for key, label, unit in (
        ("p50_ms", "p50 ", " ms"),
        ("p95_ms", "p95 ", " ms"),
        ("median_ms", "median ", " ms"),
        ("ms", "", " ms"),
        ("seconds", "", " s"),
        ("queries", "", " queries"),
    ):
        if key in row:
            parts.append(f"{label}{number(row[key])}{unit}")
    if not parts:
        parts = [
            f"{key}={number(value)}"
            for key, value in row.items()
            if key not in BOOKKEEPING and not key.startswith("baseline")
        ]
    return ", ".join(parts)


def baseline(row: dict[str, Any]) -> str:
    """The baseline's figures: ``baseline_rate`` (in the row's unit), ``baseline_<x>_ms``,
    ``baseline_ms``, ``baseline_seconds``."""
    parts = []
    for key, value in row.items():
        if not key.startswith("baseline_") or not isinstance(value, int | float):
            continue
        what = key.removeprefix("baseline_")
        if what == "rate":
            parts.append(f"{number(value)} {row.get('unit', '/s')}")
        elif what.endswith("ms"):
            label = what.removesuffix("ms").rstrip("_")
            parts.append(f"{label + ' ' if label else ''}{number(value)} ms")
        elif what == "seconds":
            parts.append(f"{number(value)} s")
        else:
            parts.append(f"{what} {number(value)}")
    return ", ".join(parts)


def verdict(row: dict[str, Any]) -> bool | None:
    """True/False when the row meets/misses its target, None when it states none."""
    if "failed" in row:
        return False
    if "passed" in row:
        return bool(row["passed"])
    target = row.get("target")
    if not target:
        return None
    match = TARGET.match(str(target))
    if not match:
        return None
    value = target_value(row, match["key"], match["unit"])
    if value is None:
        return False
    return OPS[match["op"]](value, float(match["value"]))


def target_value(row: dict[str, Any], key: str | None, unit: str | None) -> float | None:
    """The figure a target speaks of: ``p95 < 50 ms`` → ``p95_ms``; ``< 2 s`` → the row's time
    (``seconds``, or ``ms``/``median_ms`` in seconds); no key and no unit → ``ratio``."""

    def num(name: str) -> float | None:
        value = row.get(name)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    if key is None and unit is None:
        return num("ratio")
    names = [key, f"{key}_ms", f"{key}_seconds"] if key else ["seconds", "ms", "median_ms", "p95_ms"]
    for name in names:
        value = num(name)
        if value is None:
            continue
        if unit == "s" and name.endswith("ms"):
            return value / 1000
        if unit == "ms" and name.endswith("seconds"):
            return value * 1000
        return value
    return None


@dataclass
class Line:
    section: str
    name: str
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cells(self, databases: tuple[str, ...]) -> list[str]:
        rows = [self.rows.get(db) for db in databases]
        present = [r for r in rows if r is not None]
        figures = [figure(r) if r is not None else "—" for r in rows]
        kinds = sorted({str(r["baseline"]) for r in present if r.get("baseline")})
        values = [baseline(r) if r is not None else "" for r in rows]
        base = "; ".join(kinds)
        if any(values):
            base = f"{base}: {' / '.join(v or '—' for v in values)}" if base else " / ".join(v or "—" for v in values)
        ratios = [number(r["ratio"]) if r is not None and "ratio" in r else "—" for r in rows]
        targets = sorted({str(r["target"]) for r in present if r.get("target")})
        verdicts = [verdict(r) if r is not None else None for r in rows]
        result = " / ".join("—" if v is None else ("pass" if v else "FAIL") for v in verdicts)
        return [
            self.section,
            self.name,
            *figures,
            base,
            " / ".join(ratios) if any(r != "—" for r in ratios) else "",
            "; ".join(targets),
            result if any(v is not None for v in verdicts) else "",
        ]


@dataclass
class Run:
    lines: list[Line]
    machine: dict[str, Any]
    end: dict[str, Any]
    databases: tuple[str, ...]

    @property
    def failures(self) -> int:
        return sum(1 for line in self.lines for row in line.rows.values() if "failed" in row)

    @property
    def misses(self) -> int:
        return sum(1 for line in self.lines for row in line.rows.values() if verdict(row) is False)

    @property
    def checked(self) -> int:
        return sum(1 for line in self.lines for row in line.rows.values() if verdict(row) is not None)


def load(path: Path) -> Run:
    lines: dict[tuple[str, str], Line] = {}
    machine: dict[str, Any] = {}
    end: dict[str, Any] = {}
    seen: list[str] = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        row = json.loads(text)
        if row.get("section") == "_run":
            (machine if row.get("name") == "start" else end).update(row)
            continue
        db = str(row.get("database", "sqlite"))
        if db not in seen:
            seen.append(db)
        key = (str(row.get("section", "")), str(row.get("name", "")))
        line = lines.setdefault(key, Line(*key))
        if db in line.rows:  # the same row twice (a script run again): keep both, numbered
            n = 2
            while (key[0], f"{key[1]} #{n}") in lines and db in lines[(key[0], f"{key[1]} #{n}")].rows:
                n += 1
            line = lines.setdefault((key[0], f"{key[1]} #{n}"), Line(key[0], f"{key[1]} #{n}"))
        line.rows[db] = row
    databases = tuple(db for db in DATABASES if db in seen or db in machine.get("databases", [])) or ("sqlite",)
    databases += tuple(db for db in seen if db not in databases)
    return Run(list(lines.values()), machine, end, databases)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header(run: Run) -> list[str]:
    return [{"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(db, db) for db in run.databases]


def machine_notes(run: Run) -> list[str]:
    m, e = run.machine, run.end
    if not m:
        return []
    get = m.get
    notes = [
        f"run {get('stamp', '?')} on {get('host', '?')}: {get('cpu', '?')} × {get('cpus', '?')}, "
        f"{get('ram_gb', '?')} GB RAM; load average {get('load', '?')} at the start, "
        f"{e.get('load', '?')} at the end",
        f"cases: {number(get('cases', '?'))}; SQLite {get('sqlite', '?')}; "
        f"PostgreSQL {get('postgresql') or 'not run'}; git {get('git', '?')}; Python {get('python', '?')}",
    ]
    if e.get("seconds") is not None:
        notes.append(f"took {float(e['seconds']) / 60:.1f} min")
    return notes


def summary(run: Run) -> str:
    """E.g. "129 rows on 2 databases; none failed; 189 of 230 figures with a target missed it"."""
    parts = [f"{len(run.lines)} rows on {len(run.databases)} database(s)"]
    parts.append(f"{run.failures} failed" if run.failures else "none failed")
    if run.misses:
        parts.append(f"{run.misses} of {run.checked} figures with a target missed it")
    else:
        parts.append(f"all {run.checked} figures with a target met it")
    return "; ".join(parts)


def text_table(run: Run) -> str:
    rows = [[*HEADER[:2], *header(run), *HEADER[4:]]] + [line.cells(run.databases) for line in run.lines]
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join([*machine_notes(run), "", *out, "", summary(run)])


def markdown(run: Run) -> str:
    def md(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    head = [*HEADER[:2], *header(run), *HEADER[4:]]
    out = [f"# make bench — {run.machine.get('stamp', '')}", ""]
    out += [f"- {note}" for note in machine_notes(run)]
    out += ["", md(head), md(["---"] * len(head))]
    out += [md(line.cells(run.databases)) for line in run.lines]
    out += ["", summary(run), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a bench/results/*.jsonl file")
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table instead")
    args = parser.parse_args()
    if not args.results.exists():
        sys.exit(f"{args.results}: no such file")
    run = load(args.results)
    print(markdown(run) if args.markdown else text_table(run))


if __name__ == "__main__":
    main()
