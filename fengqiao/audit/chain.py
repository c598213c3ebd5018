"""The keyed SM3 hash chain behind the audit trail and the case timeline (五(三) 落实保密责任).

Each link is HMAC-SM3 over the record's canonical form and the previous link, so a record edited
in the database, removed from the middle, or inserted breaks the chain at that record; without
the key nobody who can write the database can forge a link that verifies. (A plain SM3 chain
could be recomputed by whoever edits the rows.) Nothing is written by hand beyond the framing:
HMAC and SM3 come from the ``cryptography`` package (OpenSSL).

Keys — ``FENGQIAO_AUDIT_KEYS`` (or ``…_FILE``): ``id:hex,id:hex``, each at least 128 bits;
the first links new records, all verify (a rotated key stays listed while records it linked are
kept). Outside production a fixed development key is used; production refuses to start without one.
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core.crypto import _read

# Development only: refused when FENGQIAO_ENV=production (fengqiao.core.crypto._read).
_DEV_AUDIT_KEYS = "dev1:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

# The link before the first record of a chain.
GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainKeys:
    active_id: str
    keys: dict[str, bytes]


@lru_cache(maxsize=1)
def chain_keys() -> ChainKeys:
    """The chain keys, read once per process."""
    keys: dict[str, bytes] = {}
    active = ""
    configured = _read("FENGQIAO_AUDIT_KEYS", _DEV_AUDIT_KEYS)
    if getattr(settings, "PRODUCTION", False) and _DEV_AUDIT_KEYS.partition(":")[2] in configured:
        raise ImproperlyConfigured("FENGQIAO_AUDIT_KEYS: the development key is refused in production")
    for item in configured.split(","):
        key_id, sep, hexkey = item.strip().partition(":")
        try:
            raw = binascii.unhexlify(hexkey)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"FENGQIAO_AUDIT_KEYS: key {key_id!r} is not hex") from exc
        if not sep or not key_id or len(key_id) > 16 or len(raw) < 16:
            raise ImproperlyConfigured("FENGQIAO_AUDIT_KEYS entries are id:hex keys of at least 128 bits")
        keys[key_id] = raw
        active = active or key_id
    return ChainKeys(active_id=active, keys=keys)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not canonical: {type(value).__name__}")


def canonical(fields: dict[str, Any]) -> bytes:
    """One byte string per record: sorted keys, no spaces, UTF-8, datetimes in UTC."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def link(prev: str, fields: dict[str, Any], *, key_id: str | None = None) -> tuple[str, str]:
    """``(key id, link)``: HMAC-SM3 of the previous link and the record's canonical form."""
    ring = chain_keys()
    key_id = key_id or ring.active_id
    key = ring.keys.get(key_id)
    if key is None:
        raise KeyError(key_id)
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(prev.encode("ascii") + b"\x00" + canonical(fields))
    return key_id, mac.finalize().hex()


def link_ok(prev: str, fields: dict[str, Any], *, key_id: str, value: str) -> bool:
    """True when ``value`` is the link of ``fields`` after ``prev`` under ``key_id``."""
    try:
        return link(prev, fields, key_id=key_id)[1] == value
    except KeyError:
        return False
