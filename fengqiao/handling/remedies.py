"""救济途径 as written in a decision: one editor and one check for every place that writes them.

行政复议法第二十条 (and 行政诉讼法第四十六条): the decision tells the payer how to object, to which
body, and within what time. A remedy row of ``Decision.remedies`` holds

- ``kind`` 途径 (e.g. 申请行政复议), ``body`` 受理机关, ``deadline`` 期限 — all three required;
- ``basis`` 依据 — the provision, optional.

``clean_remedies`` is the one check (services, pages and API alike; each error names the row
and the field). ``RemediesField`` is the one page editor — labelled rows, blank rows ignored —
used by the decision editor (``handling.forms.DecisionForm``) and the 12345 referral answer
(``referrals.forms.FeedbackForm``). It also takes a list of objects (the API) and, for old
clients, JSON text or lines of "途径|受理机关|期限".
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.handling.models import REMEDY_KEYS

REQUIRED_KEYS = ("kind", "body", "deadline")
LABELS = {
    "kind": gettext_lazy("途径"),
    "body": gettext_lazy("受理机关"),
    "deadline": gettext_lazy("期限"),
    "basis": gettext_lazy("依据"),
}
HELP = {
    "kind": gettext_lazy("如：申请行政复议"),
    "body": gettext_lazy("如：国家税务总局通辽市税务局"),
    "deadline": gettext_lazy("如：自知道或者应当知道该行政行为之日起60日内"),
    "basis": gettext_lazy("如：《中华人民共和国行政复议法》第二十条（可不填）"),
}
# Suggestions for 途径 (the editor's datalist); any other wording is accepted.
KINDS = ("申请行政复议", "提起行政诉讼", "申请劳动人事争议仲裁", "申请调解")
BLANK_ROWS = 2


def row_errors(rows: Any) -> tuple[list[dict[str, str]], list[str], dict[int, dict[str, str]]]:
    """Check remedy rows: (the cleaned rows, the messages, {row index: {key: message}}); a row
    is numbered as the editor shows it (1-based).

    ``None`` is a row the page editor left blank (``RemediesWidget``: it offers blank rows for
    more) and is skipped. A row that was *sent* with nothing in it — ``{}`` in the API — is
    refused, not silently dropped (issue 13 §5): the client meant a remedy and lost it."""
    if not isinstance(rows, list | tuple):
        return [], [_("救济途径应为列表，每项写明途径、受理机关、期限。")], {}
    cleaned: list[dict[str, str]] = []
    messages: list[str] = []
    by_row: dict[int, dict[str, str]] = {}
    for i, item in enumerate(rows):
        if item is None:
            continue
        if not isinstance(item, dict):
            messages.append(_("第%(n)d项救济途径格式有误。") % {"n": i + 1})
            continue
        row = {k: str(item.get(k, "") or "").strip() for k in REMEDY_KEYS}
        if not any(row.values()):
            messages.append(_("第%(n)d项救济途径是空的：请写明途径、受理机关、期限，或删去该项。") % {"n": i + 1})
            continue
        missing = [k for k in REQUIRED_KEYS if not row[k]]
        if missing:
            by_row[i] = {k: _("必填") for k in missing}
            messages.append(
                _("第%(n)d项救济途径：请填写%(f)s（行政复议法第二十条：告知途径、受理机关和期限）。")
                % {"n": i + 1, "f": "、".join(str(LABELS[k]) for k in missing)}
            )
            continue
        cleaned.append(row)
    return cleaned, messages, by_row


def clean_remedies(rows: Any) -> list[dict[str, str]]:
    """The remedies to store, or ``ValidationError({"remedies": [...]})`` naming each bad row
    and field."""
    cleaned, messages, _rows = row_errors(rows)
    if messages:
        raise ValidationError({"remedies": messages})
    return cleaned


def parse_text(text: str) -> list[dict[str, str]] | str:
    """JSON text of a list, or lines of "途径|受理机关|期限[|依据]" (the referral answer's old
    syntax). Returns the text itself when it is neither, for the field to refuse."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, list) else text
    rows = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if any(parts):
            rows.append(dict(zip(REMEDY_KEYS, parts, strict=False)))
    return rows


def _blank_as_none(row: dict[str, str]) -> dict[str, str] | None:
    """A row of the page editor with nothing typed in it: one of its blank rows, not a remedy."""
    return row if any(str(v or "").strip() for v in row.values()) else None


_ROW_KEY = re.compile(r"^(?P<name>.+)-(?P<i>\d{1,3})-(?P<key>[a-z]+)$")


class RemediesWidget(forms.Widget):
    """Labelled rows (途径 / 受理机关 / 期限 / 依据), posted as ``<name>-<i>-<key>``, with two
    blank rows for more; a row left blank is ignored."""

    template_name = "handling/widgets/remedies.html"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            indexed: dict[int, dict[str, str]] = {}
            for key in data:
                m = _ROW_KEY.match(key)
                if m and m.group("name") == name and m.group("key") in REMEDY_KEYS:
                    indexed.setdefault(int(m.group("i")), {})[m.group("key")] = data.get(key, "")
            if indexed:
                return [_blank_as_none(indexed.get(i, {})) for i in range(max(indexed) + 1)]
            # The decision editor's former parallel lists remedy_kind / remedy_body / ...
            columns = {k: data.getlist(f"remedy_{k}") for k in REMEDY_KEYS}
            if any(columns.values()):
                count = max(len(v) for v in columns.values())
                return [
                    _blank_as_none({k: (columns[k][i] if i < len(columns[k]) else "") for k in REMEDY_KEYS})
                    for i in range(count)
                ]
        value = data.get(name) if hasattr(data, "get") else None
        if isinstance(value, str):
            return parse_text(value)
        return value

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, str):
            value = parse_text(value)
        checked = [r if isinstance(r, dict) else None for r in value] if isinstance(value, list | tuple) else []
        _cleaned, _messages, by_row = row_errors(checked)
        rows = [*(r or {} for r in checked), *({} for _i in range(BLANK_ROWS))]
        context["widget"]["rows"] = [
            {
                "number": i + 1,
                "cols": [
                    {
                        "key": k,
                        "name": f"{name}-{i}-{k}",
                        "id": f"id_{name}-{i}-{k}",
                        "label": LABELS[k],
                        "help": HELP[k],
                        "value": str(row.get(k, "") or ""),
                        "required": k in REQUIRED_KEYS,
                        "error": by_row.get(i, {}).get(k, ""),
                    }
                    for k in REMEDY_KEYS
                ],
            }
            for i, row in enumerate(rows)
        ]
        context["widget"]["kinds"] = KINDS
        return context


class RemediesField(forms.Field):
    """救济途径: a list of ``{kind, body, deadline, basis}``; errors name the row and the field."""

    widget = RemediesWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("救济途径"))
        kwargs.setdefault(
            "help_text", gettext_lazy("每项写明途径、受理机关和期限（行政复议法第二十条），依据可不填；空行不计。")
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return parse_text(value)
        return value

    def validate(self, value: Any) -> None:
        pass

    def clean(self, value: Any) -> list[dict[str, str]]:
        cleaned, messages, _rows = row_errors(self.to_python(value))
        if messages:
            raise forms.ValidationError(messages)
        if self.required and not cleaned:
            raise forms.ValidationError(_("请至少写明一项救济途径（途径、受理机关、期限）。"), code="required")
        return cleaned

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(initial != data)
