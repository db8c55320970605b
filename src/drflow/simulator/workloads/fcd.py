"""Instant recovery of vSphere First Class Disks (``/api/v1/restore/instantRecovery/vSphere/fcd``).

The mount's life is :mod:`~drflow.simulator.workloads.mounts`' (its parts are the mounted
disks):

- start (201, the ``FirstClassDiskInstantRestore`` session; mount ``id`` == session id): the
  disks of ``disksMapping`` (each ``nameInBackup`` a disk of the restore point, as
  ``GET /restorePoints/{id}/disks`` names them) are published on ``destinationCluster``; once
  ``Mounted`` the mount lists them in ``mountedDisks``, each with a vSphere FCD ``objectId``;
- dismount (200, the same session);
- migrate (200, a new ``FirstClassDiskQuickMigration`` session): moves ``mountedDiskNames``
  (all mounted disks when omitted) to ``targetDatastore`` (with ``storagePolicy``) in
  ``migrate`` seconds. Migrated disks leave the mount; once none is left the mount is gone.

Requests are checked as VBR would: unknown restore point 404; a restore point without
``StartFCDInstantRecovery``, a destination that is not a vSphere cluster, an empty or unknown
disk mapping, duplicate names (also against other live FCD mounts), a write cache redirect
without ``cacheDatastore``, or a migration target that is not a vSphere datastore: 400 naming
the field. The FCD spec has no ``reason``: the registered FCD names carry drflow's run mark.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from drflow.vbr.models import SessionModel
from drflow.vbr.models.fcd import (
    VmwareFcdInstantRecoveryDiskInfo,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsOrderColumn,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from drflow.vbr.models.inventory import VmwareObjectModel
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from ..auth import Principal
from ..errors import bad_request
from ..estate import RestorePoint
from ..points import find_point
from ..routes._common import ListQuery
from ..routes.operations import Operations
from ..sessions import LogTitles, SessionRecord
from .mounts import DISMOUNTING, FAILED, MOUNTED, Mount, MountWords, MountWorkload

PATH = "/api/v1/restore/instantRecovery/vSphere/fcd"

FcdMount = Mount[VmwareFcdInstantRecoverySpec]

# "Name" sorts by the source machine's name, then by the first registered FCD name (the mount
# itself has no name).
_SORT = {
    "State": lambda pair: pair[1],
    "Name": lambda pair: (
        pair[0].name.lower(),
        pair[0].spec.disks_mapping[0].registered_fcd_name.lower(),
    ),
}


class FcdWorkload(MountWorkload[VmwareFcdInstantRecoverySpec]):
    """Instant recovery of First Class Disks."""

    kind = "fcd"
    router = APIRouter(tags=["Restore"])
    session_type = "FirstClassDiskInstantRestore"
    platform = "VMware"
    path = PATH
    words = MountWords(
        what="FCD mount point",
        busy="Disks of mount point {id} are being migrated (session {session}); stop the "
        "migration first.",
        migrating="Disks of mount point {id} are already being migrated (session {session}).",
        not_mounted="Cannot migrate the disks of mount point {id}: it is {state}, not Mounted.",
        unmounting="Dismounting FCDs (requested by {who})",
        unmounted="Disks of {name} have been dismounted",
        migrated="Disks of {name} have been migrated to production",
    )

    def start(self, spec: VmwareFcdInstantRecoverySpec, who: Principal) -> SessionRecord:
        """Start Instant FCD Recovery."""
        now = self.sim.now()
        with self.sim.lock:
            point = find_point(
                self.sim, spec.restore_point_id, "StartFCDInstantRecovery", "Instant FCD Recovery"
            )
            cluster = self._check(spec, point, now)
            vm = point.vm
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            registered = [d.registered_fcd_name for d in spec.disks_mapping]
            mount = self.open(
                spec,
                point,
                who,
                now,
                name=vm.name,
                place=cluster,
                parts=[d.mounted_disk_name for d in spec.disks_mapping],
                outcome=f"Disks of {vm.name} have been published as FCDs",
                titles=LogTitles(
                    started=f"Starting Instant FCD Recovery of {vm.name} to cluster {cluster}",
                    working=f"Publishing disks {', '.join(registered)} from the restore point "
                    f"of {date}",
                    succeeded=[f"Disk {name} has been registered as an FCD" for name in registered],
                ),
            )
            cache = spec.write_cache
            if cache is not None and cache.redirect_is_enabled and cache.cache_datastore:
                session = mount.session
                session.extra_logs.append(
                    (
                        session.working_at,
                        "Succeeded",
                        f"Redirecting writes to datastore {cache.cache_datastore.name}",
                    )
                )
            self.state.starts.record(*registered, target=vm.name)
            return mount.session

    def _check(self, spec: VmwareFcdInstantRecoverySpec, point: RestorePoint, now: datetime) -> str:
        """Validate the request against the restore point; the destination cluster's name."""
        cluster = spec.destination_cluster
        if not isinstance(cluster, VmwareObjectModel):
            raise bad_request("destinationCluster.platform: must be VSphere (a vSphere cluster)")
        if cluster.type.value != "Cluster":
            raise bad_request(
                f"destinationCluster.type: must be Cluster, not {cluster.type.value!r}"
            )
        if not spec.disks_mapping:
            raise bad_request("disksMapping: at least one disk is required")
        names = {disk.name for disk in point.disks}
        seen: dict[str, set[str]] = {
            "nameInBackup": set(),
            "mountedDiskName": set(),
            "registeredFcdName": set(),
        }
        for index, disk in enumerate(spec.disks_mapping):
            where = f"disksMapping[{index}]"
            if disk.name_in_backup not in names:
                raise bad_request(
                    f"{where}.nameInBackup: restore point {point.model.id} has no disk "
                    f"{disk.name_in_backup!r} (disks: {', '.join(sorted(names))})",
                    point.model.id,
                )
            for key, value in (
                ("nameInBackup", disk.name_in_backup),
                ("mountedDiskName", disk.mounted_disk_name),
                ("registeredFcdName", disk.registered_fcd_name),
            ):
                if not value.strip():
                    raise bad_request(f"{where}.{key}: must not be empty")
                if value.lower() in seen[key]:
                    raise bad_request(f"{where}.{key}: {value!r} is given twice")
                seen[key].add(value.lower())
        cache = spec.write_cache
        if cache is not None and cache.redirect_is_enabled:
            if cache.cache_datastore is None:
                raise bad_request(
                    "writeCache.cacheDatastore: required when redirectIsEnabled is true"
                )
            if not isinstance(cache.cache_datastore, VmwareObjectModel):
                raise bad_request("writeCache.cacheDatastore.platform: must be VSphere")
        for other, state in self.live(now):
            if state == FAILED:
                continue
            taken = {d.registered_fcd_name.lower() for d in other.spec.disks_mapping}
            clash = seen["registeredFcdName"] & taken
            if clash:
                raise bad_request(
                    f"disksMapping: an FCD named {sorted(clash)[0]!r} is already registered by "
                    f"mount point {other.id}.",
                    other.id,
                )
        return cluster.name

    def migrate_disks(
        self, mount_id: uuid.UUID, spec: VmwareFcdQuickMigrationSpec, who: Principal
    ) -> SessionRecord:
        """Start migrating recovered FCDs to production."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id, now)
            self.check_migration(mount, now)
            datastore = spec.target_datastore
            if not isinstance(datastore, VmwareObjectModel):
                raise bad_request("targetDatastore.platform: must be VSphere (a vSphere datastore)")
            if datastore.type.value not in ("Datastore", "DatastoreCluster"):
                raise bad_request(
                    f"targetDatastore.type: must be Datastore or DatastoreCluster, not "
                    f"{datastore.type.value!r}"
                )
            policy = spec.storage_policy
            if policy is not None and (
                not isinstance(policy, VmwareObjectModel) or policy.type.value != "StoragePolicy"
            ):
                raise bad_request("storagePolicy: must be a vSphere object of type StoragePolicy")
            remaining = mount.remaining(now)
            disks = list(spec.mounted_disk_names or remaining)
            for index, name in enumerate(disks):
                if name not in remaining:
                    raise bad_request(
                        f"mountedDiskNames[{index}]: {name!r} is not a disk mounted by mount "
                        f"point {mount.id} (mounted: {', '.join(remaining)})",
                        mount.id,
                    )
            if len(set(disks)) != len(disks):
                raise bad_request("mountedDiskNames: a disk is listed twice")
            target = datastore.name + (f" (storage policy {policy.name})" if policy else "")
            listed = ", ".join(disks)
            return self.migrate(
                mount,
                disks,
                who,
                now,
                session_type="FirstClassDiskQuickMigration",
                outcome=f"Disks {listed} have been migrated to {target}",
                titles=LogTitles(
                    started=f"Starting migration of disks {listed} to datastore {target}",
                    working=f"Migrating FCDs of {mount.name}",
                    succeeded=[f"Disk {name} has been migrated to {target}" for name in disks],
                ),
            )

    def to_model(self, mount: FcdMount, now: datetime) -> VmwareFcdInstantRecoveryMount:
        state = mount.state(now)
        disks = None
        if state in (MOUNTED, DISMOUNTING) and not (mount.fails and now >= mount.mounted_at):
            left = set(mount.remaining(now))
            disks = [
                VmwareFcdInstantRecoveryDiskInfo(
                    name_in_backup=d.name_in_backup,
                    mounted_disk_name=d.mounted_disk_name,
                    registered_fcd_name=d.registered_fcd_name,
                    object_id=str(uuid.uuid5(mount.id, d.mounted_disk_name)),
                )
                for d in mount.spec.disks_mapping
                if d.mounted_disk_name in left
            ]
        return VmwareFcdInstantRecoveryMount(
            id=mount.id,
            session_id=mount.session.id,
            state=state,
            spec=mount.spec,
            error_message=mount.error_message(now) or None,
            mounted_disks=disks,
        )

    def all_mounts(self, query: ListQuery) -> JSONResponse:
        """Get all FCD instant recovery mount points."""
        return self.list_page(query, _SORT)

    def describe(self, mount: FcdMount, now: datetime) -> dict[str, Any]:
        names = [d.registered_fcd_name for d in mount.spec.disks_mapping]
        return {
            "kind": "vSphereFCD",
            "id": str(mount.id),
            "sessionId": str(mount.session.id),
            "state": mount.state(now) or "Gone",
            "name": mount.name,
            "sourceVm": mount.name,
            "cluster": mount.place,
            # the FCD spec has no reason: the registered FCD names are the nearest field
            "reason": ", ".join(names),
            "registeredFcdNames": names,
            "mountedDisks": mount.remaining(now),
            "restorePointId": str(mount.restore_point.model.id),
            "initiatedBy": mount.initiated_by,
            "createdAt": mount.session.created.isoformat(),
        }


api = Operations(FcdWorkload, PATH)
api.post(
    "",
    "InstantRecoveryVmwareFcdMountWithSession",
    FcdWorkload.start,
    SessionModel,
    201,
    body=VmwareFcdInstantRecoverySpec,
)
api.get(
    "/{mountId}",
    "GetVmwareFcdInstantRecoveryMountModel",
    FcdWorkload.read,
    VmwareFcdInstantRecoveryMount,
)
api.post(
    "/{mountId}/dismount",
    "InstantRecoveryVmwareFcdDismountWithSession",
    FcdWorkload.unmount,
    SessionModel,
)
api.post(
    "/{mountId}/migrate",
    "InstantRecoveryVmwareFcdMigrateWithSession",
    FcdWorkload.migrate_disks,
    SessionModel,
    body=VmwareFcdQuickMigrationSpec,
)
api.list(
    "",
    "GetAllVmwareFcdInstantRecoveryMountModels",
    FcdWorkload.all_mounts,
    VmwareFcdInstantRecoveryMountsResult,
    order=VmwareFcdInstantRecoveryMountsOrderColumn,
    state=InstantRecoveryMountState,
)
