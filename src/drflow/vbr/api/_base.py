"""What every group of operations shares."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from .._pagination import paginate
from ..models import RequestModel, SessionModel, VBRModel

T = TypeVar("T")

if TYPE_CHECKING:
    from .._client import VBRClient


class API:
    """A group of VBR operations bound to a client."""

    def __init__(self, client: VBRClient) -> None:
        self._client = client

    def _page(self, path: str, model: type[T], arguments: dict[str, Any], *in_path: str) -> T:
        """``GET path`` whose query is the filters a ``list_page`` method was called with: its
        ``locals()`` but ``self`` and the ``in_path`` names already spelled in ``path``."""
        skip = {"self", *in_path}
        params = query(**{k: v for k, v in arguments.items() if k not in skip})
        return self._client.request("GET", path, params=params, model=model)


M = TypeVar("M", bound=VBRModel)


class InstantVMRecoveryAPI(API, Generic[M]):
    """What the instant recovery of a VM to its own hypervisor (vSphere, Hyper-V) offers the
    same way at :attr:`path`: its mounts, read and listed, started and unmounted."""

    path: ClassVar[str]
    mount_model: ClassVar[type[VBRModel]]

    def list_mounts_page(self, **filters: Any) -> Any:
        """One page of mounts (``GetAllInstant…VMRecoveryMounts``)."""
        raise NotImplementedError

    def list_mounts(self, **filters: object) -> Iterator[M]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def get_mount(self, mount_id: UUID | str) -> M:
        """``GetInstant…VMRecoveryMount``: one mount."""
        return self._client.request("GET", f"{self.path}/{mount_id}", model=self.mount_model)

    def start_instant_recovery(self, spec: RequestModel) -> SessionModel:
        """``Instant…VMRecoveryMount``: start instant recovery; answers the session.

        Not retried once the request may have reached VBR: look for the mount first (by the
        ``reason`` you marked it with) before trying again.
        """
        return self._client.request("POST", self.path, json=spec.to_api(), model=SessionModel)

    def unmount(self, mount_id: UUID | str) -> SessionModel:
        """``Instant…VMRecoveryUnmount``: stop publishing the VM; answers the session."""
        return self._client.request(
            "POST", f"{self.path}/{mount_id}/unmount", model=SessionModel, idempotent=True
        )


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
