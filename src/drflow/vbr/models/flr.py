"""File-level restore (FLR): mounting a restore point's file systems, and what the mount says.

Mounting answers 201 ``FlrBrowseMountModel``; unmounting answers 201 ``SessionModel``. Guest OS
credentials for a restore to the original or another machine can be checked first with
``POST /restore/flr/{sessionId}/validateCredentials`` (200).
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Discriminator, Field, Tag

from ._base import OpenEnum, VBRModel
from .inventory import (
    CloudDirectorObjectModel,
    HyperVObjectModel,
    InventoryObjectModel,
    VmwareObjectModel,
)
from .restore_common import IpSettingsModel


class FlrType(OpenEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"


class FlrMountModeType(OpenEnum):
    AUTOMATIC = "Automatic"
    MANUAL = "Manual"


class FlrMountModeServerType(OpenEnum):
    MOUNT_SERVER = "MountServer"
    ORIGINAL_HOST = "OriginalHost"
    HELPER_HOST = "HelperHost"
    HELPER_APPLIANCE = "HelperAppliance"


class FlrPlatformType(OpenEnum):
    VMWARE = "VMware"
    HYPERV = "HyperV"
    AGENT = "Agent"
    CLOUD_DIRECTOR = "CloudDirector"


class FlrRestoreModeType(OpenEnum):
    ORIGINAL_LOCATION = "OriginalLocation"
    CUSTOMIZED = "Customized"


class FlrBrowseMountErrorType(OpenEnum):
    FAILED = "Failed"
    SKIPPED = "Skipped"
    WARNING = "Warning"


class FlrAutoUnmountModel(VBRModel):
    """Unmount after a period without activity (the server's default period is 30 minutes)."""

    is_enabled: bool
    no_activity_period_in_minutes: int | None = None


class WindowsFlrMountServerSettings(VBRModel):
    mount_server_type: FlrMountModeServerType
    mount_server_id: UUID


class LinuxFlrHelperHostModel(VBRModel):
    """A managed Linux server that mounts the file systems."""

    host_id: UUID


class LinuxFlrOriginalHostSpec(VBRModel):
    """Mount on the original machine, with these credentials."""

    credentials_id: UUID | None = None


class VmwareLinuxFlrHelperApplianceResourceModel(VBRModel):
    """Where a helper appliance runs on vSphere."""

    type: Literal["VMware"] = "VMware"
    host: InventoryObjectModel
    resource_pool: InventoryObjectModel
    network: InventoryObjectModel


class HyperVLinuxFlrHelperApplianceResourceModel(VBRModel):
    """Where a helper appliance runs on Hyper-V (host and network by name)."""

    type: Literal["HyperV"] = "HyperV"
    host: str
    network: str
    vlan_id: int


LinuxFlrHelperApplianceResourceModel = Annotated[
    Annotated[VmwareLinuxFlrHelperApplianceResourceModel, Tag("VMware")]
    | Annotated[HyperVLinuxFlrHelperApplianceResourceModel, Tag("HyperV")],
    Discriminator("type"),
]


class LinuxFlrHelperApplianceSpec(VBRModel):
    """A temporary helper appliance for Linux FLR; ``restoreFromNSS`` is capitalised on the wire."""

    platform_resource_settings: LinuxFlrHelperApplianceResourceModel | None = None
    network_settings: IpSettingsModel | None = None
    ftp_server_enabled: bool | None = None
    restore_from_nss: bool | None = Field(default=None, alias="restoreFromNSS")


class LinuxFlrMountServerSettings(VBRModel):
    """Which machine mounts the Linux file systems; the field matching the type is filled."""

    mount_server_type: FlrMountModeServerType
    mount_server_id: UUID | None = None
    helper_host: LinuxFlrHelperHostModel | None = None
    helper_appliance: LinuxFlrHelperApplianceSpec | None = None
    original_host: LinuxFlrOriginalHostSpec | None = None


class _FlrMountSpecBase(VBRModel):
    restore_point_id: UUID
    auto_unmount: FlrAutoUnmountModel
    reason: str | None = None


class WindowsFlrMountSpec(_FlrMountSpecBase):
    """Mount a Windows restore point's volumes."""

    type: Literal["Windows"] = "Windows"
    mount_mode: FlrMountModeType
    credentials_id: UUID | None = None
    mount_server: WindowsFlrMountServerSettings | None = None


class LinuxFlrMountSpec(_FlrMountSpecBase):
    """Mount a Linux (or other non-Windows) restore point's file systems."""

    type: Literal["Linux"] = "Linux"
    mount_mode: FlrMountModeType
    mount_server: LinuxFlrMountServerSettings | None = None


FlrMountSpec = Annotated[
    Annotated[WindowsFlrMountSpec, Tag("Windows")] | Annotated[LinuxFlrMountSpec, Tag("Linux")],
    Discriminator("type"),
]


class FlrBrowseProperties(VBRModel):
    path_separator: str


class FlrBrowseSourceProperties(VBRModel):
    machine_name: str
    restore_point_name: str


class FlrBrowseMountError(VBRModel):
    type: FlrBrowseMountErrorType
    message: str


class FlrBrowseMountModel(VBRModel):
    """A file-level restore mount; ``sessionId`` identifies it in later calls."""

    session_id: UUID
    type: FlrType
    properties: FlrBrowseProperties | None = None
    source_properties: FlrBrowseSourceProperties
    mount_errors: list[FlrBrowseMountError]
    restore_point_id: UUID


class VmwareFlrRestoreTargetHostModel(VBRModel):
    type: Literal["VMware"] = "VMware"
    vm_object: VmwareObjectModel


class HyperVFlrRestoreTargetHostModel(VBRModel):
    type: Literal["HyperV"] = "HyperV"
    vm_object: HyperVObjectModel


class AgentFlrRestoreTargetHostModel(VBRModel):
    type: Literal["Agent"] = "Agent"
    protected_computer_id: UUID


class CloudDirectorFlrRestoreTargetHostModel(VBRModel):
    type: Literal["CloudDirector"] = "CloudDirector"
    vm_object: CloudDirectorObjectModel


FlrRestoreTargetHostModel = Annotated[
    Annotated[VmwareFlrRestoreTargetHostModel, Tag("VMware")]
    | Annotated[HyperVFlrRestoreTargetHostModel, Tag("HyperV")]
    | Annotated[AgentFlrRestoreTargetHostModel, Tag("Agent")]
    | Annotated[CloudDirectorFlrRestoreTargetHostModel, Tag("CloudDirector")],
    Discriminator("type"),
]
"""The machine files are restored to; ``type`` (VMware, HyperV, Agent, CloudDirector) picks it."""


class FlrRestoreCredentialsValidationSpec(VBRModel):
    """Guest OS credentials to check before restoring files to a machine."""

    restore_mode: FlrRestoreModeType
    credentials_id: UUID | None = None
    target_host: FlrRestoreTargetHostModel | None = None


class FlrRestoreCredentialsValidationResult(VBRModel):
    is_successful: bool
    message: str
