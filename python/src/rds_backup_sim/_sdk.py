"""The official Alibaba SDK (`alibabacloud-rds20140815`), configured for an emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import MissingSDKError

if TYPE_CHECKING:
    from ._emulator import Emulator

INSTALL_HINT = (
    "pip install alibabacloud-rds20140815 (it brings alibabacloud-tea-openapi), or pip install 'rds-backup-sim[sdk]'"
)


def _missing(what: str, error: ImportError) -> MissingSDKError:
    return MissingSDKError(f"{what} needs the official Alibaba SDK, which is not installed ({error}): {INSTALL_HINT}")


def sdk_config(emulator: Emulator, **overrides: Any) -> Any:
    """An `alibabacloud_tea_openapi.models.Config` pointing at `emulator`: its key and
    secret, its region, `endpoint="127.0.0.1:PORT"`, `protocol="http"`. `overrides` are
    more `Config` fields (`read_timeout=2000`, `signature_algorithm="v2"`, …)."""
    try:
        from alibabacloud_tea_openapi.models import Config  # type: ignore[import-untyped]
    except ImportError as e:
        raise _missing("sdk_config()", e) from e
    fields = {
        "access_key_id": emulator.access_key_id,
        "access_key_secret": emulator.access_key_secret,
        "region_id": emulator.region_id,
        "endpoint": emulator.endpoint,
        "protocol": "http",
    }
    fields.update(overrides)
    return Config(**fields)


def client(emulator: Emulator, **overrides: Any) -> Any:
    """`alibabacloud_rds20140815.client.Client(sdk_config(emulator, **overrides))`."""
    try:
        from alibabacloud_rds20140815.client import Client  # type: ignore[import-untyped]
    except ImportError as e:
        raise _missing("client()", e) from e
    return Client(sdk_config(emulator, **overrides))
