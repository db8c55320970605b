"""The kinds of mount VBR holds, and what drflow needs to know of each.

A :class:`MountKind` says how to read one mount and stop it, and what its states mean: ready,
failed, being stopped, as good as gone. The waits (:mod:`.waiting`), the persistent stops
(:mod:`.stops`) and the marks (:mod:`.marks`) work on any kind through it; adding a kind is one
entry here. :func:`current` and :func:`read_started` read a mount through the shared reads of
the waits (:mod:`.shared_reads`) where there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from ._exceptions import MountFailed
from .models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMount,
    InstantHvVMRecoveryMount,
    InstantRecoveryMountState,
    InstantUnstructuredDataRecoveryMount,
    InstantViVMRecoveryMount,
    UnstructuredDataInstantRecoveryMountState,
    VmwareFcdInstantRecoveryMount,
)
from .shared_reads import reader, shared_reads, wait_backoff

if TYPE_CHECKING:
    from ._client import VBRClient

__all__ = [
    "AZURE_VM",
    "FCD",
    "FILE_SHARE",
    "HYPERV_VM",
    "KINDS",
    "VSPHERE_VM",
    "MountKind",
    "current",
    "read_started",
]

M = TypeVar("M")

_VM = InstantRecoveryMountState
_AZ = AzureInstantRecoveryMountState
_SHARE = UnstructuredDataInstantRecoveryMountState


@dataclass(frozen=True, eq=False)
class MountKind(Generic[M]):
    """One kind of mount: how to read and stop it, and what its states mean."""

    name: str
    """``vsphere-vm``, ``hyperv-vm``, ``fcd``, ``azure-vm``, ``file-share``."""
    noun: str
    """What it is called in messages."""
    get: Callable[[VBRClient, UUID | str], M]
    """Read one mount (``NotFound`` when it does not exist)."""
    stop: Callable[[VBRClient, UUID | str], Any]
    """Ask VBR to unmount (dismount, stop) it; answers what VBR answered."""
    subject: Callable[[M], str]
    """What a failure of this mount is about, in messages."""
    ready: frozenset[object]
    """The states a wait waits for by default."""
    failed: frozenset[object]
    """The states that end a wait for any other state with ``MountFailed``."""
    going: frozenset[object]
    """The states of a mount being stopped."""
    gone: frozenset[object] = field(default_factory=frozenset)
    """The states of a mount still listed but as good as gone."""
    list_by_ids: Callable[[VBRClient, Sequence[str]], Iterable[M]] | None = None
    """Those of the ids that exist, in one list call (None: the list cannot filter by id)."""

    def failure(self, mount: M) -> MountFailed:
        """The error for a mount that reached a failed state."""
        return MountFailed(self.subject(mount), getattr(mount, "error_message", None))

    def wait_failures(self, until: frozenset[object]) -> frozenset[object]:
        """The states that end a wait for ``until`` with ``MountFailed`` (a mount being stopped
        is on its way to a gone state, if that is what is waited for)."""
        fail = self.failed - until
        return fail - self.going if until & self.gone else fail


VSPHERE_VM: MountKind[InstantViVMRecoveryMount] = MountKind(
    name="vsphere-vm",
    noun="vSphere mount",
    get=lambda client, mount_id: client.vsphere.get_mount(mount_id),
    stop=lambda client, mount_id: client.vsphere.unmount(mount_id),
    subject=lambda mount: f"instant recovery of {mount.vm_name}",
    ready=frozenset({_VM.MOUNTED}),
    failed=frozenset({_VM.FAILED}),
    going=frozenset({_VM.DISMOUNTING}),
    list_by_ids=lambda client, ids: client.vsphere.list_mounts(mount_id_filter=list(ids)),
)
HYPERV_VM: MountKind[InstantHvVMRecoveryMount] = MountKind(
    name="hyperv-vm",
    noun="Hyper-V mount",
    get=lambda client, mount_id: client.hyperv.get_mount(mount_id),
    stop=lambda client, mount_id: client.hyperv.unmount(mount_id),
    subject=lambda mount: f"instant recovery of {mount.vm_name}",
    ready=frozenset({_VM.MOUNTED}),
    failed=frozenset({_VM.FAILED}),
    going=frozenset({_VM.DISMOUNTING}),
)
FCD: MountKind[VmwareFcdInstantRecoveryMount] = MountKind(
    name="fcd",
    noun="FCD instant recovery",
    get=lambda client, mount_id: client.fcd.get_mount(mount_id),
    stop=lambda client, mount_id: client.fcd.dismount(mount_id),
    subject=lambda mount: f"FCD instant recovery {mount.id}",
    ready=frozenset({_VM.MOUNTED}),
    failed=frozenset({_VM.FAILED}),
    going=frozenset({_VM.DISMOUNTING}),
)
AZURE_VM: MountKind[AzureInstantVMRecoveryMount] = MountKind(
    name="azure-vm",
    noun="Azure mount",
    get=lambda client, mount_id: client.azure.get_mount(mount_id),
    stop=lambda client, mount_id: client.azure.unmount(mount_id),
    subject=lambda mount: f"instant recovery to Azure of {_machine_name(mount)}",
    ready=frozenset({_AZ.READY}),
    # Azure mounts have no failed state: one that stops while another state is awaited ended
    failed=frozenset({_AZ.STOPPING, _AZ.STOPPED}),
    going=frozenset({_AZ.STOPPING}),
    gone=frozenset({_AZ.STOPPED}),
)
FILE_SHARE: MountKind[InstantUnstructuredDataRecoveryMount] = MountKind(
    name="file-share",
    noun="file share mount",
    get=lambda client, mount_id: client.unstructured.get_share_mount(mount_id),
    stop=lambda client, mount_id: client.unstructured.unmount_share(mount_id),
    subject=lambda mount: f"instant recovery of file share {mount.id} ({mount.state})",
    ready=frozenset({_SHARE.PUBLISHED}),
    failed=frozenset({_SHARE.PUBLISH_FAILED, _SHARE.UNPUBLISH_FAILED}),
    going=frozenset({_SHARE.UNPUBLISHING}),
    gone=frozenset({_SHARE.UNPUBLISHED}),
)

KINDS: dict[str, MountKind[Any]] = {
    kind.name: kind for kind in (VSPHERE_VM, HYPERV_VM, FCD, AZURE_VM, FILE_SHARE)
}
"""Every kind by its name."""


def current(client: VBRClient, kind: MountKind[M], mount_id: UUID | str) -> M | None:
    """The mount as of now, or as the waits of ``client`` listed it at most ``poll_initial``
    seconds ago (no call at all right after a wait); None when it does not exist (any more)."""
    with reader(client, kind, mount_id, wait_backoff(client, kind, None), at_tick=False) as read:
        return read.read()


def read_started(client: VBRClient, kind: MountKind[M], mount_id: UUID | str) -> M:
    """A mount just started, as the next list of the waits shows it (the first poll of a wait
    on it: no call of its own while other waits poll); else read by id."""
    if shared_reads(client, kind) is None:
        return kind.get(client, mount_id)
    with reader(client, kind, mount_id, wait_backoff(client, kind, None)) as read:
        mount = read.read()
    return mount if mount is not None else kind.get(client, mount_id)  # not listed yet


def _machine_name(mount: AzureInstantVMRecoveryMount) -> str:
    name = mount.spec.name.name if mount.spec.name else None
    return name or str(mount.id)
