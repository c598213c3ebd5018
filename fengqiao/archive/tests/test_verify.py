"""Verification (四(七)): one byte changed in an archived file, in the store and in an exported
package, is caught both times — by the services and by ``manage.py archive_verify``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.archive.models import ItemKind
from fengqiao.archive.package import dossier_export, package_verify
from fengqiao.archive.services import dossier_seal, dossier_verify

pytestmark = pytest.mark.django_db


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_one_byte_changed_in_the_store_is_caught(informed_case, intake_clerk, file_storage: Path) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    call_command("archive_verify", case=informed_case.number)  # intact: no error
    item = dossier.items.get(kind=ItemKind.ATTACHMENT)
    path = file_storage / item.file.name
    path.write_bytes(_flip(path.read_bytes(), 10))
    problems = dossier_verify(dossier)
    assert len(problems) == 1 and f"第{item.seq}件" in problems[0]
    with pytest.raises(CommandError) as exc:
        call_command("archive_verify", case=informed_case.number)
    assert exc.value.returncode == 1


def test_a_changed_manifest_in_the_store_is_caught(informed_case, intake_clerk, file_storage: Path) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    path = file_storage / dossier.folder / "manifest.json"
    path.write_bytes(_flip(path.read_bytes(), 40))
    assert any("manifest.json" in p for p in dossier_verify(dossier))


def test_one_byte_changed_in_an_exported_package_is_caught(informed_case, intake_clerk, tmp_path: Path) -> None:
    dossier = dossier_seal(case=informed_case, actor=intake_clerk)
    package = dossier_export(dossier)
    good = tmp_path / "good.zip"
    good.write_bytes(package)
    call_command("archive_verify", package=str(good))
    # Re-packed with one byte of one file changed (what a careful forger would do).
    target = dossier.items.get(kind=ItemKind.TIMELINE).filename
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, _flip(data, 100) if info.filename == f"files/{target}" else data)
    problems = package_verify(out.getvalue())
    assert len(problems) == 1 and target in problems[0]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(out.getvalue())
    with pytest.raises(CommandError) as exc:
        call_command("archive_verify", package=str(bad))
    assert exc.value.returncode == 1
    # One byte flipped in the ZIP itself (inside a stored member) is caught as well.
    raw = bytearray(package)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        info = zf.getinfo(f"files/{target}")
    raw[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 20] ^= 0x01
    assert package_verify(bytes(raw))
