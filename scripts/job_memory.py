"""Memory of the job worker (django-q2 ``qcluster``) before and after a monthly report.

Starts ``manage.py qcluster`` in a session of its own, waits until its processes are up,
enqueues one ``report_generate`` (the monthly analysis report of the first county, figures,
scorecards, DOCX and PDF), waits for its result, and sums the memory of every process in the
session — VmRSS (what ``ps`` and ``top`` show; pages shared after fork are counted once per
process) and Pss (each shared page divided among the processes sharing it: what the tree
really occupies). Then it sends SIGTERM and times how long the cluster takes to stop.

    FENGQIAO_VAR_DIR=… .venv/bin/python scripts/job_memory.py [--year 2026 --month 10] [-- qcluster args]

Any arguments after ``--`` go to ``manage.py qcluster`` (for example ``--skip-checks``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")

from fengqiao.testing.processes import session_pids  # noqa: E402  (after the path is set)


def kb(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(sid: int) -> tuple[int, int, int]:
    """(processes, VmRSS MB, Pss MB) of the session."""
    pids = session_pids(sid)
    rss = sum(kb(Path(f"/proc/{p}/status"), "VmRSS") for p in pids)
    pss = sum(kb(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    return len(pids), rss // 1024, pss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--month", type=int, default=10)
    parser.add_argument("qcluster_args", nargs="*")
    options = parser.parse_args()

    import django

    django.setup()
    from django_q.tasks import async_task, result

    from fengqiao.org.models import Jurisdiction, JurisdictionLevel

    county = Jurisdiction.objects.filter(level=JurisdictionLevel.COUNTY).first()
    assert county is not None, "no county: run manage.py setup_naiman first"

    cluster = subprocess.Popen(  # noqa: S603 - this interpreter, manage.py qcluster
        [sys.executable, "manage.py", "qcluster", *options.qcluster_args], cwd=ROOT, start_new_session=True
    )
    try:
        time.sleep(8)
        count, rss, pss = tree_memory(cluster.pid)
        print(f"idle:          {count} processes, VmRSS {rss} MB, Pss {pss} MB")
        started = time.monotonic()
        task_id = async_task(
            "fengqiao.analytics.services.report_generate", county=county, year=options.year, month=options.month
        )
        peak = (0, 0, 0)
        while result(task_id) is None and time.monotonic() - started < 600:
            sample = tree_memory(cluster.pid)
            peak = max(peak, sample, key=lambda s: s[1])
            time.sleep(0.2)
        print(f"report job:    {time.monotonic() - started:.1f} s, result {result(task_id)!r}")
        print(f"during (peak): {peak[0]} processes, VmRSS {peak[1]} MB, Pss {peak[2]} MB")
        time.sleep(3)
        count, rss, pss = tree_memory(cluster.pid)
        print(f"after:         {count} processes, VmRSS {rss} MB, Pss {pss} MB")
        for pid in session_pids(cluster.pid):
            name = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:60]
            print(f"  {pid:>7} {kb(Path(f'/proc/{pid}/status'), 'VmRSS') // 1024:>4} MB  {name}")
    finally:
        stopping = time.monotonic()
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("qcluster still running 60 s after SIGTERM")
        left = session_pids(cluster.pid)
        print(f"SIGTERM:       stopped in {time.monotonic() - stopping:.1f} s, {len(left)} processes left {left}")
        for pid in left:
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
