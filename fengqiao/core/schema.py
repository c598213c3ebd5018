"""The OpenAPI schema documents every answer an operation can give (issue 13 §5).

Besides what each view declares, every operation can answer in the one error shape
(``core.api.ErrorSerializer``, ``{"errors": {key: [messages]}}``):

- 400 — a body that is not JSON, nested too deep, with a lone surrogate, or over the size limit
  (``core.parsers``, ``core.errors``), whatever the operation takes;
- 401 — no or an expired token; 403 — signed in but not allowed;
- 404 — an id no route or object matches (a hidden case reads as a missing one);
- 406 / 415 — an ``Accept`` or a ``Content-Type`` the operation does not speak;
- 429 — the per-user throttle (``core.throttles``).

``errors_documented`` is a drf-spectacular post-processing hook that adds the codes an operation
does not declare itself, with the shared descriptions of ``core.api.ERROR_DESCRIPTIONS``; an
operation's own wording for a code is kept. The property-based run
(``core/tests/test_api_schemathesis.py``) checks every answer against this.
"""

from __future__ import annotations

from typing import Any

from fengqiao.core.api import ERROR_DESCRIPTIONS

#: The codes every operation can answer with, whatever it declares.
EVERY_OPERATION = (400, 401, 403, 404, 406, 415, 429)

EXTRA_DESCRIPTIONS = {
    406: "无法按 Accept 请求头给出的格式应答",
    415: "不支持请求的 Content-Type",
    429: "请求过于频繁，请按 Retry-After 等待后重试",
}

_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def errors_documented(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the error answers every operation can give (module docstring)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    texts = {**EXTRA_DESCRIPTIONS, **ERROR_DESCRIPTIONS}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in EVERY_OPERATION:
                responses.setdefault(str(code), {"description": texts[code], "content": error})
    return result
