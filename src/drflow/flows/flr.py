"""File-level restore: mount a backup's file systems, hand them to the operator, unmount.

mount → validate the guest credentials (when given) → workload checks (optional) → publish the
mount details as an artifact (``flr-mount-<vm>``) → keep the mount for ``keep_minutes`` or until
the operator says done → unmount, always (also when anything before fails, or the run is
cancelled or crashes). The engine's ``hand over`` ending (:mod:`.engine.handover`).

What is mounted depends on ``source``; each source is a strategy in :data:`SOURCES`. Today
that is ``vm`` (the guest file systems of a VM or agent backup); the unstructured-data variant
plugs in as another value of ``source`` and another class.
"""

import math
from typing import Literal, Self
from uuid import UUID

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drflow.tasks import (
    start_flr_mount,
    unmount_flr,
    validate_flr_credentials,
)
from drflow.vbr.models import (
    FlrAutoUnmountModel,
    FlrRestoreCredentialsValidationSpec,
    LinuxFlrHelperHostModel,
    LinuxFlrMountServerSettings,
    LinuxFlrMountSpec,
    ObjectRestorePointModel,
    WindowsFlrMountServerSettings,
    WindowsFlrMountSpec,
)
from drflow.vbr.models.backups import GuestOSFamily, RestorePointOperation
from drflow.vbr.models.flr import (
    FlrBrowseMountErrorType,
    FlrMountModeServerType,
    FlrMountModeType,
    FlrRestoreModeType,
)

from .engine import (
    CLEANUP_HOOKS,
    HandoverParams,
    HandoverStrategy,
    Progress,
    RecoveryReport,
    Unverified,
    reason,
    run_recovery,
    wait_until_stopped,
)


class FlrMountServer(BaseModel):
    """The machine that mounts the file systems when ``mount_mode`` is ``manual``."""

    model_config = ConfigDict(extra="forbid")

    id: UUID = Field(description="VBR id of the mount server (HelperHost: of the Linux host).")
    type: Literal["MountServer", "HelperHost"] = Field(
        default="MountServer",
        description="MountServer (a managed mount server), or HelperHost (Linux only: a "
        "managed Linux server).",
    )


class FileLevelRestoreParams(HandoverParams):
    """Mount the file systems of a backup for file-level restore and hand them to the operator.

    ``then`` is always ``unmount`` and ``ask`` does not apply: the mount is kept for
    ``keep_minutes`` or until the operator says done, then unmounted.
    """

    source: Literal["vm"] = Field(
        default="vm", description="What is mounted: vm (the guest file systems of a VM backup)."
    )
    vm: str = Field(min_length=1, description="Name of the machine as it appears in its backup.")
    guest_os: Literal["auto", "windows", "linux"] = Field(
        default="auto", description="Guest OS family; auto: as the restore point says."
    )
    mount_mode: Literal["automatic", "manual"] = Field(
        default="automatic",
        description="automatic: VBR picks the mount server; manual: use mount_server.",
    )
    mount_server: FlrMountServer | None = Field(
        default=None, description="Mount server for mount_mode=manual."
    )
    credentials_id: UUID | None = Field(
        default=None,
        description="VBR credentials record for the original machine's guest OS: validated "
        "right after mounting (rejected credentials unmount and fail the run).",
    )
    auto_unmount_minutes: int | None = Field(
        default=None,
        ge=1,
        description="VBR unmounts by itself after this many minutes without activity, a safety "
        "net should this run die; unset: keep_minutes + 30.",
    )

    @model_validator(mode="after")
    def _mount_server_goes_with_manual(self) -> Self:
        if self.mount_mode == "manual" and self.mount_server is None:
            raise ValueError("mount_server: required when mount_mode is manual")
        if self.mount_mode == "automatic" and self.mount_server is not None:
            raise ValueError("mount_server: only used with mount_mode manual")
        server = self.mount_server
        if server and server.type == "HelperHost" and self.guest_os == "windows":
            raise ValueError("mount_server.type: HelperHost is for Linux file systems")
        return self

    @property
    def idle_minutes(self) -> int:
        return self.auto_unmount_minutes or math.ceil(self.keep_minutes) + 30


class VMFiles(HandoverStrategy[FileLevelRestoreParams]):
    """The guest file systems of a VM (or agent) backup: ``/restore/flr``."""

    handover_key = "flr-mount"
    title = "mounted for file-level restore"
    operation = RestorePointOperation.START_FLR_RESTORE

    def __init__(self, params: FileLevelRestoreParams) -> None:
        super().__init__(params)
        self._failed: list[str] = []  # file systems VBR could not mount

    @property
    def name(self) -> str:
        return self.params.vm

    def _windows(self, point: ObjectRestorePointModel) -> bool:
        if self.params.guest_os != "auto":
            return self.params.guest_os == "windows"
        return point.guest_os_family == GuestOSFamily.WINDOWS

    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> UUID:
        p = self.params
        common = {
            "restore_point_id": point.id,
            "auto_unmount": FlrAutoUnmountModel(
                is_enabled=True, no_activity_period_in_minutes=p.idle_minutes
            ),
            "reason": reason("file-level-restore", "unmount", mark),
            "mount_mode": FlrMountModeType.MANUAL
            if p.mount_mode == "manual"
            else FlrMountModeType.AUTOMATIC,
        }
        server = p.mount_server
        if self._windows(point):
            spec: WindowsFlrMountSpec | LinuxFlrMountSpec = WindowsFlrMountSpec(
                **common,
                credentials_id=p.credentials_id,
                mount_server=WindowsFlrMountServerSettings(
                    mount_server_type=FlrMountModeServerType(server.type), mount_server_id=server.id
                )
                if server
                else None,
            )
        else:
            spec = LinuxFlrMountSpec(
                **common,
                mount_server=LinuxFlrMountServerSettings(
                    mount_server_type=FlrMountModeServerType(server.type),
                    mount_server_id=server.id if server.type == "MountServer" else None,
                    helper_host=LinuxFlrHelperHostModel(host_id=server.id)
                    if server.type == "HelperHost"
                    else None,
                )
                if server
                else None,
            )
        mount = start_flr_mount(p.connection, self.name, spec, mark)
        session = mount.session_id
        report.mount_id = str(session)
        report.session_ids.append(str(session))
        separator = mount.properties.path_separator if mount.properties else None
        source = mount.source_properties
        details = report.details
        details["FLR session id"] = f"`{session}`"
        details["file systems"] = f"{mount.type} ({source.machine_name})"
        details["restore point"] = (
            f"{source.restore_point_name} from "
            f"{point.creation_time:%Y-%m-%d %H:%M} UTC (`{mount.restore_point_id}`)"
        )
        details["mount server"] = (
            f"{server.type} `{server.id}`" if server else "chosen by VBR (automatic)"
        )
        details["path separator"] = f"`{separator}`" if separator else "-"
        details["auto-unmount"] = f"after {p.idle_minutes} minutes without activity"
        for error in mount.mount_errors:
            details[f"mount {error.type.value.lower()}"] = error.message
        self._failed = [
            f"mount failed: {e.message}"
            for e in mount.mount_errors
            if e.type == FlrBrowseMountErrorType.FAILED
        ]
        self.how_to_use = [
            f"In the Veeam Backup & Replication console, open the file-level restore session "
            f"`{session}` of {source.machine_name} (Backup Browser): browse, copy, or restore "
            "files to the original machine.",
            f"Through the REST API: the Backup Browser operations of session `{session}` "
            f"(`/api/v1/backupBrowser/flr/{session}/...`).",
        ]
        return session

    def prepare(self, session: UUID, report: RecoveryReport, progress: Progress) -> None:
        """Refuse a mount with failed file systems; validate the credentials when given."""
        if self._failed:
            raise Unverified("; ".join(self._failed))
        credentials = self.params.credentials_id
        if credentials is None:
            return
        phase = report.begin("validate credentials")
        result = validate_flr_credentials(
            self.params.connection,
            session,
            FlrRestoreCredentialsValidationSpec(
                restore_mode=FlrRestoreModeType.ORIGINAL_LOCATION, credentials_id=credentials
            ),
        )
        report.end(phase)
        verdict = "valid" if result.is_successful else "REJECTED"
        report.details["credentials"] = f"`{credentials}`: {verdict} ({result.message})"
        if not result.is_successful:
            raise Unverified(f"credentials {credentials} rejected: {result.message}")
        progress.update(50, "credentials valid")

    def release(self, session_id: UUID) -> None:
        session = unmount_flr(self.params.connection, session_id)
        if session is not None:  # VBR answers at once: wait until the file systems are gone
            wait_until_stopped(
                self.params.connection, session.id, label=f"unmount files of {self.name}"
            )


SOURCES: dict[str, type[HandoverStrategy[FileLevelRestoreParams]]] = {"vm": VMFiles}
"""``source`` → how it is mounted."""


@flow(
    name="file-level-restore",
    flow_run_name="file-level-restore[{params.vm}]",
    **CLEANUP_HOOKS,
)
def file_level_restore(params: FileLevelRestoreParams) -> RecoveryReport:
    """Mount a backup's file systems for file-level restore, hand them over, then unmount them.

    Where they are mounted is published as an artifact (``flr-mount-<vm>``); they stay for
    ``keep_minutes`` or until the operator says done (Prefect UI, or ``drflow resume``).

    Given ``credentials_id``, the guest credentials are validated right after mounting (VBR
    validates them in the mount's session); rejected credentials unmount and fail the run. The
    mount is unmounted whatever happens: failure, cancellation or crash.
    """
    return run_recovery(SOURCES[params.source](params))
