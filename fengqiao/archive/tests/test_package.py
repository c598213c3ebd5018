"""Export packages verify against the system, not only against themselves (issue 13 §1, 五(三)
落实保密责任, 四(七) 案卷归档).

A package whose manifests were rewritten to match a forged file, or into which a file was
injected, agreed with itself and so passed; now every member must be listed in the manifest,
``manifest.json`` must have the SM3 the database and the audit chain kept at sealing, and the
manifests carry an HMAC-SM3 signature with the county's package key (checked offline, away from
the system, by a recipient holding the key)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.archive import signing
from fengqiao.archive.models import ItemKind
from fengqiao.archive.package import dossier_export, package_verify
from fengqiao.archive.services import dossier_seal, dossier_verify
from fengqiao.audit.models import Action, AuditRecord
from fengqiao.core.crypto import sm3_hex

pytestmark = pytest.mark.django_db

OTHER_KEY = "k2:" + "11" * 32


@pytest.fixture
def package_keys(monkeypatch: Any) -> Any:
    """Set FENGQIAO_PACKAGE_KEYS for one test (the keys are read once per process)."""

    def use(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("FENGQIAO_PACKAGE_KEYS", raising=False)
        else:
            monkeypatch.setenv("FENGQIAO_PACKAGE_KEYS", value)
        signing.package_keys.cache_clear()

    yield use
    signing.package_keys.cache_clear()


def _repack(package: bytes, change: Any, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _forged(package: bytes, target: str) -> bytes:
    """A careful forger: one file replaced, its new SM3 and size written into manifest.json, the
    new manifest.json's SM3 into manifest.xml and manifest.sm3, the XML's item rewritten too."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    forged = members[target].replace(b"%%EOF", b"%% forged\n%%EOF") + b"\n% forged"
    members[target] = forged
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["items"]:
        if entry["path"] == target:
            entry["sm3"], entry["size"] = sm3_hex(forged), len(forged)
    raw = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode()
    members["manifest.json"] = raw
    root = ET.fromstring(members["manifest.xml"])  # noqa: S314 - our own package
    root.set("manifest-sm3", sm3_hex(raw))
    for item in root.findall("./items/item"):
        if item.get("path") == target:
            item.set("sm3", sm3_hex(forged))
            item.set("size", str(len(forged)))
    members["manifest.xml"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    members["manifest.sm3"] = f"{sm3_hex(raw)}  manifest.json\n".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def sealed(informed_case, intake_clerk) -> Any:
    return dossier_seal(case=informed_case, actor=intake_clerk)


def test_the_sealing_is_recorded_in_the_audit_chain_with_the_manifest_sm3(sealed) -> None:
    """The archive number and manifest SM3 are in the chain, so the database row alone cannot be
    rewritten to match a forged manifest."""
    record = AuditRecord.objects.get(action=Action.ARCHIVE_SEAL)
    assert record.case_id == sealed.case_id and record.object_id == str(sealed.pk)
    assert record.detail["manifest_sm3"] == sealed.manifest_sm3
    assert record.detail["archive_number"] == sealed.archive_number


def test_an_intact_package_verifies_online_and_offline(sealed, tmp_path: Path) -> None:
    package = dossier_export(sealed)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        names = set(zf.namelist())
        signature = json.loads(zf.read("signature.json"))
    assert {"manifest.json", "manifest.xml", "manifest.sm3", "signature.json"} <= names
    assert signature["algorithm"] == "HMAC-SM3" and signature["key_id"] == signing.package_keys().active_id
    assert package_verify(package) == []
    assert package_verify(package, offline=True) == []
    path = tmp_path / "good.zip"
    path.write_bytes(package)
    call_command("archive_verify", package=str(path))
    call_command("archive_verify", package=str(path), offline=True)


def test_a_file_injected_into_the_package_is_refused(sealed, tmp_path: Path) -> None:
    """Refuse any file the manifest does not list."""
    package = _repack(dossier_export(sealed), lambda _n, d: d, {"files/999-attachment.pdf": b"%PDF-1.4 injected"})
    for offline in (False, True):
        problems = package_verify(package, offline=offline)
        assert any("files/999-attachment.pdf" in p and "未列" in p for p in problems), problems
    path = tmp_path / "injected.zip"
    path.write_bytes(package)
    with pytest.raises(CommandError) as exc:
        call_command("archive_verify", package=str(path))
    assert exc.value.returncode == 1


def test_a_member_twice_in_the_zip_is_refused(sealed) -> None:
    """A ZIP may hold two members of one name; readers differ on which they take."""
    package = dossier_export(sealed)
    target = f"files/{sealed.items.get(kind=ItemKind.ATTACHMENT).filename}"
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        duplicate = _repack(package, lambda _n, d: d, {})
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(duplicate)) as src, zipfile.ZipFile(out, "a") as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info.filename))
            dst.writestr(target, b"%PDF-1.4 other")
        assert zf.read(target)
    problems = package_verify(out.getvalue())
    assert any(target in p and "重复" in p for p in problems), problems


def test_a_forged_file_rehashed_into_every_manifest_is_caught(sealed, tmp_path: Path) -> None:
    """The forger rewrote manifest.json, manifest.xml and manifest.sm3: the package agrees with
    itself, but not with the SM3 kept in the database and in the audit chain, nor with the
    signature."""
    target = f"files/{sealed.items.get(kind=ItemKind.ATTACHMENT).filename}"
    forged = _forged(dossier_export(sealed), target)
    problems = package_verify(forged)
    assert any("数据库" in p for p in problems), problems
    assert any("审计" in p for p in problems), problems
    assert any("签名" in p for p in problems), problems
    offline = package_verify(forged, offline=True)
    assert offline and all("签名" in p for p in offline), offline
    path = tmp_path / "forged.zip"
    path.write_bytes(forged)
    for options in ({}, {"offline": True}):
        with pytest.raises(CommandError) as exc:
            call_command("archive_verify", package=str(path), **options)
        assert exc.value.returncode == 1


def test_offline_verification_with_the_right_and_a_wrong_key(sealed, package_keys) -> None:
    """A recipient holding the county's key checks the package without the database; with
    another key (or none of the signer's) it fails, naming the key."""
    package_keys("k1:" + "22" * 32)
    package = dossier_export(sealed)
    assert json.loads(zipfile.ZipFile(io.BytesIO(package)).read("signature.json"))["key_id"] == "k1"
    package_keys(f"{OTHER_KEY},k1:{'22' * 32}")  # rotated: the new key signs, the old still verifies
    assert package_verify(package, offline=True) == []
    package_keys("k1:" + "33" * 32)  # the same id, another key
    assert any("签名" in p for p in package_verify(package, offline=True))
    package_keys(OTHER_KEY)  # the signer's key is not held
    assert any("k1" in p for p in package_verify(package, offline=True))


def test_an_unsigned_package_is_refused(sealed) -> None:
    package = _repack(dossier_export(sealed), lambda _n, d: d)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        kept = {n: zf.read(n) for n in zf.namelist() if n != "signature.json"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in kept.items():
            dst.writestr(name, data)
    assert any("signature.json" in p for p in package_verify(out.getvalue(), offline=True))


def test_package_keys_are_required_in_production(settings, package_keys) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    package_keys(None)
    with pytest.raises(ImproperlyConfigured, match="FENGQIAO_PACKAGE_KEYS"):
        signing.package_keys()
    package_keys("prod:" + "44" * 16)
    assert signing.package_keys().active_id == "prod"


def test_a_dossier_rewritten_in_the_database_and_the_store_fails_against_the_chain(sealed, file_storage) -> None:
    """Even the stored dossier is checked against the chain: a manifest SM3 the chain did not
    record is reported."""
    from fengqiao.archive.models import Dossier

    assert dossier_verify(sealed) == []
    Dossier.objects.filter(pk=sealed.pk).model.objects.all()  # the rows refuse update(): raw SQL, as an intruder
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_dossier SET manifest_sm3 = %s WHERE id = %s", ["0" * 64, sealed.pk])
    sealed.refresh_from_db()
    assert any("审计" in p for p in dossier_verify(sealed))
