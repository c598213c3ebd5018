"""Processes of a session, read from /proc: what `make run` started and whether anything of it
outlived a SIGTERM (core/tests/test_run_script.py), and the job worker's memory
(scripts/job_memory.py). Linux only; no third-party library (psutil) needed for one field."""

from __future__ import annotations

from pathlib import Path


def session_pids(sid: int) -> list[int]:
    """Every live (not zombie) process whose session id is ``sid``, ascending."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # After the command name: [0] state, [1] ppid, [2] pgrp, [3] session (/proc/PID/stat).
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry.name))
    return sorted(pids)
