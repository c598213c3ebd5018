"""The records the trail takes from events sent below it (connected in ``AuditConfig.ready``):
sign-in, failed sign-in and sign-out (``django.contrib.auth`` signals), a lockout (axes'
``user_locked_out``), a step of the second factor (``core.signin.second_factor_step``), a key
rotation (``core.keys.keys_rotated``), and every change made in the configuration admin (each
is a ``LogEntry`` the admin writes: add, change, delete, a role granted in the staff page's
inline, a password reset)."""

from __future__ import annotations

import json
from typing import Any, cast

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.http import HttpRequest

from fengqiao.audit.models import Action, Result
from fengqiao.audit.services import record
from fengqiao.audit.trail import note
from fengqiao.core.keys import keys_rotated
from fengqiao.core.signin import second_factor_step

_VERBS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    note(Action.SIGN_IN, request=request, actor=user)


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # The name tried (the password never: Django passes it masked, and it is not kept).
    name = str(credentials.get("username") or "")
    note(Action.SIGN_IN_FAILED, request=request, actor_name=name, result=Result.FAILED)


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        note(Action.SIGN_OUT, request=request, actor=user)


def locked_out(sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any) -> None:
    """账户锁定: one record when axes locks a username at an address."""
    record(
        Action.LOCKED_OUT,
        request=request,
        result=Result.DENIED,
        actor_name=(username or "")[:150],
        object_type="staff",
        object_id=(username or "")[:64],
        detail={
            "failures": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


def second_factor(sender: Any, request: HttpRequest, ok: bool, step: str, **kwargs: Any) -> None:
    """二次验证: the code given after the password, a device set up, the second factor removed."""
    record(
        Action.SECOND_FACTOR,
        actor=request.user,
        request=request,
        result=Result.OK if ok else Result.FAILED,
        detail={"step": step},
    )


def keys_rotation(sender: Any, ok: bool, key_id: str, detail: dict[str, Any], **kwargs: Any) -> None:
    """密钥轮换: ``manage.py keys_rotate`` re-encrypted the data (and recomputed the indexes)."""
    record(
        Action.KEY_ROTATION,
        actor_name="manage.py keys_rotate",
        result=Result.OK if ok else Result.FAILED,
        object_type="keys",
        object_id=key_id,
        detail=detail,
    )


def _changes(entry: LogEntry) -> dict[str, Any]:
    """The admin's change message as data: which fields changed and which inline rows were
    added, changed or deleted — names only, never the values."""
    fields: list[str] = []
    inlines: list[dict[str, Any]] = []
    for item in _parsed(entry):
        for verb, what in item.items():
            if not isinstance(what, dict):
                continue
            if "name" in what:
                inline: dict[str, Any] = {
                    "do": verb,
                    "name": str(what.get("name", ""))[:64],
                    "object": str(what.get("object", ""))[:64],
                }
                if what.get("fields"):
                    inline["fields"] = [str(f)[:64] for f in what["fields"]]
                inlines.append(inline)
            elif verb == "changed":
                fields.extend(str(f)[:64] for f in what.get("fields", []))
    out: dict[str, Any] = {}
    if fields:
        out["fields"] = fields
    if inlines:
        out["inlines"] = inlines
    return out


def _parsed(entry: LogEntry) -> list[dict[str, Any]]:
    if not entry.change_message or not entry.change_message.startswith("["):
        return []
    try:
        parsed = json.loads(entry.change_message)
    except ValueError:
        return []
    return [p for p in parsed if isinstance(p, dict)] if isinstance(parsed, list) else []


def admin_changed(sender: Any, instance: LogEntry, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """配置变更: one record per change the admin logs — the model, the object's id, the action
    and the fields' names (a password reset is recorded as 密码变更)."""
    if not created or raw:
        return
    ct = cast("ContentType | None", instance.content_type)
    model = f"{ct.app_label}.{ct.model}" if ct is not None else ""
    detail: dict[str, Any] = {"model": model, "do": _VERBS.get(instance.action_flag, str(instance.action_flag))}
    detail.update(_changes(instance))
    action = Action.ADMIN_CHANGE
    if model == "org.staff" and any("password" in f.lower() or "密码" in f for f in detail.get("fields", [])):
        action = Action.PASSWORD
    model_class = ct.model_class() if ct is not None else None
    verbose = str(model_class._meta.verbose_name) if model_class is not None else model
    verb = {"add": "新增", "change": "修改", "delete": "删除"}.get(detail["do"], detail["do"])
    note(
        action,
        actor=instance.user,
        object_type=model,
        object_id=instance.object_id or "",
        summary=f"{verb}{verbose} #{instance.object_id or ''}",
        detail=detail,
    )


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="audit_signed_in")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_logged_out.connect(signed_out, dispatch_uid="audit_signed_out")
    user_locked_out.connect(locked_out, dispatch_uid="fengqiao_locked_out")
    second_factor_step.connect(second_factor, dispatch_uid="audit_second_factor")
    keys_rotated.connect(keys_rotation, dispatch_uid="audit_keys_rotated")
    post_save.connect(admin_changed, sender=LogEntry, dispatch_uid="audit_admin_changed")
