"""Deployment settings read from the environment (fengqiao.settings): the file store and the
job queue's broker. A malformed value is an error naming the variable, never a silent default."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from fengqiao import settings as fengqiao_settings


def test_the_file_store_defaults_to_the_var_folder(monkeypatch):
    monkeypatch.delenv("FENGQIAO_FILE_STORAGE", raising=False)
    store = fengqiao_settings.file_storage()
    assert store["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert store["OPTIONS"] == {"location": str(fengqiao_settings.VAR_DIR / "files")}


def test_an_s3_store_is_taken_as_given(monkeypatch):
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "fengqiao-files", "endpoint_url": "https://oss.example.gov.cn"},
    }
    monkeypatch.setenv("FENGQIAO_FILE_STORAGE", json.dumps(s3))
    assert fengqiao_settings.file_storage() == s3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"OPTIONS": {}}', '{"BACKEND"'),
        ('{"BACKEND": "x.Storage", "LOCATION": "/srv"}', "unknown keys: LOCATION"),
        ('{"BACKEND": "x.Storage", "OPTIONS": []}', "OPTIONS must be an object"),
    ],
)
def test_a_malformed_file_store_names_the_variable(monkeypatch, value, message):
    monkeypatch.setenv("FENGQIAO_FILE_STORAGE", value)
    with pytest.raises(ImproperlyConfigured, match="FENGQIAO_FILE_STORAGE") as error:
        fengqiao_settings.file_storage()
    assert message in str(error.value)


def test_the_job_queue_is_redis_when_configured_and_the_database_otherwise(settings):
    if fengqiao_settings.REDIS_URL:
        assert settings.Q_CLUSTER["redis"] == fengqiao_settings.REDIS_URL
        assert "orm" not in settings.Q_CLUSTER
    else:
        assert settings.Q_CLUSTER["orm"] == "default"
        assert "redis" not in settings.Q_CLUSTER


def test_behind_a_transaction_pooler_server_side_cursors_and_prepared_statements_are_off(tmp_path):
    """Read by a fresh interpreter, as a server reads its environment (no connection is made)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "FENGQIAO_VAR_DIR": str(tmp_path),
        "FENGQIAO_DB_TRANSACTION_POOLER": "1",
        "FENGQIAO_DATABASE_URL": "postgres://fengqiao@pgbouncer.internal:6432/fengqiao",
        "FENGQIAO_ANALYTICS_DATABASE_URL": "postgres://fengqiao@replica.internal:5432/fengqiao",
    }
    probe = (
        "import json; from django.conf import settings; d = settings.DATABASES;"
        "print(json.dumps({a: [d[a].get('DISABLE_SERVER_SIDE_CURSORS'), d[a].get('OPTIONS', {}), d[a]['HOST']]"
        " for a in d}))"
    )
    run = subprocess.run(  # noqa: S603 - this interpreter and the probe above
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    databases = json.loads(run.stdout)
    assert databases["default"] == [True, {"prepare_threshold": None}, "pgbouncer.internal"]
    assert databases["replica"] == [True, {"prepare_threshold": None}, "replica.internal"]
