"""Pydantic models of the VBR REST API 1.3-rev1, written from the vendor's OpenAPI description.

Reading is tolerant (unknown fields are kept, unknown enum values become pseudo-members);
request bodies are built from the same models and serialised with :meth:`VBRModel.to_api`.
"""

from ._base import OpenEnum, Page, PaginationResult, RequestModel, VBRModel
from .backups import (
    BackupModel,
    BackupsResult,
    JobType,
    ObjectRestorePointDiskModel,
    ObjectRestorePointDisksResult,
    ObjectRestorePointModel,
    ObjectRestorePointsResult,
    PlatformType,
    RestorePointType,
)
from .common import EmptySuccessResponse, Error, ErrorCode, LoginGrantType, TokenLoginSpec, TokenModel
from .inventory import (
    AgentObjectModel,
    CloudDirectorObjectModel,
    HyperVObjectModel,
    InventoryObjectModel,
    VmwareInventoryType,
    VmwareObjectModel,
)
from .restore_common import InstantRecoveryMountState, SecureRestoreSpec
from .server import ServerInfoModel
from .sessions import (
    SessionLogResult,
    SessionModel,
    SessionResult,
    SessionResultModel,
    SessionsResult,
    SessionState,
    SessionType,
)
from .vsphere import (
    InstantViVMCustomizedRecoveryDatastoreSpec,
    InstantViVMCustomizedRecoveryDestinationSpec,
    InstantViVMCustomizedRecoverySpec,
    InstantViVMOriginalLocationRecoverySpec,
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    ViVMQuickMigrationSpec,
)

__all__ = [
    "AgentObjectModel",
    "BackupModel",
    "BackupsResult",
    "CloudDirectorObjectModel",
    "EmptySuccessResponse",
    "Error",
    "ErrorCode",
    "HyperVObjectModel",
    "InstantRecoveryMountState",
    "InstantViVMCustomizedRecoveryDatastoreSpec",
    "InstantViVMCustomizedRecoveryDestinationSpec",
    "InstantViVMCustomizedRecoverySpec",
    "InstantViVMOriginalLocationRecoverySpec",
    "InstantViVMRecoveryMount",
    "InstantViVMRecoveryMountsResult",
    "InstantViVMRecoverySpec",
    "InventoryObjectModel",
    "JobType",
    "LoginGrantType",
    "ObjectRestorePointDiskModel",
    "ObjectRestorePointDisksResult",
    "ObjectRestorePointModel",
    "ObjectRestorePointsResult",
    "OpenEnum",
    "Page",
    "PaginationResult",
    "PlatformType",
    "RequestModel",
    "RestorePointType",
    "SecureRestoreSpec",
    "ServerInfoModel",
    "SessionLogResult",
    "SessionModel",
    "SessionResult",
    "SessionResultModel",
    "SessionState",
    "SessionType",
    "SessionsResult",
    "TokenLoginSpec",
    "TokenModel",
    "VBRModel",
    "ViVMQuickMigrationSpec",
    "VmwareInventoryType",
    "VmwareObjectModel",
]
