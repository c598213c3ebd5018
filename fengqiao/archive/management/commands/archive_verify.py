"""``manage.py archive_verify --case NUMBER`` or ``--package FILE.zip [--offline]``: check a sealed
dossier in the store, or an export package, against its manifest, its signature and — unless
``--offline`` — the database and the audit chain; exit 1 on any problem.

``--offline`` needs no database: a recipient holding the county's package key
(``FENGQIAO_PACKAGE_KEYS``) checks the signature, the manifests and every file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fengqiao.archive.models import Dossier
from fengqiao.archive.package import package_verify
from fengqiao.archive.services import dossier_verify


class Command(BaseCommand):
    help = (
        "Verify a sealed dossier (--case) or an export package (--package) against its manifest (SM3), "
        "its HMAC-SM3 signature and, unless --offline, the database and the audit chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--case", help="case number (案件编号) of an archived case")
        group.add_argument("--package", help="path of an exported ZIP package")
        parser.add_argument("--county", help="county region code, when case numbers repeat across counties")
        parser.add_argument(
            "--offline",
            action="store_true",
            help="with --package: check the signature, manifests and files only, without the database",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["package"]:
            path = Path(options["package"])
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            label = str(path)
            problems = package_verify(path.read_bytes(), offline=options["offline"])
        else:
            if options["offline"]:
                raise CommandError("--offline applies to --package only")
            dossiers = Dossier.objects.filter(case__number=options["case"])
            if options["county"]:
                dossiers = dossiers.filter(jurisdiction__code=options["county"])
            found = list(dossiers[:2])
            if not found:
                raise CommandError(f"no archived case {options['case']}")
            if len(found) > 1:
                raise CommandError("several counties have this case number: give --county")
            label = found[0].archive_number
            problems = dossier_verify(found[0])
        for problem in problems:
            self.stderr.write(f"{label}: {problem}")
        if problems:
            raise CommandError(f"{label}: {len(problems)} problem(s)", returncode=1)
        self.stdout.write(f"{label}: OK")
