"""The county's signature on an export package (issue 13 §1; 五(三) 落实保密责任, 四(七)).

A package is signed with HMAC-SM3 (the ``cryptography`` package's ``hmac`` with
``hashes.SM3()``, i.e. OpenSSL) over its two manifests, which list every file with its SM3: a
recipient holding the county's key checks the package away from the system
(``manage.py archive_verify --package FILE --offline``).

Why HMAC-SM3 and not an SM2 signature: pyca/cryptography offers SM3 and SM4 but no SM2 signing,
and SM2 written by hand or taken from a little-kept package is the kind of cryptography the
project refuses. An HMAC is a symmetric signature: whoever can verify could also sign, so the key
is given only to recipients the county trusts with it (the 档案馆, a court) — what the mechanism
needs, a package nobody outside the county can alter unseen, it gives.

Keys — ``FENGQIAO_PACKAGE_KEYS`` (or ``…_FILE``): ``id:hex,id:hex``, each at least 128 bits; the
first signs, all verify (a rotated key stays listed while packages it signed are in use).
Outside production a fixed development key is used; production refuses to run without one
(``fengqiao.core.crypto._read``).
"""

from __future__ import annotations

import binascii
import hmac as std_hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, hmac
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core.crypto import _read, sm3_hex

# Development only: refused when FENGQIAO_ENV=production.
_DEV_PACKAGE_KEYS = "dev1:c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"

ALGORITHM = "HMAC-SM3"


@dataclass(frozen=True)
class PackageKeys:
    active_id: str
    keys: dict[str, bytes]


@lru_cache(maxsize=1)
def package_keys() -> PackageKeys:
    """The package keys, read once per process."""
    keys: dict[str, bytes] = {}
    active = ""
    for item in _read("FENGQIAO_PACKAGE_KEYS", _DEV_PACKAGE_KEYS).split(","):
        key_id, sep, hexkey = item.strip().partition(":")
        try:
            raw = binascii.unhexlify(hexkey)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"FENGQIAO_PACKAGE_KEYS: key {key_id!r} is not hex") from exc
        if not sep or not key_id or len(key_id) > 16 or len(raw) < 16:
            raise ImproperlyConfigured("FENGQIAO_PACKAGE_KEYS entries are id:hex keys of at least 128 bits")
        keys[key_id] = raw
        active = active or key_id
    return PackageKeys(active_id=active, keys=keys)


def _message(members: dict[str, bytes]) -> bytes:
    """What is signed: per member, sorted by name, its name and SM3 — one line each."""
    return "".join(f"{name}\x00{sm3_hex(data)}\n" for name, data in sorted(members.items())).encode("utf-8")


def _mac(key: bytes, members: dict[str, bytes]) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(_message(members))
    return mac.finalize().hex()


def sign(members: dict[str, bytes]) -> dict[str, object]:
    """The signature file's content for ``members`` (name → bytes), under the active key."""
    ring = package_keys()
    return {
        "algorithm": ALGORITHM,
        "key_id": ring.active_id,
        "signed": sorted(members),
        "mac": _mac(ring.keys[ring.active_id], members),
    }


def signature_problem(signature: dict[str, object], members: dict[str, bytes]) -> str | None:
    """Why ``signature`` does not sign ``members``, or None when it does. (English here; the
    caller words it for the reader.)"""
    if signature.get("algorithm") != ALGORITHM:
        return "algorithm"
    if signature.get("signed") != sorted(members):
        return "members"
    key = package_keys().keys.get(str(signature.get("key_id", "")))
    if key is None:
        return "key"
    given = signature.get("mac")
    if not isinstance(given, str) or not std_hmac.compare_digest(given, _mac(key, members)):
        return "mac"
    return None
