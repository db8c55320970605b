"""Entire VM restore (vSphere, Hyper-V, Cloud Director): restore → track the session → verify.

Unlike instant recovery nothing is mounted: the restore session writes the VM to production
storage and its result is final, so there is no decision after verification (``then`` is
always ``keep``; ``ask`` does not apply). What the run holds while it runs is the restore
session: if the run fails before the session ends (timeout), is cancelled or crashes, the
session is stopped.
"""

from typing import Literal, Self

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from drflow.tasks import (
    get_restore_point_disks,
    restore_cloud_director_vm,
    restore_hyperv_vm,
    restore_vsphere_vm,
    select_restore_point,
)
from drflow.vbr.models import (
    CloudDirectorObjectModel,
    CloudDirectorRestoreTargetDatastoreSpec,
    EntireCloudDirectorVMCustomizedRestoreSpec,
    EntireCloudDirectorVMOriginalLocationRestoreSpec,
    EntireCloudDirectorVMRestoreLocationModel,
    EntireHvVMCustomizedRestoreSpec,
    EntireHvVMOriginalLocationRestoreSpec,
    EntireViVMCustomizedRestoreSpec,
    EntireViVMOriginalLocationRestoreSpec,
    HvRestoreTargetDatastoreSpec,
    HvRestoreTargetDatastoresSpec,
    HvRestoreTargetNameSpec,
    HyperVObjectModel,
    ObjectRestorePointModel,
    RestoreTargetDatastoreSpec,
    RestoreTargetDatastoresSpec,
    RestoreTargetFolderSpec,
    SecureRestoreSpec,
    SessionModel,
    VmwareObjectModel,
)
from drflow.vbr.models.backups import PlatformType, RestorePointOperation
from drflow.vbr.models.inventory import (
    CloudDirectorInventoryType,
    HyperVInventoryType,
    VmwareInventoryType,
)

from .engine import (
    CLEANUP_HOOKS,
    RecoveryParams,
    RecoveryReport,
    RestoreStrategy,
    reason,
    run_recovery,
)

Platform = Literal["vsphere", "hyperv", "cloud_director"]

_POINTS: dict[str, tuple[PlatformType, RestorePointOperation]] = {
    "vsphere": (PlatformType.VMWARE, RestorePointOperation.START_ENTIRE_VM_RESTORE),
    "hyperv": (PlatformType.HYPERV, RestorePointOperation.START_ENTIRE_VM_RESTORE_HYPERV),
    "cloud_director": (
        PlatformType.CLOUD_DIRECTOR,
        RestorePointOperation.START_ENTIRE_VM_RESTORE_CLOUD_DIRECTOR,
    ),
}


class RestoreTarget(BaseModel):
    """Where a customized restore puts the VM. Which fields apply depends on the platform."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the restored VM; unset: the original name (Cloud Director: required).",
    )
    server: str | None = Field(
        default=None,
        description="Server the objects below belong to, as VBR knows it: the vCenter, the "
        "Hyper-V server or the Cloud Director server. Required with any of them.",
    )
    host: str | None = Field(default=None, description="vSphere/Hyper-V: destination host.")
    host_object_id: str | None = Field(
        default=None, description="Hyper-V: VBR inventory object id of the host (required)."
    )
    folder: str | None = Field(
        default=None, description="vSphere: VM folder (required to rename the VM)."
    )
    resource_pool: str | None = Field(default=None, description="vSphere: resource pool.")
    datastore: str | None = Field(
        default=None,
        description="vSphere: datastore for the configuration and every disk; Cloud "
        "Director: datastore.",
    )
    storage_policy: str | None = Field(
        default=None, description="Cloud Director: storage policy (with datastore)."
    )
    path: str | None = Field(
        default=None, description="Hyper-V: folder for the configuration files and disks."
    )
    vapp: str | None = Field(default=None, description="Cloud Director: vApp (required).")

    def problems(self, platform: Platform) -> list[str]:
        """What this target lacks or has too much of on ``platform`` (field names)."""
        fields = {
            "vsphere": {"name", "server", "host", "folder", "resource_pool", "datastore"},
            "hyperv": {"name", "server", "host", "host_object_id", "path"},
            "cloud_director": {"name", "server", "vapp", "datastore", "storage_policy"},
        }[platform]
        given = {name for name, value in self if value is not None}
        problems = [
            f"target.{name} does not apply to {platform}" for name in sorted(given - fields)
        ]
        if given & {"host", "folder", "resource_pool", "datastore", "vapp"} and not self.server:
            problems.append("target.server is needed with host/folder/datastore/vapp")
        if platform == "vsphere" and self.name and not self.folder:
            problems.append("target.folder is needed to rename a vSphere VM")
        if platform == "hyperv" and self.host and not self.host_object_id:
            problems.append("target.host_object_id is needed with target.host")
        if platform == "cloud_director":
            problems += [
                f"target.{n} is required" for n in ("name", "vapp") if not getattr(self, n)
            ]
        if self.storage_policy and not self.datastore:
            problems.append("target.storage_policy needs target.datastore")
        return problems


class EntireVMRestoreParams(RecoveryParams):
    """Restore an entire VM from its backup (vSphere, Hyper-V or Cloud Director).

    ``then`` and ``ask`` do not apply: a restore is permanent, the restored VM stays.
    """

    vm: str = Field(min_length=1, description="Name of the VM as it appears in its backup.")
    platform: Platform = Field(
        default="vsphere", description="vsphere, hyperv or cloud_director (where it is restored)."
    )
    location: Literal["original", "customized"] = Field(
        default="original",
        description="original: over the VM where it ran (replaces it); customized: to target.",
    )
    target: RestoreTarget | None = Field(
        default=None, description="Where to restore (needed for location=customized)."
    )
    allow_overwrite: bool = Field(
        default=False,
        description="Allow replacing an existing VM: required for location=original (it "
        "replaces the production VM), and lets a customized restore replace a VM of the same "
        "name. Without it a restore never overwrites anything.",
    )
    quick_rollback: bool = Field(
        default=False,
        description="Restore only the blocks changed since the point (location=original; "
        "the original VM must exist).",
    )
    power_up: bool = Field(default=True, description="Power the VM on after the restore.")
    then: Literal["keep"] = Field(
        default="keep", description="A restore is permanent: the restored VM is kept."
    )
    ask: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _refuse_what_would_go_wrong(self) -> Self:
        if self.location == "original" and not self.allow_overwrite:
            raise ValueError(
                f"allow_overwrite: a restore to the original location replaces the production "
                f"VM {self.vm}; set allow_overwrite: true to confirm, or restore to "
                f"location=customized"
            )
        if self.quick_rollback and self.location != "original":
            raise ValueError(
                "quick_rollback: only a restore to the original location can roll back"
            )
        if self.location == "customized" and self.target is None:
            raise ValueError("target: location=customized needs a target (where to restore)")
        if self.location == "original" and self.target is not None:
            raise ValueError("target: only for location=customized")
        if self.target is not None:
            problems = self.target.problems(self.platform)
            if problems:
                raise ValueError("; ".join(problems))
        if self.checks and not self.power_up:
            raise ValueError("checks: a VM restored with power_up false cannot pass checks")
        return self

    @property
    def restored_name(self) -> str:
        """The name of the VM the restore produces (what ``{vm}`` means in checks)."""
        return (self.target.name if self.target else None) or self.vm


class EntireVM(RestoreStrategy[EntireVMRestoreParams]):
    """An entire VM restored to vSphere, Hyper-V or Cloud Director."""

    @property
    def name(self) -> str:
        return self.params.vm

    @property
    def check_target(self) -> str:
        return self.params.restored_name

    def select_point(self, report: RecoveryReport) -> ObjectRestorePointModel:
        p = self.params
        report.details["platform"] = p.platform
        report.details["location"] = p.location
        if p.location == "customized":
            report.details["restored as"] = p.restored_name
        if p.quick_rollback:
            report.details["quick rollback"] = "yes"
        platform, operation = _POINTS[p.platform]
        policy = p.restore_point
        return select_restore_point(
            p.connection,
            p.vm,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age_hours=policy.max_age_hours,
            platform=platform,
            operation=operation,
        )

    def start(
        self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport
    ) -> SessionModel:
        session = self._start(point, mark)
        report.session_ids.append(str(session.id))
        return session

    def _start(self, point: ObjectRestorePointModel, mark: str) -> SessionModel:
        p = self.params
        common = {
            "restore_point_id": point.id,
            "secure_restore": SecureRestoreSpec(antivirus_scan_enabled=False),
            "power_up": p.power_up,
            "reason": reason("entire-vm-restore", "keep", mark),
        }
        original = p.location == "original"
        if p.platform == "vsphere":
            spec = (
                EntireViVMOriginalLocationRestoreSpec(
                    **common, quick_rollback=p.quick_rollback, overwrite=p.allow_overwrite
                )
                if original
                else self._vsphere_customized(point, common)
            )
            return restore_vsphere_vm(p.connection, p.vm, spec, mark)
        if p.platform == "hyperv":
            spec = (
                EntireHvVMOriginalLocationRestoreSpec(**common, quick_rollback=p.quick_rollback)
                if original
                else self._hyperv_customized(point, common)
            )
            return restore_hyperv_vm(p.connection, p.vm, spec, mark)
        spec = (
            EntireCloudDirectorVMOriginalLocationRestoreSpec(
                **common, quick_rollback=p.quick_rollback
            )
            if original
            else self._cloud_director_customized(common)
        )
        return restore_cloud_director_vm(p.connection, p.vm, spec, mark)

    def _vsphere_customized(
        self, point: ObjectRestorePointModel, common: dict[str, object]
    ) -> EntireViVMCustomizedRestoreSpec:
        t = self.params.target
        assert t is not None

        def obj(name: str | None, kind: VmwareInventoryType) -> VmwareObjectModel | None:
            return (
                VmwareObjectModel(host_name=t.server or "", name=name, type=kind) if name else None
            )

        datastore = None
        if t.datastore:
            store = obj(t.datastore, VmwareInventoryType.DATASTORE)
            disks = get_restore_point_disks(self.params.connection, point.id).data
            datastore = RestoreTargetDatastoresSpec(
                configuration_file_datastore=store,
                disk_mappings=[
                    RestoreTargetDatastoreSpec(disk_name=disk.name, datastore=store)
                    for disk in disks
                ],
            )
        folder = obj(t.folder, VmwareInventoryType.FOLDER)
        return EntireViVMCustomizedRestoreSpec(
            **common,
            overwrite=self.params.allow_overwrite,
            destination_host=obj(t.host, VmwareInventoryType.HOST),
            resource_pool=obj(t.resource_pool, VmwareInventoryType.RESOURCE_POOL),
            datastore=datastore,
            folder=RestoreTargetFolderSpec(vm_name=t.name, folder=folder) if folder else None,
        )

    def _hyperv_customized(
        self, point: ObjectRestorePointModel, common: dict[str, object]
    ) -> EntireHvVMCustomizedRestoreSpec:
        t = self.params.target
        assert t is not None
        datastore = None
        if t.path:
            disks = get_restore_point_disks(self.params.connection, point.id).data
            datastore = HvRestoreTargetDatastoresSpec(
                configuration_files_path=t.path,
                disk_mappings=[
                    HvRestoreTargetDatastoreSpec(disk=extent, target_folder=t.path)
                    for disk in disks
                    for extent in getattr(disk, "disk_extents", [])
                ],
            )
        host = (
            HyperVObjectModel(
                host_name=t.server or t.host,
                name=t.host,
                type=HyperVInventoryType.HOST,
                object_id=t.host_object_id or "",
            )
            if t.host
            else None
        )
        return EntireHvVMCustomizedRestoreSpec(
            **common,
            destination_host=host,
            datastore=datastore,
            target=HvRestoreTargetNameSpec(
                vm_name=t.name, overwrite_existing_vm=self.params.allow_overwrite
            ),
        )

    def _cloud_director_customized(
        self, common: dict[str, object]
    ) -> EntireCloudDirectorVMCustomizedRestoreSpec:
        t = self.params.target
        assert t is not None
        assert t.name
        assert t.vapp

        def obj(name: str, kind: CloudDirectorInventoryType) -> CloudDirectorObjectModel:
            return CloudDirectorObjectModel(host_name=t.server or "", name=name, type=kind)

        datastore = (
            CloudDirectorRestoreTargetDatastoreSpec(
                datastore=obj(t.datastore, CloudDirectorInventoryType.DATASTORE),
                storage_policy=obj(t.storage_policy, CloudDirectorInventoryType.STORAGE_POLICY)
                if t.storage_policy
                else None,
            )
            if t.datastore
            else None
        )
        return EntireCloudDirectorVMCustomizedRestoreSpec(
            **common,
            location=EntireCloudDirectorVMRestoreLocationModel(
                new_name=t.name,
                v_app=obj(t.vapp, CloudDirectorInventoryType.VAPP),
                restore_v_sphere_vm_tags=False,
            ),
            datastore=datastore,
        )


@flow(
    name="entire-vm-restore",
    flow_run_name="entire-vm-restore[{params.vm}]",
    **CLEANUP_HOOKS,
)
def entire_vm_restore(params: EntireVMRestoreParams) -> RecoveryReport:
    """Restore an entire VM (vSphere, Hyper-V, Cloud Director), track its session, then verify it.

    To the original location or a customized one; the restore session is tracked to its
    result, then the workload checks run against the powered-on VM.

    Overwriting is refused unless ``allow_overwrite`` is true (a restore to the original
    location always needs it). A restore this run leaves unfinished (timeout, cancellation,
    crash) is stopped.
    """
    return run_recovery(EntireVM(params))
