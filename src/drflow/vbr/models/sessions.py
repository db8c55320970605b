"""Sessions: the unit of work VBR reports on, and their logs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ._base import OpenEnum, Page, VBRModel


class SessionState(OpenEnum):
    STOPPED = "Stopped"
    STARTING = "Starting"
    STOPPING = "Stopping"
    WORKING = "Working"
    PAUSING = "Pausing"
    RESUMING = "Resuming"
    WAITING_TAPE = "WaitingTape"
    IDLE = "Idle"
    POSTPROCESSING = "Postprocessing"
    WAITING_REPOSITORY = "WaitingRepository"
    WAITING_SLOT = "WaitingSlot"


class SessionResult(OpenEnum):
    NONE = "None"
    SUCCESS = "Success"
    WARNING = "Warning"
    FAILED = "Failed"


class SessionType(OpenEnum):
    """The kinds of session drflow starts or watches (the server knows many more)."""

    RESTORE_VM = "RestoreVm"
    INSTANT_RECOVERY = "InstantRecovery"
    FIRST_CLASS_DISK_INSTANT_RESTORE = "FirstClassDiskInstantRestore"
    QUICK_MIGRATION = "QuickMigration"
    FILE_LEVEL_RESTORE = "FileLevelRestore"
    LINUX_FILE_LEVEL_RESTORE = "LinuxFileLevelRestore"
    CLOUD_DIRECTOR_VM_RESTORE = "CloudDirectorVmRestore"
    FIRST_CLASS_DISK_QUICK_MIGRATION = "FirstClassDiskQuickMigration"
    ENTRA_ID_RESTORE = "EntraIdRestore"
    ENTRA_ID_RESTORE_FROM_COPY = "EntraIdRestoreFromCopy"
    NAS_RESTORE = "NasRestore"
    AZURE_INSTANT_RECOVERY = "AzureInstantRecovery"
    AZURE_INSTANT_RECOVERY_MIGRATION = "AzureInstantRecoveryMigration"
    AZURE_INSTANT_RECOVERY_SWITCHOVER = "AzureInstantRecoverySwitchover"
    AZURE_INSTANT_RECOVERY_START = "AzureInstantRecoveryStart"
    AZURE_INSTANT_RECOVERY_STOP = "AzureInstantRecoveryStop"
    AZURE_INSTANT_RECOVERY_MIGRATION_UNDO = "AzureInstantRecoveryMigrationUndo"
    AZURE_INSTANT_RECOVERY_MOUNT = "AzureInstantRecoveryMount"
    FILE_INSTANT_RECOVERY = "FileInstantRecovery"
    FILE_INSTANT_RECOVERY_MIGRATION = "FileInstantRecoveryMigration"
    UNSTRUCTURED_DATA_BROWSE = "UnstructuredDataBrowse"


class SessionsOrderColumn(OpenEnum):
    NAME = "Name"
    SESSION_TYPE = "SessionType"
    CREATION_TIME = "CreationTime"
    END_TIME = "EndTime"
    STATE = "State"
    RESULT = "Result"
    INITIATED_BY = "InitiatedBy"


class SessionResultModel(VBRModel):
    """How a session ended (``result`` is ``None`` while it runs)."""

    result: SessionResult
    message: str | None = None
    is_canceled: bool | None = None


class SessionModel(VBRModel):
    """A session: finished only when ``state`` is ``Stopped``."""

    id: UUID
    name: str
    job_id: UUID
    session_type: SessionType
    creation_time: datetime
    end_time: datetime | None = None
    state: SessionState
    progress_percent: int | None = None
    result: SessionResultModel | None = None
    resource_id: UUID | None = None
    resource_reference: str | None = None
    parent_session_id: UUID | None = None
    usn: int
    platform_name: str | None = None
    platform_id: UUID | None = None
    initiated_by: str | None = None
    related_session_id: UUID | None = None

    @property
    def finished(self) -> bool:
        return self.state == SessionState.STOPPED


SessionsResult = Page[SessionModel]


class TaskLogRecordStatus(OpenEnum):
    NONE = "None"
    SUCCEEDED = "Succeeded"
    WARNING = "Warning"
    FAILED = "Failed"


class SessionLogRecordModel(VBRModel):
    id: int | None = None
    status: TaskLogRecordStatus | None = None
    start_time: datetime | None = None
    update_time: datetime | None = None
    title: str | None = None
    description: str | None = None
    additional_info: str | None = None


class SessionLogResult(VBRModel):
    total_records: int | None = None
    records: list[SessionLogRecordModel] = []
