"""Finding the `rds-backup-sim` executable and what it can do."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from typing import List, Optional

from .errors import BinaryNotFoundError

#: The executable's name, as the wheel installs it.
PROGRAM = "rds-backup-sim"
#: An environment variable naming the executable to use instead of the installed one.
BIN_ENV = "RDS_BACKUP_SIM_BIN"


def _candidates() -> List[str]:
    name = PROGRAM + (".exe" if os.name == "nt" else "")
    dirs = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    try:
        dirs.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:  # a platform without a user scheme
        pass
    return [os.path.join(d, name) for d in dirs if d]


def find_binary(explicit: Optional[str] = None) -> str:
    """The path of the `rds-backup-sim` executable to run.

    Looks, in order, at `explicit`, the `RDS_BACKUP_SIM_BIN` environment variable, the
    scripts directory of this interpreter (where `pip install rds-backup-sim` puts it,
    also with `--user`), then `PATH`.
    """
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BinaryNotFoundError(f"{explicit} is not an executable file")
        return explicit
    from_env = os.environ.get(BIN_ENV)
    if from_env:
        if not os.access(from_env, os.X_OK):
            raise BinaryNotFoundError(f"{BIN_ENV}={from_env} is not an executable file")
        return from_env
    tried = _candidates()
    for path in tried:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    on_path = shutil.which(PROGRAM)
    if on_path:
        return on_path
    raise BinaryNotFoundError(
        f"no {PROGRAM} executable: looked at {BIN_ENV}, {', '.join(tried)} and PATH; "
        f"install it with `pip install rds-backup-sim` or set {BIN_ENV}"
    )


@dataclass(frozen=True)
class Capabilities:
    """What a binary's `serve` accepts, read once from `serve --help`."""

    binary: str
    serve_help: str

    def has_option(self, option: str) -> bool:
        """Whether `serve` takes the option (`--accept-any-key`)."""
        pattern = r"(?<![\w-])" + re.escape(option) + r"(?![\w-])"
        return re.search(pattern, self.serve_help) is not None


@functools.cache
def capabilities(binary: str) -> Capabilities:
    """`serve --help` of `binary`, cached per path."""
    out = subprocess.run(
        [binary, "serve", "--help"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=30,
        check=False,
    )
    return Capabilities(binary, out.stdout.decode("utf-8", "replace"))
