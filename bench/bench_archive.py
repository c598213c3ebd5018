"""Sealing and exporting a dossier of 30 documents (案卷归档, 四(七)).

    .venv/bin/python bench/bench_archive.py [--cases 1000000] [--repeat 3] [--documents 30]

On the benchmark database of ``--cases`` cases (``_common.prepared``), each repetition registers
one case through the services as a window clerk would (the short path: the payer is told in
writing to go to 人社局), issues the 告知书 and adds attachments until the case has
``--documents`` documents (one in three a small PDF, the others 150 KB photographs of papers),
then times

- ``archive.services.dossier_seal``: gathering the files, issuing the 案卷封面 and 卷内目录,
  rendering the timeline, copying every file into the dossier's folder with its SM3 digest,
  the manifest, the case archived — one transaction;
- ``archive.services.dossier_export``: the ZIP package with ``manifest.json`` and
  ``manifest.xml`` (run ``--repeat`` times on each dossier);

beside their bare baselines measured in the same run on the same files: storing every file of
the dossier once and one INSERT per file (for the seal), one indexed SELECT of the dossier's
items and reading every file (for the export). The ratio is the operation's time over its
baseline's: what the rendering, digests, manifests and checks cost on top of the bytes.

Files go to ``<bench dir>/files`` (beside the database), unless FENGQIAO_FILE_STORAGE names a
store. Rows for ``make bench``: section ``archive``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time
from typing import Any

import _common

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def case_build(clerk: Any, documents: int, rng: random.Random) -> tuple[Any, float]:
    """An informed case with its notice and ``documents - 1`` attachments; returns it and the
    seconds taken."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.cases.services import attachment_add
    from fengqiao.cases.states import IntakeOutcome
    from fengqiao.cases.tests.helpers import intake
    from fengqiao.documents import registry
    from fengqiao.documents.services import document_issue

    started = time.perf_counter()
    county = clerk.department.jurisdiction
    case = intake(
        clerk,
        outcome=IntakeOutcome.INFORM,
        informed_department=county.departments.get(code="hrss"),
        informed_note="请携带身份证原件。",
        id_number="150525198503150013",
    )
    document_issue(doc_type=registry.INFORM_NOTICE, case=case, actor=clerk)
    for n in range(1, documents):
        if n % 3 == 0:
            upload = SimpleUploadedFile(f"证据{n}.pdf", pdf(1 + n % 4), content_type="application/pdf")
        else:
            upload = SimpleUploadedFile(f"材料照片{n}.jpg", JPEG + rng.randbytes(150_000), content_type="image/jpeg")
        attachment_add(case=case, actor=clerk, upload=upload, kind="evidence")
    return case, time.perf_counter() - started


def bare_store(files: list[bytes]) -> float:
    """The seal's bytes without its work: store each file once and INSERT one row per file, in
    one transaction (a temporary table, so nothing is left behind)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for n, data in enumerate(files):
            name = default_storage.save(f"bench-baseline/{os.getpid()}-{n}", ContentFile(data))
            cursor.execute("INSERT INTO bench_item (name, size) VALUES (%s, %s)", [name, len(data)])
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM bench_item")
        for (name,) in cursor.fetchall():
            default_storage.delete(name)
        cursor.execute("DELETE FROM bench_item")
    return seconds


def bare_read(dossier: Any) -> float:
    """The export's bytes without its work: one indexed SELECT of the items, every file read."""
    from fengqiao.archive.models import DossierItem

    started = time.perf_counter()
    total = 0
    for item in DossierItem.objects.filter(dossier=dossier).order_by("seq"):
        with item.file.open("rb") as handle:
            total += len(handle.read())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="dossiers sealed (each export is run as often)")
    parser.add_argument("--documents", type=int, default=30, help="documents of the case: the notice + attachments")
    parser.add_argument("--no-record", action="store_true", help="print only, add no row to the results")
    args = parser.parse_args()

    _common.prepared(args.cases)

    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from fengqiao.archive.package import dossier_export, package_verify
    from fengqiao.archive.services import dossier_seal
    from fengqiao.org.models import Staff

    storages: dict[str, Any] = dict(settings.STORAGES)
    if not os.environ.get("FENGQIAO_FILE_STORAGE"):
        location = _common.BENCH_DIR / "files"
        # the encrypting store keeps its options (fengqiao.core.storage); only the folder moves
        options = {**storages["default"].get("OPTIONS", {}), "location": str(location)}
        storages = {**storages, "default": {**storages["default"], "OPTIONS": options}}
    rng = random.Random(12)
    clerk = Staff.objects.select_related("department__jurisdiction").get(username="clerk")
    with override_settings(STORAGES=storages), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_item (id INTEGER PRIMARY KEY, name VARCHAR(255), size INTEGER)"
            if connection.vendor == "sqlite"
            else "CREATE TEMPORARY TABLE bench_item (id SERIAL PRIMARY KEY, name VARCHAR(255), size INTEGER)"
        )
        seal_s: list[float] = []
        seal_base: list[float] = []
        export_s: list[float] = []
        export_base: list[float] = []
        files = sizes = 0
        for r in range(args.repeat):
            case, built = case_build(clerk, args.documents, rng)
            started = time.perf_counter()
            dossier = dossier_seal(case=case, actor=clerk)
            seal_s.append(time.perf_counter() - started)
            items = list(dossier.items.order_by("seq"))
            data = []
            for item in items:
                with item.file.open("rb") as handle:
                    data.append(handle.read())
            files, sizes = len(items), sum(len(d) for d in data)
            seal_base.append(bare_store(data))
            for _ in range(args.repeat):
                started = time.perf_counter()
                package = dossier_export(dossier)
                export_s.append(time.perf_counter() - started)
                export_base.append(bare_read(dossier))
            problems = package_verify(package)
            print(
                f"dossier {r + 1}: {dossier.archive_number}, {files} files, {sizes / 1e6:.1f} MB "
                f"(case built in {built:.1f} s); seal {seal_s[-1]:.2f} s (bare {seal_base[-1] * 1000:.0f} ms); "
                f"export {export_s[-1] * 1000:.0f} ms, {len(package) / 1e6:.1f} MB "
                f"(bare {export_base[-1] * 1000:.0f} ms)" + (f"; PACKAGE PROBLEMS: {problems}" if problems else "")
            )
            if problems:
                raise SystemExit(f"the export package fails verification: {problems}")

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"{args.documents} documents, {files} files in the dossier: seal median {med(seal_s):.2f} s "
        f"(bare store + INSERT {med(seal_base) * 1000:.0f} ms), export median {med(export_s) * 1000:.0f} ms "
        f"(bare SELECT + read {med(export_base) * 1000:.0f} ms)"
    )
    if args.no_record:
        return
    _common.record(
        "archive",
        f"seal a {args.documents}-document dossier ({files} files)",
        median_ms=round(med(seal_s) * 1000, 1),
        max_ms=round(max(seal_s) * 1000, 1),
        runs=len(seal_s),
        megabytes=round(sizes / 1e6, 2),
        baseline="store the files + INSERT each",
        baseline_ms=round(med(seal_base) * 1000, 1),
        ratio=round(med(seal_s) / med(seal_base), 1),
    )
    _common.record(
        "archive",
        f"export the {args.documents}-document dossier (ZIP)",
        median_ms=round(med(export_s) * 1000, 1),
        max_ms=round(max(export_s) * 1000, 1),
        runs=len(export_s),
        baseline="indexed SELECT + read the files",
        baseline_ms=round(med(export_base) * 1000, 1),
        ratio=round(med(export_s) / med(export_base), 1),
    )


if __name__ == "__main__":
    main()
