"""The one state machine of instant-recovery mounts of VMs and disks (vSphere, Hyper-V, FCD).

A mount publishes *parts* from a restore point (a VM; or First Class Disks). Its ``id`` is the
id of its holding session (``InstantRecovery``, ``FirstClassDiskInstantRestore``), as in the
vendor's examples. Its state is derived from timestamps at any instant:

- ``Mounting`` for ``start`` + ``mount`` seconds (the session ``Starting`` then ``Working``),
  then ``Mounted``: the session stays ``Working`` (100 %, result ``Success``) while anything is
  published. A ``mount_fails`` trap machine ends ``Failed`` instead (``errorMessage``; the
  session ``Stopped``/``Failed``), listed until unmounted;
- unmount: ``Dismounting`` for ``unmount`` seconds, then gone (404, absent from lists); the
  session goes ``Stopping`` then ``Stopped``/``Success`` (while ``Mounting`` it is canceled:
  ``Failed``, ``isCanceled``). A ``Failed`` mount goes at once. Refused while a migration runs;
- migrate (only ``Mounted``, one migration at a time): a migration session (named
  ``Quick Migration Job``) moves parts to production in ``migrate`` seconds; when it succeeds
  they leave the mount. Once no part is left the mount is gone and the holding session ends
  ``Success`` at that instant. Stopping the migration session cancels it: the parts stay
  mounted.

:class:`MountWorkload` is the base of the three kinds: it keeps their mounts and makes these
transitions; each kind adds how it starts and migrates, its wire models and its words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from starlette.responses import JSONResponse

from drflow.vbr.models import VBRModel
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from ..auth import Principal
from ..errors import bad_request, not_found
from ..estate import VM, RestorePoint
from ..listing import known
from ..routes._common import ListQuery
from ..sessions import LogTitles, Outcome, SessionRecord
from ..workload import Workload, WorkloadState

SpecT = TypeVar("SpecT")
MOUNTING = InstantRecoveryMountState.MOUNTING.value
MOUNTED = InstantRecoveryMountState.MOUNTED.value
DISMOUNTING = InstantRecoveryMountState.DISMOUNTING.value
FAILED = InstantRecoveryMountState.FAILED.value
QUICK_MIGRATION_JOB = "Quick Migration Job"
"""The name of a migration session, as VBR names its Quick Migration sessions (the vendor's
example); FCD migrations, also quick migrations, are named alike."""


@dataclass
class Migration:
    """A migration session and the parts it moves."""

    session: SessionRecord
    parts: list[str]


@dataclass
class Mount(Generic[SpecT]):
    """One mount and its timeline (see the module docstring)."""

    session: SessionRecord
    spec: SpecT
    restore_point: RestorePoint
    name: str
    """What is recovered: the VM's name (vSphere, Hyper-V), the source VM (FCD)."""
    place: str
    """Where: the host (vSphere, Hyper-V) or the cluster (FCD)."""
    parts: list[str]
    """What it publishes: the VM's name, or the mounted disk names (FCD)."""
    initiated_by: str
    boot_s: float = 0.0
    unmount_at: datetime | None = None
    unmount_s: float = 0.0
    migrations: list[Migration] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.session.id

    @property
    def vm(self) -> VM:
        """The source machine: its durations and traps."""
        return self.restore_point.vm

    @property
    def fails(self) -> bool:
        return self.vm.trap is not None and self.vm.trap.kind == "mount_fails"

    @property
    def mounted_at(self) -> datetime:
        return self.session.completes_at

    def migrated(self, now: datetime) -> list[Migration]:
        """The migrations that succeeded by ``now``."""
        done = []
        for migration in self.migrations:
            view = migration.session.view(now)
            if view.stopped and view.result == "Success":
                done.append(migration)
        return done

    def remaining(self, now: datetime) -> list[str]:
        """The parts still published (not migrated by ``now``)."""
        if not self.migrations:
            return self.parts
        moved = {part for migration in self.migrated(now) for part in migration.parts}
        return [part for part in self.parts if part not in moved]

    def migrated_at(self, now: datetime) -> datetime | None:
        """When the last part left for production, once all have."""
        if self.remaining(now):
            return None
        ends = [m.session.view(now).end_time for m in self.migrated(now)]
        return max(end for end in ends if end is not None)

    def running_migration(self, now: datetime) -> Migration | None:
        for migration in self.migrations:
            if not migration.session.view(now).stopped:
                return migration
        return None

    def state(self, now: datetime) -> str | None:
        """The mount state at ``now``; None once the mount is gone."""
        if self.unmount_at is not None:
            gone = self.unmount_at + timedelta(seconds=self.unmount_s)
            return None if now >= gone else DISMOUNTING
        if not self.remaining(now):
            return None
        if now < self.mounted_at:
            return MOUNTING
        return FAILED if self.fails else MOUNTED

    def error_message(self, now: datetime) -> str:
        if self.fails and now >= self.mounted_at and self.vm.trap is not None:
            return self.vm.trap.message
        return ""


@dataclass(frozen=True)
class MountWords:
    """How VBR's logs and errors speak of the mounts of one kind: templates formatted with
    ``name`` and ``id`` of the mount, ``session`` (a migration's id), ``state``, ``who``."""

    what: str
    """The mount in a 404, e.g. ``Instant recovery mount point``."""
    busy: str
    """Unmount refused while a migration runs."""
    migrating: str
    """Migrate refused while a migration runs."""
    not_mounted: str
    """Migrate refused because the mount is not ``Mounted``."""
    unmounting: str
    """The log record of an unmount request."""
    unmounted: str
    """The holding session's end after an unmount."""
    migrated: str
    """The holding session's end once every part is migrated."""


@dataclass
class MountState(WorkloadState, Generic[SpecT]):
    mounts: dict[uuid.UUID, Mount[SpecT]] = field(default_factory=dict)


class MountWorkload(Workload[MountState[SpecT]]):
    """A kind whose starts open a :class:`Mount` (vSphere, Hyper-V, FCD)."""

    words: ClassVar[MountWords]
    session_type: ClassVar[str]
    """The holding session's type."""
    platform: ClassVar[str]
    """``platformName`` of its sessions."""
    path: ClassVar[str]
    """The mounts' collection path (``resourceReference`` of their sessions)."""

    def new_state(self) -> MountState[SpecT]:
        return MountState()

    def _say(self, template: str, mount: Mount[Any], **values: Any) -> str:
        return template.format(name=mount.name, id=mount.id, **values)

    # --- reads ------------------------------------------------------------------------------

    def get(self, mount_id: uuid.UUID, now: datetime) -> Mount[SpecT]:
        """A mount that is not gone (else 404)."""
        mount = self.state.mounts.get(mount_id)
        if mount is None or mount.state(now) is None:
            raise not_found(self.words.what, mount_id)
        return mount

    def live(self, now: datetime) -> list[tuple[Mount[SpecT], str]]:
        """Every mount not gone with its state, oldest first."""
        with self.sim.lock:
            found = [(m, m.state(now)) for m in self.state.mounts.values()]
        return [(mount, state) for mount, state in found if state is not None]

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        with self.sim.lock:
            return [
                self.describe(mount, now)
                for mount in self.state.mounts.values()
                if include_gone or mount.state(now) is not None
            ]

    def held_mounts(self, now: datetime) -> int:
        return len(self.live(now))

    def describe(self, mount: Mount[SpecT], now: datetime) -> dict[str, Any]:
        """The entry of ``mount`` in ``GET /_sim/mounts``."""
        raise NotImplementedError

    def to_model(self, mount: Mount[SpecT], now: datetime) -> VBRModel:
        """``mount`` on the wire."""
        raise NotImplementedError

    def read(self, mount_id: uuid.UUID) -> VBRModel:
        """Get a mount point (404 once it is gone)."""
        now = self.sim.now()
        with self.sim.lock:
            return self.to_model(self.get(mount_id, now), now)

    def list_page(
        self,
        query: ListQuery,
        keys: Mapping[str, Callable[[tuple[Mount[SpecT], str]], Any]],
        keep: Callable[[Mount[SpecT]], bool] = lambda mount: True,
    ) -> JSONResponse:
        """The list of the mounts not gone (in the query's state, and that ``keep`` keeps),
        oldest first unless the query's order names a key."""
        known(query.order, "orderColumn")
        known(query.state, "stateFilter")
        now = self.sim.now()
        selected = [
            (mount, current)
            for mount, current in self.live(now)
            if (query.state is None or current == query.state.value) and keep(mount)
        ]
        return query.page(selected, lambda pair: self.to_model(pair[0], now), keys)

    # --- transitions ------------------------------------------------------------------------

    def open(
        self,
        spec: SpecT,
        point: RestorePoint,
        who: Principal,
        now: datetime,
        *,
        name: str,
        place: str,
        parts: list[str],
        outcome: str,
        titles: LogTitles,
    ) -> Mount[SpecT]:
        """Start a mount (its holding session ends with ``outcome`` once mounted, unless the
        machine's trap fails it); call under ``sim.lock``."""
        sim, vm = self.sim, point.vm
        trap = vm.trap if vm.trap is not None and vm.trap.kind == "mount_fails" else None
        session = self.open_session(
            self.session_type,
            name,
            who.username,
            starting_s=sim.scaled(vm.durations.start),
            work_s=sim.scaled(vm.durations.mount),
            outcome=Outcome("Failed", trap.message) if trap else Outcome("Success", outcome),
            titles=titles,
            resource_path=self.path,
            platform=self.platform,
            hold=True,
            created=now,
        )
        mount = Mount(
            session=session,
            spec=spec,
            restore_point=point,
            name=name,
            place=place,
            parts=parts,
            initiated_by=who.username,
            boot_s=sim.scaled(vm.durations.boot),
        )
        self.state.mounts[session.id] = mount
        return mount

    def unmount(self, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Stop publishing a mount point: answers its session."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id, now)
            state = mount.state(now)
            if state == DISMOUNTING:
                return mount.session
            running = mount.running_migration(now)
            if running is not None:
                raise bad_request(
                    self._say(self.words.busy, mount, session=running.session.id), mount.id
                )
            mount.unmount_at = now
            if state == FAILED:
                return mount.session
            mount.unmount_s = self.sim.scaled(mount.vm.durations.unmount)
            self.sim.stop(
                mount.session,
                now,
                mount.unmount_s,
                title=self._say(self.words.unmounting, mount, who=who.username),
                done=self._say(self.words.unmounted, mount),
            )
            return mount.session

    def check_migration(self, mount: Mount[SpecT], now: datetime) -> None:
        """Refuse a migration unless ``mount`` is ``Mounted`` with no migration running."""
        running = mount.running_migration(now)
        if running is not None:
            raise bad_request(
                self._say(self.words.migrating, mount, session=running.session.id), mount.id
            )
        state = mount.state(now)
        if state != MOUNTED:
            raise bad_request(self._say(self.words.not_mounted, mount, state=state), mount.id)

    def migrate(
        self,
        mount: Mount[SpecT],
        parts: list[str],
        who: Principal,
        now: datetime,
        *,
        session_type: str,
        outcome: str,
        titles: LogTitles,
    ) -> SessionRecord:
        """Start a migration of ``parts`` (checked by :meth:`check_migration`); call under
        ``sim.lock``. The holding session ends when it succeeds if it moves every part left."""
        durations = mount.vm.durations
        session = self.open_session(
            session_type,
            QUICK_MIGRATION_JOB,
            who.username,
            starting_s=self.sim.scaled(durations.start),
            work_s=self.sim.scaled(durations.migrate),
            outcome=Outcome("Success", outcome),
            titles=titles,
            resource_id=mount.id,
            resource_path=self.path,
            parent=mount.session,
            platform=self.platform,
            created=now,
            subject=mount.name,
        )
        if set(parts) == set(mount.remaining(now)):
            ended = self._say(self.words.migrated, mount)
            mount.session.schedule_release(session.completes_at, Outcome("Success", ended), ended)
        mount.migrations.append(Migration(session, parts))
        return session

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a holding session unmounts; stopping a running migration cancels it (the
        parts stay mounted)."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.state.mounts.get(record.id)
            if mount is not None and mount.session is record:
                if mount.state(now) is not None:
                    self.unmount(mount.id, who)
                return
            mount = self.state.mounts.get(record.resource_id or record.id)
            running = mount.running_migration(now) if mount is not None else None
            if mount is not None and running is not None and running.session is record:
                self.sim.cancel(record, now, who.username, "migration")
                mount.session.cancel_release()
