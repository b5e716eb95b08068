"""No `rds-backup-sim serve` outlives its owner: Ctrl-C, a hard kill, a forgotten stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import serve_alive, wait_gone

# Two emulators (the default and a manual-clock one), then a test that blocks.
INNER = """
import json, os, time, pytest

def write(rds_sim):
    with open(os.environ["RDS_SIM_PIDS"], "a") as out:
        out.write(json.dumps(rds_sim.pid) + "\\n")

@pytest.mark.rds_sim(clock="manual")
def test_first(rds_sim):
    write(rds_sim)

def test_blocks(rds_sim):
    write(rds_sim)
    open(os.environ["RDS_SIM_READY"], "w").close()
    time.sleep(120)
"""


def _run_until_blocked(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    (tmp_path / "test_inner.py").write_text(INNER)
    env = dict(os.environ, RDS_SIM_PIDS=str(tmp_path / "pids"), RDS_SIM_READY=str(tmp_path / "ready"))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # A shell may start background jobs with SIGINT ignored, and Python keeps an ignored
        # SIGINT ignored: give the inner run the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists():
        if run.poll() is not None or time.monotonic() > deadline:
            out = run.communicate(timeout=10)[0] if run.poll() is not None else b""
            run.kill()
            pytest.fail(f"the inner pytest run never reached its blocking test: {out.decode()}")
        time.sleep(0.05)
    pids = [json.loads(line) for line in (tmp_path / "pids").read_text().splitlines()]
    assert len(pids) == 2 and all(serve_alive(pid) for pid in pids)
    return run, pids


def test_sigint_during_a_test_leaves_no_server_behind(tmp_path):
    run, pids = _run_until_blocked(tmp_path)
    run.send_signal(signal.SIGINT)
    out = run.communicate(timeout=60)[0].decode()
    assert run.returncode == 2, out  # pytest's "interrupted"
    assert "KeyboardInterrupt" in out
    for pid in pids:
        assert not serve_alive(pid), f"serve {pid} outlived the interrupted run"


def test_a_hard_kill_of_the_test_process_takes_the_server_with_it(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's (prctl PR_SET_PDEATHSIG)")
    run, pids = _run_until_blocked(tmp_path)
    run.kill()  # SIGKILL: no teardown, no atexit
    run.communicate(timeout=30)
    for pid in pids:
        assert wait_gone(pid, 5.0), f"serve {pid} outlived the killed run"


def test_an_emulator_never_stopped_is_stopped_when_the_interpreter_exits(tmp_path):
    script = (
        "import rds_backup_sim, sys\n"
        "sim = rds_backup_sim.Emulator().start()\n"
        "print(sim.pid, flush=True)\n"
        "sys.exit(0)  # no stop(): the atexit hook must do it\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=True)
    pid = int(done.stdout.split()[0])
    assert not serve_alive(pid), f"serve {pid} outlived the interpreter"
