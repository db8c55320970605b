"""The operations of instant recovery to Microsoft Azure (see the package docstring)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import AzureInstantVMRecoveryMigrationSpec, AzureInstantVMRecoverySpec

from ...auth import Principal
from ...errors import ApiError, bad_request, not_found
from ...sessions import LogTitles, Outcome, SessionRecord
from ...workload import Workload, WorkloadState
from ..switchover import Switchover, check_settings
from .mount import AzureMount, Settings

MOUNT_PATH = "/api/v1/restore/instantRecovery/azure/vm"
AZURE_PLATFORMS = frozenset({"VMware", "HyperV", "WindowsPhysical", "LinuxPhysical"})


@dataclass
class AzureState(WorkloadState):
    mounts: dict[uuid.UUID, AzureMount] = field(default_factory=dict)
    pending: set[uuid.UUID] = field(default_factory=set)
    """Mounts whose switchover session may still come into being (:meth:`settle`)."""


class AzureWorkload(Workload[AzureState]):
    """Instant recovery to Microsoft Azure."""

    kind = "azure"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> AzureState:
        return AzureState()

    def get(self, mount_id: uuid.UUID) -> AzureMount:
        """Get an instant recovery mount point of a machine recovered to Microsoft Azure."""
        mount = self.state.mounts.get(mount_id)
        if mount is None:
            raise not_found("Azure instant recovery mount point", mount_id)
        return mount

    @contextlib.contextmanager
    def _mount(self, mount_id: uuid.UUID) -> Iterator[tuple[AzureMount, str, datetime]]:
        """Under the simulator's lock: the mount ``mount_id`` (404 when unknown), its state
        and the time it was read at (taken before the lock)."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id)
            yield mount, mount.state(now), now

    def start(self, spec: AzureInstantVMRecoverySpec, who: Principal) -> AzureMount:
        """Start instant recovery of a machine to Microsoft Azure."""
        sim = self.sim
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
                    f"subscription.subscriptionId: no Microsoft Azure subscription with ID "
                    f"{sub_id} is registered on the backup server.",
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
                    f"appliance.storageAccount: the helper appliance in subnet {subnet} uses "
                    f"storage account {appliance.storage_account}, not {account}."
                )
            group = spec.resource_group
            if bool(group.resource_group) == bool(group.new_resource_group_name):
                raise bad_request(
                    "resourceGroup: give either resourceGroup (an existing group) or "
                    "newResourceGroupName (a group to create)."
                )
            network = spec.network
            if not network.subnet.lower().startswith(
                network.network.lower().rstrip("/") + "/subnets/"
            ):
                raise bad_request(
                    f"network.subnet: subnet {network.subnet} is not a subnet of virtual network "
                    f"{network.network}."
                )
            disks = spec.vm_size.disks or []
            known = {disk.uid for disk in point.disks}
            for index, disk in enumerate(disks):
                if disk.disk_uid not in known:
                    raise bad_request(
                        f"vmSize.disks[{index}].diskUid: restore point {point.model.id} has no "
                        f"disk {disk.disk_uid!r}.",
                        point.model.id,
                    )
            if disks and not any(disk.include for disk in disks):
                raise bad_request("vmSize.disks: include at least one disk.")
            vm_name = (spec.name.name if spec.name and spec.name.name else None) or point.vm.name
            for other in self.state.mounts.values():
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
            mount_id = sim.new_id()
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            session = self.open_session(
                "AzureInstantRecovery",
                vm_name,
                who.username,
                starting_s=sim.scaled(d.start),
                work_s=sim.scaled(d.mount + (d.boot if verify else 0.0)),
                outcome=Outcome("Success", f"VM {vm_name} is running in Microsoft Azure"),
                titles=LogTitles(
                    started=f"Starting instant recovery of {point.vm.name} to Microsoft Azure "
                    f"({subscription.name}, {location}) with the helper appliance in {subnet}",
                    working=f"Publishing {point.vm.name} from the restore point of {date}",
                    succeeded=[f"VM {vm_name} is running in Microsoft Azure"],
                ),
                resource_id=mount_id,
                resource_path=MOUNT_PATH,
                platform=point.model.platform_name.value,
                hold=True,
                created=now,
            )
            if verify:
                session.extra_logs.append(
                    (
                        session.working_at + timedelta(seconds=sim.scaled(d.mount)),
                        "Succeeded",
                        f"Verifying that VM {vm_name} boots",
                    )
                )
            mount = AzureMount(
                id=mount_id,
                spec=spec,
                point=point,
                vm_name=vm_name,
                session=session,
                initiated_by=who.username,
                switch=Switchover(Settings(type="Auto"), now),
            )
            self.state.mounts[mount_id] = mount
            self.state.starts.record(spec.reason, target=point.vm.name)
            return mount

    def unmount(self, mount_id: uuid.UUID, who: Principal) -> AzureMount:
        """Stop a machine recovered to Microsoft Azure (it cancels a migration)."""
        sim = self.sim
        with self._mount(mount_id) as (mount, state, now):
            if state in ("Stopping", "Stopped"):
                return mount
            if state == "Switching":
                raise bad_request(
                    f"VM {mount.vm_name} is switching over to Azure storage; it can be stopped "
                    f"once the switchover ends.",
                    mount.id,
                )
            mount.stop_at = now
            mount.stop_s = sim.scaled(sim.estate.extra.azure.durations.unmount)
            migration = mount.migration
            if migration is not None and now < migration.completes_at:
                sim.request_stop(
                    migration,
                    now,
                    0.0,
                    Outcome(
                        "Failed", f"Migration canceled: instant recovery stopped by {who.username}"
                    ),
                    title=f"Canceling migration of VM {mount.vm_name} "
                    f"(requested by {who.username})",
                )
            sim.stop(
                mount.session,
                now,
                mount.stop_s,
                title=f"Stopping instant recovery of VM {mount.vm_name} "
                f"(requested by {who.username})",
                done=f"VM {mount.vm_name} has been removed from Microsoft Azure",
            )
            return mount

    def _scale_switch(self, mount: AzureMount) -> None:
        """Durations of a switchover not started yet, at the current speed."""
        sim = self.sim
        d = sim.estate.extra.azure.durations
        mount.switch_base_s = sim.scaled(d.switchover)
        boot = sim.scaled(d.boot) if mount.switch.settings.verify_vm_boot else 0.0
        mount.switch.seconds = mount.switch_base_s + boot

    def migrate(
        self, mount_id: uuid.UUID, spec: AzureInstantVMRecoveryMigrationSpec, who: Principal
    ) -> AzureMount:
        """Start migrating a machine recovered to Microsoft Azure to Azure storage."""
        sim = self.sim
        with self._mount(mount_id) as (mount, state, now):
            if state != "Ready":
                raise bad_request(
                    f"Cannot migrate VM {mount.vm_name}: the mount point is {state}, not Ready.",
                    mount.id,
                )
            settings = spec.switchover_settings
            if settings is not None:
                check_settings(settings, now, "switchoverSettings")
                mount.switch.change(settings, now)
            else:
                mount.switch.change(mount.switch.settings, now)
            mount.migrate_s = sim.scaled(sim.estate.extra.azure.durations.migrate)
            self._scale_switch(mount)
            session = self.open_session(
                "AzureInstantRecoveryMigration",
                mount.vm_name,
                who.username,
                starting_s=sim.scaled(sim.estate.extra.azure.durations.start),
                work_s=mount.migrate_s,
                outcome=Outcome("Success", f"Disks of VM {mount.vm_name} moved to Azure storage"),
                titles=LogTitles(
                    started=f"Starting migration of VM {mount.vm_name} to Azure storage "
                    f"(switchover: {mount.switch.settings.type.value})",
                    working=f"Moving disks of VM {mount.vm_name} to Azure managed disks",
                    succeeded=[f"Disks of VM {mount.vm_name} moved to Azure storage"],
                ),
                resource_id=mount.id,
                resource_path=MOUNT_PATH,
                parent=mount.session,
                platform=mount.session.platform_name,
                created=now,
            )
            mount.migration = session
            mount.switch_ids = (sim.new_id(), sim.new_id())
            self.state.pending.add(mount.id)
            _plan_release(mount)
            return mount

    def get_settings(self, mount_id: uuid.UUID) -> Settings:
        """Get the switchover settings of a mount point in Microsoft Azure."""
        with self.sim.lock:
            return self.get(mount_id).switch.settings

    def update_settings(self, mount_id: uuid.UUID, settings: Settings) -> Settings:
        """Change the switchover settings of a mount point in Microsoft Azure."""
        with self._mount(mount_id) as (mount, state, now):
            if state in ("Switching", "Stopping", "Stopped"):
                raise bad_request(
                    f"Cannot change the switchover settings of VM {mount.vm_name}: the mount point "
                    f"is {state}.",
                    mount.id,
                )
            check_settings(settings, now, "request body")
            mount.switch.change(settings, now)
            self._scale_switch(mount)
            _plan_release(mount)
            self.settle(now)
            return settings

    def switchover(self, mount_id: uuid.UUID, who: Principal) -> AzureMount:
        """Switch a migrated machine in Microsoft Azure over to Azure storage."""
        with self._mount(mount_id) as (mount, state, now):
            if state == "Switching" or (state == "Stopped" and mount.switched_at(now) is not None):
                return mount
            if state not in ("Migrating", "ReadyToSwitch"):
                raise bad_request(
                    f"Cannot switch VM {mount.vm_name} over: the mount point is {state}; "
                    f"switchover follows a migration (Migrating or ReadyToSwitch).",
                    mount.id,
                )
            if mount.switch.requested_at is None:
                mount.switch.requested_at = now
                self._scale_switch(mount)
                mount.session.extra_logs.append(
                    (
                        now,
                        "Succeeded",
                        f"Switchover of VM {mount.vm_name} requested by {who.username}",
                    )
                )
            _plan_release(mount)
            self.settle(now)
            return mount

    def settle(self, now: datetime) -> None:
        """Bring into being the switchover sessions whose start is due by ``now``, with their
        planned creation time and pre-drawn ids (O(mounts whose switchover is pending))."""
        pending = self.state.pending
        with self.sim.lock:
            for mount_id in list(pending):
                mount = self.state.mounts[mount_id]
                start = mount.switch_start()
                if start is None and mount.stop_at is not None:
                    pending.discard(mount_id)  # stopped before switching: it never will
                if start is None or start > now:
                    continue
                pending.discard(mount_id)
                mount.switchover = self._switchover_session(mount, start)

    def _switchover_session(self, mount: AzureMount, start: datetime) -> SessionRecord:
        settings = mount.switch.settings
        power = " and powering it on" if settings.power_on_vm is not False else ""
        done = f"VM {mount.vm_name} has been switched over to Azure storage"
        record = self.open_session(
            "AzureInstantRecoverySwitchover",
            mount.vm_name,
            mount.initiated_by,
            starting_s=0.0,
            work_s=mount.switch.seconds,
            outcome=Outcome("Success", done),
            titles=LogTitles(
                started=f"Starting switchover of VM {mount.vm_name} ({settings.type.value})",
                working=f"Switching VM {mount.vm_name} to its migrated disks{power}",
                succeeded=[done],
            ),
            resource_id=mount.id,
            resource_path=MOUNT_PATH,
            parent=mount.session,
            platform=mount.session.platform_name,
            ids=mount.switch_ids,
            created=start,
        )
        if settings.verify_vm_boot:
            record.extra_logs.append(
                (
                    start + timedelta(seconds=mount.switch_base_s),
                    "Succeeded",
                    f"Verifying that VM {mount.vm_name} boots",
                )
            )
        return record

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        """Entries of ``GET /_sim/mounts`` (a ``Stopped`` mount is gone)."""
        with self.sim.lock:
            return [
                mount.describe(now)
                for mount in self.state.mounts.values()
                if include_gone or not _gone(mount.state(now))
            ]

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping the instant recovery session or a running migration stops the mount (as an
        unmount does); a switchover runs to its end."""
        with self.sim.lock:
            mount = self.state.mounts.get(record.resource_id or record.id)
            if mount is not None and record in (mount.session, mount.migration):
                with contextlib.suppress(ApiError):  # switching over: it cannot be stopped
                    self.unmount(mount.id, who)


def _plan_release(mount: AzureMount) -> None:
    """(Re)plan the end of the instant recovery session at the end of the switchover."""
    start = mount.switch_start()
    if start is None:
        if mount.stop_at is None:
            mount.session.cancel_release()
        return
    end = start + timedelta(seconds=mount.switch.seconds)
    mount.session.schedule_release(
        end,
        Outcome("Success", f"VM {mount.vm_name} has been switched over to Azure storage"),
        f"VM {mount.vm_name} runs from Azure storage; instant recovery has ended",
    )


def _gone(state: str) -> bool:
    return state == "Stopped"
