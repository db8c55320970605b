"""Instant recovery to Microsoft Azure: recover → verify → unmount, migrate (+ switchover),
keep or ask."""

from datetime import datetime
from typing import Self
from uuid import UUID

from prefect import flow, get_run_logger
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drflow.tasks import (
    VBRConnection,
    get_azure_mount,
    get_client,
    migrate_azure_vm,
    start_azure_instant_recovery,
    switchover_azure_vm,
    unmount_azure_vm,
    vbr_task,
    wait_for_azure_mount,
)
from drflow.vbr import VBRError
from drflow.vbr.models import (
    ObjectRestorePointModel,
    SessionModel,
    SessionResult,
    SessionState,
    SessionType,
)
from drflow.vbr.models import azure as az

from .engine import (
    CLEANUP_HOOKS,
    Choice,
    Disposition,
    Progress,
    RecoveryParams,
    RecoveryReport,
    reason,
    run_recovery,
)
from .engine.switchover import (
    Status,
    Switching,
    SwitchingStrategy,
    Switchover,
    accept,
    run_name,
)

DEMO_SUBSCRIPTION = UUID("5f0c8a8e-3c1b-4b8e-9d2a-6a1f2b3c4d01")
"""Subscription "DR Production" of the demo estate."""

_DEMO_VNET = (
    f"/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/rg-dr-network/providers/"
    "Microsoft.Network/virtualNetworks/vnet-dr-weu"
)

_S = az.AzureInstantRecoveryMountState


class AzureNetwork(BaseModel):
    """The virtual network and subnet the recovered VM is attached to."""

    model_config = ConfigDict(extra="forbid")

    virtual_network: str = Field(
        default=_DEMO_VNET, min_length=1, description="Azure resource id of the virtual network."
    )
    subnet: str = Field(
        default="workloads",
        min_length=1,
        description="Subnet name in that network (or its full resource id).",
    )
    network_security_group: str | None = Field(
        default=None, description="Resource id of a network security group to apply."
    )
    assign_public_ip: bool = Field(default=False, description="Give the VM a public IP.")

    @property
    def subnet_id(self) -> str:
        if self.subnet.startswith("/"):
            return self.subnet
        return f"{self.virtual_network.rstrip('/')}/subnets/{self.subnet}"

    @model_validator(mode="after")
    def _subnet_of_the_network(self) -> Self:
        prefix = self.virtual_network.rstrip("/").lower() + "/subnets/"
        if not self.subnet_id.lower().startswith(prefix):
            raise ValueError(
                f"subnet {self.subnet} is not a subnet of virtual network {self.virtual_network}"
            )
        return self


class AzureAppliance(BaseModel):
    """The Azure helper appliance (deployed beforehand on the backup server)."""

    model_config = ConfigDict(extra="forbid")

    subnet: str = Field(
        default=f"{_DEMO_VNET}/subnets/veeam-helpers",
        min_length=1,
        description="Resource id of the subnet the helper appliance was deployed in.",
    )
    storage_account: str | None = Field(
        default=None, description="Storage account of the appliance; unset: its own."
    )


class AzureSwitchover(Switchover):
    """When the recovered VM switches over to its migrated disks."""

    verify_vm_boot: bool = Field(
        default=False, description="Check that the VM boots after the switchover."
    )
    power_on_vm: bool = Field(default=True, description="Power the VM on after the switchover.")


class AzureRecoveryParams(RecoveryParams):
    """Instant recovery of one machine (VMware / Hyper-V VM or agent backup) to Azure."""

    vm: str = Field(min_length=1, description="Name of the machine as it appears in its backup.")
    subscription_id: UUID = Field(
        default=DEMO_SUBSCRIPTION, description="Azure subscription registered in VBR."
    )
    location: str = Field(default="westeurope", min_length=1, description="Azure region.")
    vm_size: str = Field(default="Standard_D2s_v3", min_length=1, description="Azure VM size.")
    resource_group: str = Field(
        default="rg-drflow-recovery", min_length=1, description="Resource group of the VM."
    )
    create_resource_group: bool = Field(
        default=False, description="Create resource_group (it must not exist) instead of using it."
    )
    network: AzureNetwork = Field(
        default_factory=AzureNetwork, description="Virtual network and subnet."
    )
    appliance: AzureAppliance = Field(
        default_factory=AzureAppliance, description="Where the helper appliance works."
    )
    name: str | None = Field(
        default=None, min_length=1, description="Name of the VM in Azure; unset: its own name."
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Azure tags of the VM.")
    verify_vm_boot: bool = Field(
        default=True, description="Ready only once the VM has booted in Azure."
    )
    switchover: AzureSwitchover = Field(
        default_factory=AzureSwitchover,
        description="then=migrate: when the VM switches over to its migrated disks.",
    )


class AzureSwitching(Switching):
    """The migration of a VM recovered to Azure; its phase is the mount's state."""

    kind = "azure-vm"

    def __init__(self, params: AzureRecoveryParams, mount_id: UUID, what: str) -> None:
        super().__init__(params.connection, mount_id, what)
        self.params = params

    def start(self, settings: Switchover) -> list[str]:
        assert isinstance(settings, AzureSwitchover)
        spec = az.AzureInstantVMRecoveryMigrationSpec(switchover_settings=vbr_settings(settings))
        migrate_azure_vm(self.connection, self.mount_id, spec, vm_name=self.what)
        return self.session_ids()

    def status(self) -> Status:
        mount = self.client.azure.get_mount(self.mount_id)
        state = mount.state
        if state == _S.MIGRATING:
            return Status("migrating")
        if state == _S.READY_TO_SWITCH:
            return Status("ready")
        if state == _S.SWITCHING:
            return Status("switching")
        sessions = self._sessions()
        switch = [s for s in sessions if s.session_type == _SWITCHOVER]
        if state == _S.STOPPED and switch and _result(switch[-1]) == SessionResult.SUCCESS:
            return Status("switched")
        why = mount.error_message or _failure(sessions) or "no switchover took place"
        return Status("ended", f"the VM is {state} ({why})")

    def switch_now(self) -> list[str]:
        switchover_azure_vm(self.connection, self.mount_id, vm_name=self.what)
        return self.session_ids()

    def session_ids(self) -> list[str]:
        return [str(s.id) for s in self._sessions()]

    def switched_at(self) -> datetime | None:
        done = [
            s.end_time
            for s in self._sessions()
            if s.session_type == _SWITCHOVER and _result(s) == SessionResult.SUCCESS
        ]
        return done[-1] if done and done[-1] is not None else None

    def _sessions(self) -> list[SessionModel]:
        return sorted(self.client.azure.list_sessions(self.mount_id), key=lambda s: s.creation_time)


_SWITCHOVER = SessionType.AZURE_INSTANT_RECOVERY_SWITCHOVER


def _result(session: SessionModel) -> SessionResult | None:
    return session.result.result if session.result else None


def _failure(sessions: list[SessionModel]) -> str:
    failed = [s for s in sessions if _result(s) == SessionResult.FAILED]
    return (failed[-1].result.message or "") if failed and failed[-1].result else ""


def vbr_settings(settings: AzureSwitchover) -> az.AzureInstantVMRecoverySwitchoverSettingsModel:
    return az.AzureInstantVMRecoverySwitchoverSettingsModel(
        type=settings.type,
        schedule_time=settings.schedule_time,
        verify_vm_boot=settings.verify_vm_boot,
        power_on_vm=settings.power_on_vm,
    )


@vbr_task("describe-azure-vm", run_name="describe-azure-vm[{mount_id}]")
def describe_azure_vm(
    connection: VBRConnection, mount_id: UUID, machine: str = ""
) -> tuple[dict[str, str], list[str]]:
    """The Azure VM of a mount for the evidence: name (``machine``'s unless the spec renamed
    it), resource group, size, region, sessions; and the ids of its sessions."""
    client = get_client(connection)
    mount = client.azure.get_mount(mount_id)
    spec = mount.spec
    group = spec.resource_group
    sessions = sorted(client.azure.list_sessions(mount_id), key=lambda s: s.creation_time)
    details = {
        "Azure VM": (spec.name.name if spec.name and spec.name.name else None)
        or machine
        or str(mount_id),
        "resource group": (group.resource_group or f"{group.new_resource_group_name} (new)"),
        "VM size": spec.vm_size.instance_size,
        "region": spec.subscription.location,
        "subscription": str(spec.subscription.subscription_id),
        "subnet": spec.network.subnet,
        "Azure mount state": str(mount.state),
        "Azure sessions": "; ".join(
            f"{s.session_type} {s.state}"
            + (f"/{s.result.result}" if s.result and s.state == SessionState.STOPPED else "")
            + f" ({s.id})"
            for s in sessions
        ),
    }
    return details, [str(s.id) for s in sessions]


class AzureVM(SwitchingStrategy[AzureRecoveryParams]):
    kind = "azure-vm"
    platform = None  # VMware, Hyper-V and agent backups all recover to Azure
    operation = None

    @property
    def name(self) -> str:
        return self.params.vm

    @property
    def azure_name(self) -> str:
        return self.params.name or self.params.vm

    def start(
        self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport
    ) -> az.AzureInstantVMRecoveryMount:
        p = self.params
        tags = [az.AzureComputeVMTagModel(name=k, value=v) for k, v in p.tags.items()]
        tags.append(az.AzureComputeVMTagModel(name="drflow-run", value=mark.rsplit(":", 1)[-1]))
        spec = az.AzureInstantVMRecoverySpec(
            restore_point_id=point.id,
            subscription=az.AzureComputeSubscriptionModel(
                subscription_id=p.subscription_id, location=p.location
            ),
            name=az.AzureComputeNameModel(name=p.name, tags=tags),
            vm_size=az.AzureComputeVMSizeModel(instance_size=p.vm_size),
            resource_group=az.AzureComputeResourceGroupModel(
                new_resource_group_name=p.resource_group if p.create_resource_group else None,
                resource_group=None if p.create_resource_group else p.resource_group,
            ),
            network=az.AzureComputeNetworkModel(
                network=p.network.virtual_network,
                subnet=p.network.subnet_id,
                network_security_group=p.network.network_security_group,
                assign_public_ip=p.network.assign_public_ip,
            ),
            appliance=az.AzureInstantVMRecoveryApplianceModel(
                subnet=p.appliance.subnet, storage_account=p.appliance.storage_account
            ),
            reason=reason("azure-instant-recovery", p.then, mark),
            verify_vm_boot=p.verify_vm_boot,
        )
        mount = start_azure_instant_recovery(p.connection, self.name, spec, mark)
        report.mount_id = str(mount.id)
        return mount

    def mount_name(self, mount: az.AzureInstantVMRecoveryMount) -> str:
        return self.azure_name

    def wait_ready(
        self, mount: az.AzureInstantVMRecoveryMount, progress: Progress
    ) -> az.AzureInstantVMRecoveryMount:
        return wait_for_azure_mount(
            self.params.connection,
            mount.id,
            vm_name=self.azure_name,
            timeout=self.params.timeout_seconds,
        )

    def problems(self, mount: az.AzureInstantVMRecoveryMount) -> list[str]:
        problems = []
        if mount.state != _S.READY:
            problems.append(f"the VM is {mount.state} in Azure, not Ready")
        if mount.error_message:
            problems.append(f"VBR reports: {mount.error_message}")
        sessions = list(get_client(self.params.connection).azure.list_sessions(mount.id))
        failure = _failure(sessions)
        if failure:
            problems.append(f"VBR session failed: {failure}")
        self.describe(mount.id)
        return problems

    def release(self, mount: az.AzureInstantVMRecoveryMount) -> None:
        unmount_azure_vm(self.params.connection, mount.id, vm_name=self.azure_name)
        self.describe(mount.id)

    def migrate(self, mount: az.AzureInstantVMRecoveryMount, report: RecoveryReport) -> Disposition:
        where = super().migrate(mount, report)
        self.describe(mount.id)
        return where

    def choices(self) -> list[Choice]:
        return ["unmount", "migrate", "keep"]

    def switching(self, mount_id: UUID, state: dict[str, str] | None = None) -> AzureSwitching:
        return AzureSwitching(self.params, mount_id, self.azure_name)

    def load(self, mount_id: UUID) -> az.AzureInstantVMRecoveryMount:
        return get_azure_mount(self.params.connection, mount_id)

    def describe_end(self, mount: az.AzureInstantVMRecoveryMount, report: RecoveryReport) -> None:
        self.describe(mount.id)

    def describe(self, mount_id: UUID) -> None:
        """The Azure VM that came out of the recovery (name, group, size, region, sessions)."""
        if self.report is None:
            return
        try:
            details, session_ids = describe_azure_vm(self.params.connection, mount_id, self.name)
        except VBRError as exc:  # evidence only: never fail the recovery for it
            get_run_logger().warning("could not describe the Azure VM: %s", exc)
            return
        self.report.details.update(details)
        self.report.session_ids += [s for s in session_ids if s not in self.report.session_ids]


@flow(
    name="azure-instant-recovery",
    flow_run_name=run_name("azure-instant-recovery", "vm"),
    validate_parameters=False,
    **CLEANUP_HOOKS,
)
def azure_instant_recovery(params: AzureRecoveryParams) -> RecoveryReport:
    """Instantly recover a machine to Microsoft Azure, verify it, then unmount, migrate (with an
    Auto, Manual or Scheduled switchover), keep it or ask.

    The helper appliance must already exist in the appliance subnet. A scheduled switchover
    far ahead suspends a deployment run (releasing its worker) until a switchover-confirm run
    resumes it. The VM is stopped again if the run fails, is cancelled or crashes, unless kept.
    """
    return run_recovery(AzureVM(accept(AzureRecoveryParams, params)))
