"""Every form on the pages leaves the checking to the server (issue 8: tried as a new user
would). A form without ``novalidate`` lets the browser stop an empty required field with its
own bubble, written in the browser's language — Debian's chromium says "Please fill out this
field." — before the page's Chinese error beside the field (named by the form) can appear. The
``required`` attribute stays on the inputs for screen readers; only the browser's blocking goes."""

from __future__ import annotations

import re
from pathlib import Path

import fengqiao

ROOT = Path(fengqiao.__file__).parent
FORM_TAG = re.compile(r"<form\b[^>]*>", re.S)


def test_every_form_leaves_validation_to_the_server() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {tag[:80]}"
        for path in sorted(ROOT.rglob("*.html"))
        for tag in FORM_TAG.findall(path.read_text(encoding="utf-8"))
        if not re.search(r"\snovalidate\b", tag)
    ]
    assert offenders == []
