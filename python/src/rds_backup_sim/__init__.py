"""rds-backup-sim from Python: the emulator of Alibaba Cloud RDS backups, and a pytest plugin.

    from rds_backup_sim import Emulator

    with Emulator() as sim:                       # `rds-backup-sim serve` on a free port
        sim.create_instance("rm-a", Engine="MySQL")
        rds = sim.client()                        # the official SDK's client, pointed here
        rds.create_backup(CreateBackupRequest(dbinstance_id="rm-a"))

With pytest, the fixtures `rds_sim` (one emulator per run, reset before each test) and
`rds_client` need no import. Documentation: docs/python.md.
"""

from __future__ import annotations

from ._binary import BIN_ENV, Capabilities, capabilities, find_binary
from ._emulator import Emulator
from ._sdk import client, sdk_config
from .errors import (
    ActionError,
    BinaryNotFoundError,
    EmulatorError,
    MissingSDKError,
    NotRunningError,
    StartError,
    UnsupportedError,
)


def __getattr__(name: str) -> str:
    # `__version__` is read from the installed metadata on first use, not at import.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rds-backup-sim")
    except PackageNotFoundError:
        return "unknown"


__all__ = [
    "BIN_ENV",
    "ActionError",
    "BinaryNotFoundError",
    "Capabilities",
    "Emulator",
    "EmulatorError",
    "MissingSDKError",
    "NotRunningError",
    "StartError",
    "UnsupportedError",
    "capabilities",
    "client",
    "find_binary",
    "sdk_config",
]
