"""The one registry of workload kinds: each kind's flow, parameters, strategy and deployment.

``plans`` validate a workload's parameters with it, ``drills`` run and dispatch workloads by it,
the command line lists and runs flows from it, and a test holds ``prefect.yaml`` to it. Adding a
kind of workload is one module (its parameters, strategy and flow) and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .azure import AzureRecoveryParams, AzureVM, azure_instant_recovery
from .engine import Strategy
from .entra_id import (
    AuditLogRestore,
    EntraIdAuditLogRestoreParams,
    EntraIdTenantRestoreParams,
    TenantRestore,
    entra_id_audit_log_restore,
    entra_id_tenant_restore,
)
from .fcd import FcdRecoveryParams, FirstClassDisks, fcd_instant_recovery
from .file_share import FileShare, FileShareRecoveryParams, file_share_instant_recovery
from .flr import FileLevelRestoreParams, VMFiles, file_level_restore
from .hyperv import HyperVRecoveryParams, HyperVVM, hyperv_instant_recovery
from .nas_restore import (
    Bucket,
    FileShareRestoreParams,
    ObjectStorageRestoreParams,
    file_share_restore,
    object_storage_restore,
)
from .nas_restore import FileShare as WholeShare
from .switchover_confirm import SwitchoverConfirmParams, switchover_confirm
from .vm_restore import EntireVM, EntireVMRestoreParams, entire_vm_restore
from .vsphere import VSphereRecoveryParams, VSphereVM, vsphere_instant_recovery


@dataclass(frozen=True)
class Kind:
    """One kind of workload and everything drflow knows to recover it."""

    name: str
    """What a plan calls it (``kind: vsphere``)."""
    flow: Any
    """The Prefect flow that recovers one workload of this kind."""
    params: type[BaseModel]
    """The flow's ``params`` model (a plan's workload is validated against it)."""
    strategy: type[Strategy[Any, Any]]
    """How the recovery engine carries it out."""
    deployment: str
    """Its deployment in ``prefect.yaml`` (``<flow>/<deployment>``), for runs by hand and for
    drills that dispatch workloads to workers."""
    pipelined: bool = False
    """In a drill's own process, its run takes the drill's slot around its VBR work only (its
    flow ends with what it mounted gone or kept; a flow that may suspend cannot)."""
    in_plans: bool = False
    """Plans may recover it (drills rehearse it: it can be recovered isolated and released)."""

    @property
    def flow_name(self) -> str:
        return str(self.flow.name)

    @property
    def deployment_name(self) -> str:
        return f"{self.flow_name}/{self.deployment}"


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "vsphere",
            vsphere_instant_recovery,
            VSphereRecoveryParams,
            VSphereVM,
            "recover-vsphere-vm",
            pipelined=True,
            in_plans=True,
        ),
        Kind(
            "hyperv",
            hyperv_instant_recovery,
            HyperVRecoveryParams,
            HyperVVM,
            "recover-hyperv-vm",
            pipelined=True,
            in_plans=True,
        ),
        Kind(
            "azure",
            azure_instant_recovery,
            AzureRecoveryParams,
            AzureVM,
            "recover-machine-to-azure",
            in_plans=True,
        ),
        Kind(
            "file-share",
            file_share_instant_recovery,
            FileShareRecoveryParams,
            FileShare,
            "publish-file-share",
            in_plans=True,
        ),
        Kind(
            "fcd",
            fcd_instant_recovery,
            FcdRecoveryParams,
            FirstClassDisks,
            "mount-vm-disks-as-fcds",
            pipelined=True,
            in_plans=True,
        ),
        Kind(
            "entire-vm",
            entire_vm_restore,
            EntireVMRestoreParams,
            EntireVM,
            "restore-vm-next-to-original",
        ),
        Kind("file-level", file_level_restore, FileLevelRestoreParams, VMFiles, "browse-vm-files"),
        Kind(
            "file-share-restore",
            file_share_restore,
            FileShareRestoreParams,
            WholeShare,
            "restore-file-share",
        ),
        Kind(
            "bucket-restore",
            object_storage_restore,
            ObjectStorageRestoreParams,
            Bucket,
            "restore-bucket",
        ),
        Kind(
            "entra-id-tenant",
            entra_id_tenant_restore,
            EntraIdTenantRestoreParams,
            TenantRestore,
            "restore-entra-id-tenant",
        ),
        Kind(
            "entra-id-audit-log",
            entra_id_audit_log_restore,
            EntraIdAuditLogRestoreParams,
            AuditLogRestore,
            "browse-entra-id-audit-log",
        ),
    )
}
"""Every kind of workload, by the name plans use."""

PLAN_KINDS: dict[str, Kind] = {name: kind for name, kind in KINDS.items() if kind.in_plans}
"""The kinds a recovery plan may hold."""


@dataclass(frozen=True)
class FlowEntry:
    """A flow ``drflow run`` can start, with its parameters model."""

    flow: Any
    params: type[BaseModel]


FLOWS: dict[str, FlowEntry] = {
    **{kind.flow_name: FlowEntry(kind.flow, kind.params) for kind in KINDS.values()},
    switchover_confirm.name: FlowEntry(switchover_confirm, SwitchoverConfirmParams),
}
"""Every recovery flow by its name (as ``drflow run`` and deployments call it)."""


def kind_of_flow(flow_name: str) -> Kind | None:
    """The kind recovered by the flow called ``flow_name``, if it is one."""
    return next((kind for kind in KINDS.values() if kind.flow_name == flow_name), None)
