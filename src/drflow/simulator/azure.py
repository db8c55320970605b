"""Instant recovery to Microsoft Azure: mounts, migration, switchover, unmount.

Life of a mount (its ``id`` is not a session id: the mount's sessions are listed under
``.../azure/vm/{mountId}/sessions``):

- start (201, the mount): ``Starting`` for ``start`` + ``mount`` seconds (+ ``boot`` when the
  spec asks ``verifyVMBoot``), then ``Ready``. An ``AzureInstantRecovery`` session covers the
  whole life of the mount: ``Working`` 100 % / ``Success`` while the VM runs in Azure (as a
  holding instant recovery session does), ``Stopped`` when the mount ends;
- migrate (201, the mount; only from ``Ready``): an ``AzureInstantRecoveryMigration`` session
  works for ``start`` + ``migrate`` seconds (mount ``Migrating``), then the switchover settings
  decide: ``Auto`` switches at once, ``Scheduled`` at ``scheduleTime`` (or when the migration
  ends, if later), ``Manual`` waits in ``ReadyToSwitch`` for ``POST .../switchover``.
  Switching is an ``AzureInstantRecoverySwitchover`` session of ``switchover`` seconds
  (+ ``boot`` when the switchover settings ask ``verifyVMBoot``); then the VM runs from Azure
  storage, the mount is ``Stopped`` and the instant recovery session ends ``Success``;
- switchover settings are readable at any time and changeable (PUT, 201) until switching
  starts; a change applies from the moment it is made (a switch never starts in the past);
  ``Scheduled`` needs a ``scheduleTime`` in the future. A switchover requested while the
  migration still runs happens as soon as it ends;
- unmount (201, the mount): ``Stopping`` for ``unmount`` seconds, then ``Stopped``; it cancels
  a running migration or a pending switchover, and is refused while switching.

Durations (estate ``azure.durations``) are scaled by the speed when the operation that needs
them starts (a switchover's when it is planned: migrate, settings change, switchover request).
Stopped mounts stay listed. The helper appliance must exist: the spec's ``appliance.subnet``
must be one the estate deployed an appliance in, for the same subscription and location.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drflow.vbr.models import (
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
)

from .auth import Principal
from .errors import ApiError, bad_request, not_found
from .estate import RestorePoint
from .listing import aware
from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .state import Simulator

MOUNT_PATH = "/api/v1/restore/instantRecovery/azure/vm"
AZURE_PLATFORMS = frozenset({"VMware", "HyperV", "WindowsPhysical", "LinuxPhysical"})

Settings = AzureInstantVMRecoverySwitchoverSettingsModel


@dataclass
class AzureMount:
    id: uuid.UUID
    spec: AzureInstantVMRecoverySpec
    point: RestorePoint
    vm_name: str
    session: SessionRecord
    initiated_by: str
    settings: Settings
    settings_at: datetime
    stop_s: float = 0.0
    migrate_s: float = 0.0
    switch_base_s: float = 0.0
    boot_s: float = 0.0
    migration: SessionRecord | None = None
    switch_requested_at: datetime | None = None
    switchover: SessionRecord | None = None
    switch_ids: tuple[uuid.UUID, uuid.UUID] | None = None
    stop_at: datetime | None = None

    # --- timeline -------------------------------------------------------------------------

    @property
    def ready_at(self) -> datetime:
        return self.session.completes_at

    @property
    def switch_s(self) -> float:
        return self.switch_base_s + (self.boot_s if self.settings.verify_vm_boot else 0.0)

    def switch_start(self) -> datetime | None:
        """When switching starts (or started); None while it is not planned."""
        if self.switchover is not None:
            return self.switchover.created
        if self.migration is None:
            return None
        migrated = self.migration.completes_at
        candidates = []
        if self.switch_requested_at is not None:
            candidates.append(max(self.switch_requested_at, migrated))
        kind = self.settings.type.value
        if kind == "Auto":
            candidates.append(max(migrated, self.settings_at))
        elif kind == "Scheduled" and self.settings.schedule_time is not None:
            candidates.append(max(migrated, self.settings_at, aware(self.settings.schedule_time)))
        if not candidates:
            return None
        start = min(candidates)
        if self.stop_at is not None and self.stop_at <= start:
            return None
        return start

    def switched_at(self, now: datetime) -> datetime | None:
        start = self.switch_start()
        if start is None:
            return None
        end = start + timedelta(seconds=self.switch_s)
        return end if now >= end else None

    def state(self, now: datetime) -> str:
        if self.stop_at is not None and now >= self.stop_at:
            return "Stopping" if now < self.stop_at + timedelta(seconds=self.stop_s) else "Stopped"
        start = self.switch_start()
        if start is not None and now >= start:
            return "Switching" if now < start + timedelta(seconds=self.switch_s) else "Stopped"
        if self.migration is not None:
            return "Migrating" if now < self.migration.completes_at else "ReadyToSwitch"
        return "Starting" if now < self.ready_at else "Ready"

    def sessions(self) -> list[SessionRecord]:
        return [s for s in (self.session, self.migration, self.switchover) if s is not None]

    # --- wire -----------------------------------------------------------------------------

    def to_model(self, now: datetime) -> AzureInstantVMRecoveryMount:
        return AzureInstantVMRecoveryMount(
            id=self.id, state=self.state(now), spec=self.spec, error_message=""
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        switched = self.switched_at(now)
        return {
            "kind": "AzureVM",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.vm_name,
            "reason": self.spec.reason,
            "sourceName": self.point.vm.name,
            "restorePointId": str(self.point.model.id),
            "subscriptionId": str(self.spec.subscription.subscription_id),
            "location": self.spec.subscription.location,
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
            "switchedOverAt": switched.isoformat() if switched else None,
        }


def _gone(state: str) -> bool:
    return state == "Stopped"


# --- operations ----------------------------------------------------------------------------


def get_mount(sim: Simulator, mount_id: uuid.UUID) -> AzureMount:
    mount = sim.azure_mounts.get(mount_id)
    if mount is None:
        raise not_found("Azure instant recovery mount point", mount_id)
    return mount


def start(sim: Simulator, spec: AzureInstantVMRecoverySpec, who: Principal) -> AzureMount:
    now = sim.now()
    with sim.lock:
        targets = sim.estate.extra.azure
        point = sim.estate.restore_points.get(spec.restore_point_id)
        if point is None:
            raise not_found("Restore point", spec.restore_point_id)
        if point.vm.platform not in AZURE_PLATFORMS:
            raise bad_request(
                f"restorePointId: instant recovery to Microsoft Azure is not supported for "
                f"restore point {point.model.id} ({point.model.platform_name.value} backup of "
                f"{point.vm.name}); it takes restore points of VMware or Hyper-V VMs and of "
                f"Veeam Agent backups.",
                point.model.id,
            )
        sub_id = spec.subscription.subscription_id
        subscription = targets.subscriptions.get(sub_id)
        if subscription is None:
            raise bad_request(
                f"subscription.subscriptionId: no Microsoft Azure subscription with ID {sub_id} "
                f"is registered on the backup server.",
                sub_id,
            )
        location = spec.subscription.location
        if location not in subscription.locations:
            raise bad_request(
                f"subscription.location: {location!r} is not a location of subscription "
                f"{subscription.name} ({', '.join(subscription.locations)})."
            )
        subnet = spec.appliance.subnet
        appliance = next(
            (a for a in targets.appliances if a.subnet.lower() == subnet.lower()), None
        )
        if appliance is None:
            raise bad_request(
                f"appliance.subnet: no Azure helper appliance is deployed in subnet {subnet}. "
                f"Deploy the helper appliance in that subnet on the backup server first "
                f"(it cannot be deployed through the REST API)."
            )
        if appliance.subscription_id != sub_id or appliance.location != location:
            raise bad_request(
                f"appliance.subnet: the helper appliance in subnet {subnet} serves location "
                f"{appliance.location} of subscription {appliance.subscription_id}, not "
                f"{location} of subscription {sub_id}."
            )
        account = spec.appliance.storage_account
        if account and account.lower() != appliance.storage_account.lower():
            raise bad_request(
                f"appliance.storageAccount: the helper appliance in subnet {subnet} uses storage "
                f"account {appliance.storage_account}, not {account}."
            )
        group = spec.resource_group
        if bool(group.resource_group) == bool(group.new_resource_group_name):
            raise bad_request(
                "resourceGroup: give either resourceGroup (an existing group) or "
                "newResourceGroupName (a group to create)."
            )
        network = spec.network
        if not network.subnet.lower().startswith(network.network.lower().rstrip("/") + "/subnets/"):
            raise bad_request(
                f"network.subnet: subnet {network.subnet} is not a subnet of virtual network "
                f"{network.network}."
            )
        disks = spec.vm_size.disks or []
        known = {disk.uid for disk in point.disks}
        for index, disk in enumerate(disks):
            if disk.disk_uid not in known:
                raise bad_request(
                    f"vmSize.disks[{index}].diskUid: restore point {point.model.id} has no disk "
                    f"{disk.disk_uid!r}.",
                    point.model.id,
                )
        if disks and not any(disk.include for disk in disks):
            raise bad_request("vmSize.disks: include at least one disk.")
        vm_name = (spec.name.name if spec.name and spec.name.name else None) or point.vm.name
        for other in sim.azure_mounts.values():
            state = other.state(now)
            if (
                not _gone(state)
                and other.vm_name.lower() == vm_name.lower()
                and other.spec.subscription.subscription_id == sub_id
            ):
                raise bad_request(
                    f"VM {vm_name} is already running in Microsoft Azure by instant recovery "
                    f"(mount point {other.id}, state {state}).",
                    other.id,
                )
        d = targets.durations
        verify = bool(spec.verify_vm_boot)
        mount_id, session_id, job_id = sim.new_id(), sim.new_id(), sim.new_id()
        date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
        session = SessionRecord(
            id=session_id,
            name=vm_name,
            job_id=job_id,
            session_type="AzureInstantRecovery",
            created=now,
            starting_s=sim.scaled(d.start),
            work_s=sim.scaled(d.mount + (d.boot if verify else 0.0)),
            outcome=Outcome("Success", f"VM {vm_name} is running in Microsoft Azure"),
            titles=LogTitles(
                started=f"Starting instant recovery of {point.vm.name} to Microsoft Azure "
                f"({subscription.name}, {location}) with the helper appliance in {subnet}",
                working=f"Publishing {point.vm.name} from the restore point of {date}",
                succeeded=[f"VM {vm_name} is running in Microsoft Azure"],
            ),
            hold=True,
            initiated_by=who.username,
            resource_id=mount_id,
            resource_reference=f"{MOUNT_PATH}/{mount_id}",
            platform_name=point.model.platform_name.value,
        )
        if verify:
            session.extra_logs.append(
                (
                    session.working_at + timedelta(seconds=sim.scaled(d.mount)),
                    "Succeeded",
                    f"Verifying that VM {vm_name} boots",
                )
            )
        sim.add_session(session)
        mount = AzureMount(
            id=mount_id,
            spec=spec,
            point=point,
            vm_name=vm_name,
            session=session,
            initiated_by=who.username,
            settings=Settings(type="Auto"),
            settings_at=now,
        )
        sim.azure_mounts[mount_id] = mount
        return mount


def unmount(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> AzureMount:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id)
        state = mount.state(now)
        if state in ("Stopping", "Stopped"):
            return mount
        if state == "Switching":
            raise bad_request(
                f"VM {mount.vm_name} is switching over to Azure storage; it can be stopped once "
                f"the switchover ends.",
                mount.id,
            )
        mount.stop_at = now
        mount.stop_s = sim.scaled(sim.estate.extra.azure.durations.unmount)
        migration = mount.migration
        if migration is not None and now < migration.completes_at:
            migration.request_stop(
                now,
                0.0,
                Outcome(
                    "Failed", f"Migration canceled: instant recovery stopped by {who.username}"
                ),
                title=f"Canceling migration of VM {mount.vm_name} (requested by {who.username})",
            )
            migration.usn = sim.next_usn()
        mount.session.request_stop(
            now,
            mount.stop_s,
            Outcome("Success", f"VM {mount.vm_name} has been removed from Microsoft Azure"),
            title=f"Stopping instant recovery of VM {mount.vm_name} (requested by {who.username})",
            stopped_title=f"VM {mount.vm_name} has been removed from Microsoft Azure",
        )
        mount.session.usn = sim.next_usn()
        return mount


def _check_settings(settings: Settings, now: datetime, field: str) -> None:
    kind = settings.type.value
    if kind == "Scheduled":
        when = aware(settings.schedule_time)
        if when is None:
            raise bad_request(f"{field}.scheduleTime: required when type is Scheduled.")
        if when <= now:
            raise bad_request(
                f"{field}.scheduleTime: {when.isoformat()} is in the past; a scheduled "
                f"switchover needs a time in the future (now: {now.isoformat()})."
            )


def _scale_switch(sim: Simulator, mount: AzureMount) -> None:
    """Durations of a switchover not started yet, at the current speed."""
    d = sim.estate.extra.azure.durations
    mount.switch_base_s, mount.boot_s = sim.scaled(d.switchover), sim.scaled(d.boot)


def _plan_release(mount: AzureMount) -> None:
    """(Re)plan the end of the instant recovery session at the end of the switchover."""
    start = mount.switch_start()
    if start is None:
        if mount.stop_at is None:
            mount.session.cancel_release()
        return
    end = start + timedelta(seconds=mount.switch_s)
    mount.session.schedule_release(
        end,
        Outcome("Success", f"VM {mount.vm_name} has been switched over to Azure storage"),
        f"VM {mount.vm_name} runs from Azure storage; instant recovery has ended",
    )


def migrate(
    sim: Simulator, mount_id: uuid.UUID, spec: AzureInstantVMRecoveryMigrationSpec, who: Principal
) -> AzureMount:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id)
        state = mount.state(now)
        if state != "Ready":
            raise bad_request(
                f"Cannot migrate VM {mount.vm_name}: the mount point is {state}, not Ready.",
                mount.id,
            )
        settings = spec.switchover_settings
        if settings is not None:
            _check_settings(settings, now, "switchoverSettings")
            mount.settings, mount.settings_at = settings, now
        else:
            mount.settings_at = now
        mount.migrate_s = sim.scaled(sim.estate.extra.azure.durations.migrate)
        _scale_switch(sim, mount)
        session = SessionRecord(
            id=sim.new_id(),
            name=mount.vm_name,
            job_id=sim.new_id(),
            session_type="AzureInstantRecoveryMigration",
            created=now,
            starting_s=sim.scaled(sim.estate.extra.azure.durations.start),
            work_s=mount.migrate_s,
            outcome=Outcome("Success", f"Disks of VM {mount.vm_name} moved to Azure storage"),
            titles=LogTitles(
                started=f"Starting migration of VM {mount.vm_name} to Azure storage "
                f"(switchover: {mount.settings.type.value})",
                working=f"Moving disks of VM {mount.vm_name} to Azure managed disks",
                succeeded=[f"Disks of VM {mount.vm_name} moved to Azure storage"],
            ),
            initiated_by=who.username,
            resource_id=mount.id,
            resource_reference=f"{MOUNT_PATH}/{mount.id}",
            platform_name=mount.session.platform_name,
            parent_session_id=mount.session.id,
        )
        sim.add_session(session)
        mount.migration = session
        mount.switch_ids = (sim.new_id(), sim.new_id())
        _plan_release(mount)
        return mount


def get_settings(sim: Simulator, mount_id: uuid.UUID) -> Settings:
    with sim.lock:
        return get_mount(sim, mount_id).settings


def update_settings(sim: Simulator, mount_id: uuid.UUID, settings: Settings) -> Settings:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id)
        state = mount.state(now)
        if state in ("Switching", "Stopping", "Stopped"):
            raise bad_request(
                f"Cannot change the switchover settings of VM {mount.vm_name}: the mount point "
                f"is {state}.",
                mount.id,
            )
        _check_settings(settings, now, "request body")
        mount.settings, mount.settings_at = settings, now
        _scale_switch(sim, mount)
        _plan_release(mount)
        settle(sim, now)
        return mount.settings


def switchover(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> AzureMount:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id)
        state = mount.state(now)
        if state == "Switching" or (state == "Stopped" and mount.switched_at(now) is not None):
            return mount
        if state not in ("Migrating", "ReadyToSwitch"):
            raise bad_request(
                f"Cannot switch VM {mount.vm_name} over: the mount point is {state}; switchover "
                f"follows a migration (Migrating or ReadyToSwitch).",
                mount.id,
            )
        if mount.switch_requested_at is None:
            mount.switch_requested_at = now
            _scale_switch(sim, mount)
            mount.session.extra_logs.append(
                (now, "Succeeded", f"Switchover of VM {mount.vm_name} requested by {who.username}")
            )
        _plan_release(mount)
        settle(sim, now)
        return mount


def settle(sim: Simulator, now: datetime) -> None:
    """Bring into being the switchover sessions whose start is due by ``now``.

    Called by :meth:`Simulator.now`, so a switchover planned by the settings appears (with its
    planned creation time and a pre-drawn id) before anyone looks at the sessions.
    """
    mounts = getattr(sim, "azure_mounts", None)
    if not mounts:
        return
    with sim.lock:
        for mount in mounts.values():
            if mount.switchover is not None or mount.migration is None:
                continue
            start = mount.switch_start()
            if start is None or start > now:
                continue
            assert mount.switch_ids is not None
            session_id, job_id = mount.switch_ids
            power = " and powering it on" if mount.settings.power_on_vm is not False else ""
            record = SessionRecord(
                id=session_id,
                name=mount.vm_name,
                job_id=job_id,
                session_type="AzureInstantRecoverySwitchover",
                created=start,
                starting_s=0.0,
                work_s=mount.switch_s,
                outcome=Outcome(
                    "Success", f"VM {mount.vm_name} has been switched over to Azure storage"
                ),
                titles=LogTitles(
                    started=f"Starting switchover of VM {mount.vm_name} "
                    f"({mount.settings.type.value})",
                    working=f"Switching VM {mount.vm_name} to its migrated disks{power}",
                    succeeded=[f"VM {mount.vm_name} has been switched over to Azure storage"],
                ),
                initiated_by=mount.initiated_by,
                resource_id=mount.id,
                resource_reference=f"{MOUNT_PATH}/{mount.id}",
                platform_name=mount.session.platform_name,
                parent_session_id=mount.session.id,
            )
            if mount.settings.verify_vm_boot:
                record.extra_logs.append(
                    (
                        start + timedelta(seconds=mount.switch_base_s),
                        "Succeeded",
                        f"Verifying that VM {mount.vm_name} boots",
                    )
                )
            mount.switchover = record
            sim.add_session(record)


def list_mounts(sim: Simulator) -> list[AzureMount]:
    with sim.lock:
        return sorted(sim.azure_mounts.values(), key=lambda m: m.session.created)


def describe_mounts(sim: Simulator, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
    """Entries of ``GET /_sim/mounts`` (a ``Stopped`` mount is gone)."""
    with sim.lock:
        return [
            mount.describe(now)
            for mount in list_mounts(sim)
            if include_gone or not _gone(mount.state(now))
        ]


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> bool:
    """``POST /sessions/{id}/stop`` for the sessions of Azure mounts: stopping the instant
    recovery session or a running migration stops the mount (as an unmount does); a switchover
    runs to its end. True when ``record`` belongs to an Azure mount."""
    with sim.lock:
        for mount in sim.azure_mounts.values():
            if record is mount.session or record is mount.migration:
                with contextlib.suppress(ApiError):  # switching over: it cannot be stopped
                    unmount(sim, mount.id, who)
                return True
            if record is mount.switchover:
                return True
        return False
