"""The `serve` child process: start it, read its start-up line, stop it, leave nothing behind.

Three layers make sure no process outlives its owner:

1. `ServerProcess.stop()` (the context manager's exit, the pytest fixture's teardown, also
   after a failure or KeyboardInterrupt): SIGTERM, wait, then SIGKILL.
2. An `atexit` hook stops every process still running when the interpreter exits.
3. On Linux the child asks the kernel for SIGKILL when its parent dies
   (`prctl(PR_SET_PDEATHSIG)`), which covers a parent killed with SIGKILL.

The child runs in its own session, so a Ctrl-C in a terminal reaches Python (which then
stops the child in order) rather than both at once.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from typing import IO, Callable, Dict, List, Optional, Sequence

from .errors import StartError

_BANNER = re.compile(r"listening on http://(?P<host>[^;\s]+):(?P<port>\d+);")
#: Environment variables the child does not inherit (`RDS_SIM_*` configure `serve`; the
#: options given here must be the only ones that apply).
ENV_PREFIX = "RDS_SIM_"

_live: weakref.WeakSet[ServerProcess] = weakref.WeakSet()


def _stop_all_at_exit() -> None:
    for server in list(_live):
        server.stop(timeout=5.0)


atexit.register(_stop_all_at_exit)


def _die_with_parent() -> Optional[Callable[[], None]]:
    """A `preexec_fn` asking for SIGKILL when the parent dies (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def child_env() -> Dict[str, str]:
    """This process's environment without `RDS_SIM_*`."""
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}


class ServerProcess:
    """One running `rds-backup-sim serve`; `port` and `banner` come from its first line."""

    def __init__(
        self,
        argv: Sequence[str],
        log: IO[bytes],
        start_timeout: float,
        die_with_parent: bool,
    ) -> None:
        self.argv = list(argv)
        self._log = log
        self._stopped = False
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            env=child_env(),
            start_new_session=True,
            preexec_fn=_die_with_parent() if die_with_parent else None,
        )
        _live.add(self)
        try:
            self.banner = self._first_line(start_timeout)
            match = _BANNER.search(self.banner)
            if match is None:
                raise StartError(f"unexpected start-up line from {self.argv[0]}: {self.banner!r}")
            self.host = match.group("host")
            self.port = int(match.group("port"))
        except BaseException:
            self.stop(timeout=5.0)
            raise
        # Whatever else comes on stdout is read and dropped, so the pipe never fills.
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def _first_line(self, timeout: float) -> str:
        assert self.proc.stdout is not None, "Popen was given stdout=PIPE"
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartError(f"{self.argv[0]} printed no start-up line within {timeout:g} s{self._stderr_note()}")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                code = self.proc.wait(timeout=5)
                raise StartError(
                    f"{' '.join(self.argv)} exited with status {code} before it listened{self._stderr_note()}"
                )
            buf += chunk
        return buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def _stderr_note(self) -> str:
        try:
            self._log.flush()
            self._log.seek(0)
            text = self._log.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"; its standard error: {text}" if text else ""

    def _drain_stdout(self) -> None:
        out = self.proc.stdout
        try:
            while out is not None and out.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM (a clean stop: requests in flight finish, state is synced), then SIGKILL
        after `timeout` seconds. Idempotent; returns the exit status."""
        if self._stopped:
            return self.proc.returncode
        self._stopped = True
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            # Also when the wait above was interrupted (a second Ctrl-C).
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            drain = getattr(self, "_drain", None)
            if drain is not None:
                drain.join(timeout=2.0)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            _live.discard(self)
        return self.proc.returncode


def argv_for(
    binary: str,
    clock: str,
    seed: Optional[int],
    state_dir: Optional[str],
    keys: List[str],
    accept_any_key: bool,
    admin_token: Optional[str],
    identities: Optional[str],
    extra_args: Sequence[str],
) -> List[str]:
    """The `serve` command line for these options."""
    argv = [binary, "serve", "--listen", "127.0.0.1:0", "--clock", clock]
    if seed is not None:
        argv += ["--seed", str(seed)]
    if state_dir is not None:
        argv += ["--state-dir", state_dir]
    for key in keys:
        argv += ["--access-key", key]
    if accept_any_key:
        argv.append("--accept-any-key")
    if admin_token is not None:
        argv += ["--admin-token", admin_token]
    if identities is not None:
        argv += ["--identities", identities]
    argv += list(extra_args)
    return argv
