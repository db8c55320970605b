"""Strategies whose holding is a VBR mount: what they share of owning, recording and migrating it.

:class:`MountStrategy` is any instant recovery held as a mount (a VM, disks, a file share);
:class:`InstantVM` is one VM recovered to the hypervisor it was backed up from (vSphere,
Hyper-V), whose tasks differ but whose handling is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar
from uuid import UUID

from drflow.tasks import wait_for_session
from drflow.vbr.models import ObjectRestorePointModel, SecureRestoreSpec

from .ownership import Disposition, OwnedObject
from .params import RecoveryParams
from .strategy import Strategy, mount_problems, reason

if TYPE_CHECKING:
    from .evidence import Progress
    from .report import RecoveryReport


class Mount(Protocol):
    """What the engine reads of a mount: its id and the session that started it."""

    @property
    def id(self) -> UUID: ...

    @property
    def session_id(self) -> UUID | None: ...


P = TypeVar("P", bound=RecoveryParams)
M = TypeVar("M", bound=Mount)


class MountStrategy(Strategy[P, M]):
    """A workload held as a VBR mount, owned as an object of :attr:`kind`."""

    kind: ClassVar[str]
    """The owned object's kind (``hyperv-vm``, ``file-share``)."""

    def mount_name(self, mount: M) -> str:
        """What the owned mount is called: the workload's name unless a kind knows better."""
        return self.name

    def owned(self, held: M) -> OwnedObject:
        """The mount, as an object of :attr:`kind` named :meth:`mount_name`."""
        return OwnedObject(kind=self.kind, id=str(held.id), name=self.mount_name(held))

    def started(self, mount: M, report: RecoveryReport) -> M:
        """Record a started (or adopted) mount and the session that started it; the mount."""
        report.mount_id = str(mount.id)
        report.session_ids.append(str(mount.session_id))
        return mount

    def follow_migration(self, session_id: UUID, report: RecoveryReport, label: str) -> Disposition:
        """Record a migration's session and wait until it has ended (``label`` in the logs)."""
        report.session_ids.append(str(session_id))
        wait_for_session(
            self.params.connection, session_id, label=label, timeout=self.params.timeout_seconds
        )
        return Disposition.MIGRATED


class InstantVM(MountStrategy[P, M]):
    """One VM's instant recovery (``params.vm``): ready once ``Mounted``, owned under the VM's
    name, waited for and unmounted by the tasks of its kind."""

    spec_model: ClassVar[Callable[..., Any]]
    """VBR's spec of an instant recovery to the VM's original location."""
    flow_name: ClassVar[str]
    """The flow, as the ``reason`` of the mount names it."""
    start_recovery: ClassVar[Callable[..., Any]]
    """The task that starts the instant recovery, or adopts this run's (a ``staticmethod``)."""
    wait_for_mount: ClassVar[Callable[..., Any]]
    """The task that waits until the mount is ready (a ``staticmethod``)."""
    unmount: ClassVar[Callable[..., Any]]
    """The task that unmounts it and waits until it is gone (a ``staticmethod``)."""

    @property
    def name(self) -> str:
        """The VM's name in its backup (``params.vm``)."""
        return self.params.vm  # type: ignore[attr-defined]

    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> M:
        """Start the VM's instant recovery from ``point`` (no antivirus scan, powered up as
        ``params.power_up`` says), or adopt this run's."""
        spec = self.spec_model(
            restore_point_id=point.id,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
            power_up=self.params.power_up,  # type: ignore[attr-defined]
            reason=reason(self.flow_name, self.params.then, mark),
            **self.spec_fields(),
        )
        mount = self.start_recovery(self.params.connection, self.name, spec, mark)
        return self.started(mount, report)

    def spec_fields(self) -> dict[str, Any]:
        """The fields of the spec only this kind's recovery has."""
        return {}

    def mount_name(self, mount: M) -> str:
        """The VM's name as VBR registered it."""
        return mount.vm_name  # type: ignore[attr-defined]

    def wait_ready(self, held: M, progress: Progress) -> M:
        """Wait (inside one task) until the VM is ``Mounted``."""
        return self.wait_for_mount(
            self.params.connection, held, vm_name=self.name, timeout=self.params.timeout_seconds
        )

    def problems(self, held: M) -> list[str]:
        """The mount's state and VBR's error message."""
        return mount_problems(held.state, held.error_message)  # type: ignore[attr-defined]

    def release(self, held: M) -> None:
        """Unmount the VM and wait until it is gone."""
        self.unmount(self.params.connection, held.id, vm_name=self.name)
