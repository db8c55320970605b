"""What every group of operations shares."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from .._client import VBRClient


class API:
    """A group of VBR operations bound to a client."""

    def __init__(self, client: VBRClient) -> None:
        self._client = client


def query(**params: Any) -> dict[str, Any]:
    """Query parameters in VBR's spelling: camelCase keys, no unset values."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        head, *rest = key.split("_")
        name = head + "".join(part.capitalize() for part in rest)
        out[name] = _wire(value)
    return out


def _wire(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_wire(v) for v in value]
    if hasattr(value, "value"):  # enums
        return value.value
    return value
