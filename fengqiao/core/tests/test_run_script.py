"""`make run` (scripts/run.sh) serves like a deployment and stops everything it started.

The script runs for real on a free port with a fresh data folder: set-up, collectstatic,
gunicorn and the job worker. The sign-in page and a static file (by its hashed name, served by
WhiteNoise from the collected folder) answer 200, a missing page shows the site's 404 page (not
Django's debug page), and after SIGTERM to the script no process of its session is left —
read from /proc, the way `ps` does.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fengqiao.testing.processes import session_pids

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.slow,
    # The script always runs on a fresh embedded database: once, in the SQLite stage, is enough.
    pytest.mark.skipif(
        bool(os.environ.get("FENGQIAO_DATABASE_URL")),
        reason="scripts/run.sh is tested on the embedded database (the SQLite stage of CI)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def test_run_script_serves_with_gunicorn_and_stops_every_process_on_sigterm(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")}
    # A fresh installation on the embedded database, whatever database the suite runs on.
    env |= {"FENGQIAO_VAR_DIR": str(tmp_path / "var"), "FENGQIAO_WEB_WORKERS": "2"}
    log = (tmp_path / "run.log").open("w")
    script = subprocess.Popen(  # noqa: S603
        ["bash", "scripts/run.sh", "127.0.0.1", str(port)],  # noqa: S607 - bash from PATH, as make runs it
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 400  # migrate on a fresh database: ~30 s of CPU
        status = 0
        while time.monotonic() < deadline and script.poll() is None:
            try:
                status, _headers, page = get(f"{base}/login/")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert status == 200, (tmp_path / "run.log").read_text()[-3000:]

        # Static files: collected, hashed, served by WhiteNoise with a far-future cache.
        css = re.search(r'href="(/static/fengqiao/app\.[0-9a-f]{12}\.css)"', page)
        assert css, "the sign-in page does not link the collected, hashed stylesheet"
        status, headers, _body = get(base + css.group(1))
        assert status == 200
        assert "immutable" in headers.get("Cache-Control", "")
        assert (tmp_path / "var" / "static" / "staticfiles.json").is_file()

        # DEBUG off: the site's own 404 page, not Django's technical one; both local names work.
        status, _headers, body = get(f"{base}/no-such-page/")
        assert status == 404
        assert "页面不存在" in body and "URLconf" not in body
        assert get(f"{base}/login/", host=f"localhost:{port}")[0] == 200

        # gunicorn (master + 2 workers), qcluster (5 processes) and the script itself.
        running = session_pids(script.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in running]
        assert sum(b"gunicorn" in c for c in commands) == 3, commands
        assert sum(b"qcluster" in c for c in commands) == 5, commands

        script.send_signal(signal.SIGTERM)  # to the script alone, as `make` passes it on
        assert script.wait(timeout=60) == 143
        deadline = time.monotonic() + 10
        while session_pids(script.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_pids(script.pid) == [], "processes left after SIGTERM"
    finally:
        for pid in session_pids(script.pid):
            os.kill(pid, signal.SIGKILL)
        script.wait(timeout=10)
        log.close()
