"""Helpers shared by the package's tests: process checks and a fake `serve`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def serve_alive(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) `rds-backup-sim serve` process. A pid that was
    reused by something else counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    if state in ("Z", "X"):
        return False
    return any(b"rds-backup-sim" in part for part in cmdline) and b"serve" in cmdline


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    """Polls until `pid` is no live `serve` process; True if it went within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not serve_alive(pid):
            return True
        time.sleep(0.05)
    return not serve_alive(pid)


def fake_serve(tmp_path: Path, behaviour: str = "") -> str:
    """An executable standing in for `rds-backup-sim`: prints a start-up line and answers
    the control plane like a binary that knows no `Sim.InjectFault` (`InvalidAction.NotFound`
    for every line). `behaviour`: `flood` writes 4 MiB to stdout and stderr after the
    start-up line; `silent` never prints the line."""
    script = tmp_path / "rds-backup-sim"
    script.write_text(
        f"#!{sys.executable}\n"
        + (HERE / "fake_serve.py").read_text().replace('BEHAVIOUR = ""', f"BEHAVIOUR = {behaviour!r}")
    )
    script.chmod(0o755)
    return str(script)
