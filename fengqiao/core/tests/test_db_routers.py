"""The read replica router (fengqiao.core.db_routers): reads inside ``read_replica()`` go to
the "replica" alias when FENGQIAO_ANALYTICS_DATABASE_URL configures one; writes never do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.contrib.contenttypes.models import ContentType

from fengqiao.core.db_routers import ReadReplicaRouter, read_replica

ROOT = Path(__file__).resolve().parents[3]

# Two real SQLite files, each with its own django_content_type row, stand in for a primary and
# its replica: which row a query returns tells which database it read.
PROBE = """
import json, sqlite3, sys
for path, label in ((sys.argv[1], "primary"), (sys.argv[2], "replica")):
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE django_content_type"
        " (id integer PRIMARY KEY AUTOINCREMENT, app_label varchar(100), model varchar(100))"
    )
    db.execute("INSERT INTO django_content_type (app_label, model) VALUES (?, 'probe')", (label,))
    db.commit()
import django
django.setup()
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from fengqiao.core.db_routers import read_replica
labels = lambda: sorted(ContentType.objects.filter(model="probe").values_list("app_label", flat=True))
out = {"aliases": sorted(settings.DATABASES), "outside": labels()}
with read_replica():
    out["inside"] = labels()
    row = ContentType.objects.get(model="probe")
    row.model = "written"
    row.save()  # a row read from the replica is written to the primary
    ContentType.objects.create(app_label="new", model="written")
out["after"] = labels()
out["written_on_primary"] = sorted(ContentType.objects.filter(model="written").values_list("app_label", flat=True))
print(json.dumps(out))
"""


def test_reads_inside_read_replica_go_to_the_replica_and_writes_to_the_primary(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "FENGQIAO_VAR_DIR": str(tmp_path),
        "FENGQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "FENGQIAO_ANALYTICS_DATABASE_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
    }
    run = subprocess.run(  # noqa: S603 - this interpreter and the probe above
        [sys.executable, "-c", PROBE, str(tmp_path / "primary.sqlite3"), str(tmp_path / "replica.sqlite3")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["aliases"] == ["default", "replica"]
    assert out["outside"] == ["primary"]
    assert out["inside"] == ["replica"]
    # The replica's row was read there, but saved (as an UPDATE by primary key 1) on the primary.
    assert out["written_on_primary"] == ["new", "replica"]
    assert out["after"] == []


def test_without_a_replica_the_block_changes_nothing(settings):
    assert "replica" not in settings.DATABASES
    assert "fengqiao.core.db_routers.ReadReplicaRouter" in settings.DATABASE_ROUTERS
    with read_replica():
        assert ContentType.objects.all().db == "default"
    assert ReadReplicaRouter().allow_migrate("replica", "cases") is False
    assert ReadReplicaRouter().allow_migrate("default", "cases") is None
