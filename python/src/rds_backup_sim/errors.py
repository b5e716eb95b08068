"""The exceptions of `rds_backup_sim`: one base class, one subclass per way things fail."""

from __future__ import annotations

from typing import Any, Mapping, Optional


class EmulatorError(Exception):
    """Base class: something went wrong with the emulator process or its control plane."""


class BinaryNotFoundError(EmulatorError):
    """No `rds-backup-sim` executable was found (the message lists where it looked)."""


class StartError(EmulatorError):
    """`rds-backup-sim serve` did not print its start-up line (the message has its stderr)."""


class NotRunningError(EmulatorError):
    """A call needs a running emulator, and this one is not started or already stopped."""


class ActionError(EmulatorError):
    """A control-plane line was answered with an error (`HttpStatus` other than 200).

    `code`, `status` and `message` are the answer's `Code`, `HttpStatus` and `Message`;
    `answer` is the whole answer.
    """

    def __init__(self, line: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        self.line = dict(line)
        self.answer = dict(answer)
        self.code: Optional[str] = answer.get("Code")
        self.status: int = int(answer.get("HttpStatus", 0))
        self.message: Optional[str] = answer.get("Message")
        super().__init__(f"{line.get('Action')!s} answered {self.status} {self.code}: {self.message}")


class UnsupportedError(EmulatorError):
    """The `rds-backup-sim` binary in use lacks a capability (an action or a `serve` option).

    `capability` names it (`Sim.InjectFault`, `DescribeDBInstances`, `--accept-any-key`).
    """

    def __init__(self, capability: str, detail: str) -> None:
        self.capability = capability
        super().__init__(f"this rds-backup-sim binary does not support {capability}: {detail}")


class MissingSDKError(EmulatorError, ImportError):
    """The official Alibaba SDK that a helper configures is not installed."""
