"""A sealed dossier's export package and its verification (四(七) 案卷归档; issue 13 §1).

The package is a ZIP: ``files/`` (every file of the dossier), ``manifest.json`` (as sealed),
``manifest.sm3`` (its SM3), ``manifest.xml`` (the archive facts and, per item, its path, SM3 and
size) and ``signature.json`` (HMAC-SM3 with the county's package key over the three, naming the
key id; ``fengqiao.archive.signing``).

A package is checked against itself (every listed file's SM3 and size, the manifests against
each other), against its signature, and — unless ``offline`` — against the system: the SM3 of
``manifest.json`` must be the one kept in the database for that archive number and the one the
audit chain recorded at sealing (``Action.ARCHIVE_SEAL``). A member the manifest does not list,
or a name twice in the ZIP, is refused: a package agrees with itself only when nothing was
added, removed or rewritten.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from typing import Any
from xml.etree import ElementTree as ET

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.archive import signing
from fengqiao.archive.models import Dossier, DossierItem
from fengqiao.core import crypto

MANIFEST = "manifest.json"
MANIFEST_XML = "manifest.xml"
MANIFEST_SM3 = "manifest.sm3"
SIGNATURE = "signature.json"
#: What the signature covers.
SIGNED = (MANIFEST, MANIFEST_SM3, MANIFEST_XML)
#: The object type of the sealing's audit record.
DOSSIER_OBJECT = "archive.dossier"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def manifest_sm3_line(manifest_sm3: str) -> bytes:
    """``manifest.sm3`` as in the dossier's folder: ``<sm3>  manifest.json``."""
    return f"{manifest_sm3}  {MANIFEST}\n".encode()


def read_file(file: Any) -> bytes:
    with file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def stored_manifest(dossier: Dossier) -> bytes | None:
    try:
        with default_storage.open(f"{dossier.folder}/{MANIFEST}", "rb") as handle:
            data: bytes = handle.read()
    except FileNotFoundError:
        return None
    return data


def seal_problems(dossier: Dossier, manifest_sm3: str) -> list[str]:
    """``manifest_sm3`` against the audit chain: the sealing's record of ``dossier`` must exist,
    name this SM3 and archive number, and its link must still verify (the row was not edited)."""
    from fengqiao.audit import chain
    from fengqiao.audit.models import Action, AuditRecord

    record = (
        AuditRecord.objects.filter(action=Action.ARCHIVE_SEAL, object_type=DOSSIER_OBJECT, object_id=str(dossier.pk))
        .order_by("id")
        .first()
    )
    if record is None:
        return [_("审计链中没有案卷%(n)s的封存记录") % {"n": dossier.archive_number}]
    problems = []
    if not chain.link_ok(record.prev, record.chain_fields(), key_id=record.key_id, value=record.link):
        problems.append(_("审计链中案卷%(n)s的封存记录已被改动") % {"n": dossier.archive_number})
    detail = record.detail or {}
    if detail.get("manifest_sm3") != manifest_sm3 or detail.get("archive_number") != dossier.archive_number:
        problems.append(_("清单SM3摘要与审计链中封存时记录的不符"))
    return problems


def manifest_xml(dossier: Dossier) -> bytes:
    """The XML manifest of the export package: the dossier's archive facts and, per item, its
    path in the package, title, SM3 and size."""
    root = ET.Element(
        "dossier",
        {
            "archive-number": dossier.archive_number,
            "case": dossier.case.number,
            "retention": dossier.retention,
            "year": str(dossier.year),
            "sealed-at": dossier.sealed_at.isoformat(),
            "hash": "SM3",
            "manifest": MANIFEST,
            "manifest-sm3": dossier.manifest_sm3,
        },
    )
    ET.SubElement(root, "title").text = dossier.title
    items = ET.SubElement(root, "items")
    for entry in dossier.manifest.get("items", []):
        ET.SubElement(
            items,
            "item",
            {
                "seq": str(entry["seq"]),
                "kind": entry["kind"],
                "path": entry["path"],
                "title": entry["title"],
                "date": entry["date"],
                "sm3": entry["sm3"],
                "size": str(entry["size"]),
            },
        )
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def dossier_export(dossier: Dossier) -> bytes:
    """The export package of a sealed dossier (see the module's docstring). The files are read
    from the store as they are; a package of a dossier that fails verification fails
    ``package_verify`` too."""
    raw = stored_manifest(dossier)
    manifests = {
        MANIFEST: raw if raw is not None else manifest_bytes(dossier.manifest),
        MANIFEST_SM3: manifest_sm3_line(dossier.manifest_sm3),
        MANIFEST_XML: manifest_xml(dossier),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in manifests.items():
            package.writestr(name, data)
        package.writestr(SIGNATURE, json.dumps(signing.sign(manifests), indent=2).encode())
        for item in DossierItem.objects.filter(dossier=dossier).order_by("seq"):
            package.writestr(f"files/{item.filename}", read_file(item.file))
    return buffer.getvalue()


SIGNATURE_PROBLEMS = {
    "algorithm": gettext_lazy("签名算法不是HMAC-SM3"),
    "members": gettext_lazy("签名所覆盖的清单与归档包不符"),
    "key": gettext_lazy("签名密钥“%(k)s”不在本机持有的归档包密钥中（FENGQIAO_PACKAGE_KEYS）"),
    "mac": gettext_lazy("签名不符：清单在签名后被改动，或签名密钥不同"),
}


def _signature_problems(signature_raw: bytes | None, manifests: dict[str, bytes]) -> list[str]:
    if signature_raw is None:
        return []  # reported as missing by the reader
    try:
        signature = json.loads(signature_raw)
        if not isinstance(signature, dict):
            raise ValueError
    except ValueError:
        return [_("签名文件 %(f)s 无法解析") % {"f": SIGNATURE}]
    reason = signing.signature_problem(signature, manifests)
    if reason is None:
        return []
    return [str(SIGNATURE_PROBLEMS[reason]) % {"k": str(signature.get("key_id", ""))[:16]}]


def _system_problems(archive_number: str | None, raw: bytes) -> list[str]:
    """The package's ``manifest.json`` against the database and the audit chain."""
    dossier = Dossier.objects.filter(archive_number=archive_number or "").first()
    if dossier is None:
        return [_("系统中没有档号为“%(n)s”的案卷") % {"n": archive_number or ""}]
    digest = crypto.sm3_hex(raw)
    problems = []
    if digest != dossier.manifest_sm3:
        problems.append(_("清单文件 %(f)s 的SM3摘要与数据库中封存时保存的不符") % {"f": MANIFEST})
    return [*problems, *seal_problems(dossier, digest)]


def package_verify(data: bytes, *, offline: bool = False) -> list[str]:
    """Problems found checking an export package: unlisted or repeated members, the XML
    manifest's items (path, SM3, size), ``manifest.json`` against the SM3 the XML and
    ``manifest.sm3`` name, the two manifests against each other, the signature, and — unless
    ``offline`` — ``manifest.json`` against the database and the audit chain. Empty when intact."""
    problems: list[str] = []
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [_("不是有效的ZIP归档包：%(e)s") % {"e": exc}]
    with package:
        names = package.namelist()
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(_("归档包中 %(f)s 重复出现") % {"f": name})
            seen.add(name)

        def member(name: str) -> bytes | None:
            try:
                content: bytes = package.read(name)
            except KeyError:
                problems.append(_("归档包中缺少 %(f)s") % {"f": name})
                return None
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, zlib.error) as exc:
                problems.append(_("%(f)s 已损坏：%(e)s") % {"f": name, "e": exc})
                return None
            return content

        xml = member(MANIFEST_XML)
        if xml is None:
            return problems
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
            # Our manifests never declare entities; refusing them keeps entity expansion out.
            return [*problems, _("%(f)s 含有实体声明，拒绝解析") % {"f": MANIFEST_XML}]
        try:
            root = ET.fromstring(xml)  # noqa: S314 - no DTD or entities (checked above); stdlib expat
        except ET.ParseError as exc:
            return [*problems, _("%(f)s 无法解析：%(e)s") % {"f": MANIFEST_XML, "e": exc}]
        raw = member(MANIFEST)
        sm3_line = member(MANIFEST_SM3)
        listed: dict[str, str] = {}
        if raw is not None:
            if crypto.sm3_hex(raw) != root.get("manifest-sm3"):
                problems.append(_("清单文件 %(f)s 的SM3摘要不符") % {"f": MANIFEST})
            if sm3_line is not None and sm3_line != manifest_sm3_line(crypto.sm3_hex(raw)):
                problems.append(_("%(f)s 与清单文件的SM3摘要不符") % {"f": MANIFEST_SM3})
            try:
                manifest = json.loads(raw)
                listed = {e["path"]: e["sm3"] for e in manifest.get("items", [])}
                if manifest.get("archive_number") != root.get("archive-number"):
                    problems.append(_("两份清单的档号不一致"))
            except (ValueError, KeyError, TypeError, AttributeError):
                problems.append(_("清单文件 %(f)s 无法解析") % {"f": MANIFEST})
        entries = root.findall("./items/item")
        if raw is not None and len(entries) != len(listed):
            problems.append(_("两份清单的卷内文件数不一致"))
        paths = {entry.get("path", "") for entry in entries}
        for name in sorted(seen - paths - {*SIGNED, SIGNATURE}):
            problems.append(_("归档包中有清单未列的文件 %(f)s") % {"f": name})
        for entry in entries:
            path = entry.get("path", "")
            label = f"{entry.get('seq')} {entry.get('title')}"
            if listed and listed.get(path) != entry.get("sm3"):
                problems.append(_("第%(l)s 在两份清单中的SM3摘要不一致") % {"l": label})
            content = member(path)
            if content is None:
                continue
            if str(len(content)) != entry.get("size") or crypto.sm3_hex(content) != entry.get("sm3"):
                problems.append(_("第%(l)s（%(p)s）的SM3摘要不符（文件已被改动）") % {"l": label, "p": path})
        signature = member(SIGNATURE)
        if raw is not None and sm3_line is not None:
            problems += _signature_problems(signature, {MANIFEST: raw, MANIFEST_SM3: sm3_line, MANIFEST_XML: xml})
        if not offline and raw is not None:
            problems += _system_problems(root.get("archive-number"), raw)
    return problems
