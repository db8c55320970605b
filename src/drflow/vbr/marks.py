"""Finding and removing what a drflow run started, by the mark it left in ``reason``.

drflow writes ``drflow-run:<flow run id>`` into the ``reason`` of every mount it starts (for
FCD, whose spec has no reason, into each disk's registered name). A run's cancellation hook and
the janitor use this module to find what such a run left mounted and to remove it. File-level
restore and Entra ID browse mounts cannot be listed through the API, so they are not found here:
the run that made them unmounts them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

from ._client import VBRClient
from ._exceptions import NotFound

MARK_PREFIX = "drflow-run:"


def mark_for(run_id: UUID | str) -> str:
    """The mark of one flow run."""
    return f"{MARK_PREFIX}{run_id}"


@dataclass(frozen=True)
class MarkedObject:
    """Something drflow started that VBR still holds."""

    kind: str
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
        yield MarkedObject("vsphere-vm", m.id, m.vm_name, str(m.state), m.spec.reason or "")
    for m in client.hyperv.list_mounts():
        yield MarkedObject("hyperv-vm", m.id, m.vm_name, str(m.state), m.spec.reason or "")
    for m in client.azure.list_mounts():
        name = (m.spec.name.name if m.spec.name else None) or str(m.id)
        yield MarkedObject("azure-vm", m.id, name, str(m.state), m.spec.reason or "")
    for m in client.fcd.list_mounts():
        names = " ".join(disk.registered_fcd_name for disk in m.spec.disks_mapping)
        yield MarkedObject("fcd", m.id, names, str(m.state), names)
    for m in client.unstructured.list_share_mounts():
        yield MarkedObject("file-share", m.id, str(m.id), str(m.state), m.spec.reason or "")


def remove(client: VBRClient, found: MarkedObject, *, timeout: float = 900.0) -> None:
    """Unmount (or stop) one object and wait until it is gone; already gone is fine."""
    unmount: dict[str, Callable[[UUID], object]] = {
        "vsphere-vm": client.vsphere.unmount,
        "hyperv-vm": client.hyperv.unmount,
        "azure-vm": client.azure.unmount,
        "fcd": client.fcd.dismount,
        "file-share": client.unstructured.unmount_share,
    }
    gone: dict[str, Callable[..., None]] = {
        "vsphere-vm": client.vsphere.wait_until_gone,
        "hyperv-vm": client.hyperv.wait_until_gone,
        "fcd": client.fcd.wait_until_gone,
        "file-share": client.unstructured.wait_until_share_gone,
    }
    try:
        unmount[found.kind](found.id)
    except NotFound:
        return
    if found.kind in gone:
        gone[found.kind](found.id, timeout=timeout)
