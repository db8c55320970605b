"""Finding and removing what a drflow run started, by the mark it left in ``reason``.

drflow writes ``drflow-run:<flow run id>`` into the ``reason`` of every mount it starts (for
FCD, whose spec has no reason, into each disk's registered name). A run's cancellation hook and
the janitor use this module to find what such a run left mounted and to remove it. File-level
restore and Entra ID browse mounts cannot be listed through the API, so they are not found here:
the run that made them unmounts them itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from .mounts import AZURE_VM, FCD, FILE_SHARE, HYPERV_VM, KINDS, VSPHERE_VM
from .stops import stop

if TYPE_CHECKING:
    from ._client import VBRClient

MARK_PREFIX = "drflow-run:"


def mark_for(run_id: UUID | str) -> str:
    """The mark of one flow run."""
    return f"{MARK_PREFIX}{run_id}"


@dataclass(frozen=True)
class MarkedObject:
    """Something drflow started that VBR still holds."""

    kind: str
    """A kind of :mod:`drflow.vbr.mounts` (``vsphere-vm``, ...)."""
    id: UUID
    name: str
    state: str
    reason: str

    def run_id(self) -> str | None:
        """The flow run id in the mark, if the reason carries one."""
        start = self.reason.find(MARK_PREFIX)
        if start < 0:
            return None
        rest = self.reason[start + len(MARK_PREFIX) :]
        return rest.split("]")[0].split()[0] if rest else None


def find_marked(client: VBRClient, mark: str = MARK_PREFIX) -> list[MarkedObject]:
    """Every listable mount whose mark contains ``mark`` (by default: any drflow mark)."""
    return [found for found in _all_mounts(client) if mark in found.reason]


def _all_mounts(client: VBRClient) -> Iterator[MarkedObject]:
    for m in client.vsphere.list_mounts():
        yield MarkedObject(VSPHERE_VM.name, m.id, m.vm_name, str(m.state), m.spec.reason or "")
    for m in client.hyperv.list_mounts():
        yield MarkedObject(HYPERV_VM.name, m.id, m.vm_name, str(m.state), m.spec.reason or "")
    for m in client.azure.list_mounts():
        name = (m.spec.name.name if m.spec.name else None) or str(m.id)
        yield MarkedObject(AZURE_VM.name, m.id, name, str(m.state), m.spec.reason or "")
    for m in client.fcd.list_mounts():
        names = " ".join(disk.registered_fcd_name for disk in m.spec.disks_mapping)
        yield MarkedObject(FCD.name, m.id, names, str(m.state), names)
    for m in client.unstructured.list_share_mounts():
        yield MarkedObject(FILE_SHARE.name, m.id, str(m.id), str(m.state), m.spec.reason or "")


def remove(client: VBRClient, found: MarkedObject, *, timeout: float | None = None) -> None:
    """Unmount (or stop) one object and wait until it is gone; already gone is fine.

    Keeps trying through outages for ``timeout`` seconds (default: the cleanup budget).
    """
    stop(client, KINDS[found.kind], found.id, within=timeout)
