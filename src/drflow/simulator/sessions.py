"""Sessions as time-driven state machines, evaluated lazily from timestamps.

A session is planned when it starts: ``created`` -> ``Starting`` for ``starting_s`` ->
``Working`` for ``work_s`` (``progressPercent`` rising 0..99) -> at the completion point the
``outcome`` applies. Most sessions then are ``Stopped`` with ``result`` = the outcome.

A *holding* session (``hold=True``: the instant recovery session of a mounted VM) does not stop
at completion when it succeeded: it stays ``Working`` at 100 % with ``result.result`` =
``Success`` (as in the vendor's own example of a running instant recovery session) for as long
as the VM stays mounted, and ends only when stopped (unmount, migration, or
``POST /sessions/{id}/stop``): ``Stopping`` for ``stop_s`` then ``Stopped`` with the stop
outcome. While a session works, ``result.result`` is ``None``. A stop requested before the
completion point cancels it (``Stopped``, ``Failed``, ``isCanceled: true``).

Nothing runs in the background: :meth:`SessionRecord.view` derives the state at any instant.

What each session of the simulator carries to relate it to its object: ``sessionType``,
``creationTime`` (when it started; for an Azure switchover, the instant it was planned for),
``resourceId`` (what it acts on; ``resourceReference`` where the API has a path for it) and
``parentSessionId`` (the session it derives from). Names follow VBR where it is known (an
instant recovery session is named after the VM and a Quick Migration session
``Quick Migration Job``, as in the vendor's examples; a backup job run after its job) and are
plausible elsewhere (the object's name; FCD migrations, quick migrations too, as Quick
Migration sessions): no name says which VM a migration moves, so callers must not find
sessions by name but by type, time, ``resourceId`` and ``parentSessionId``.

Per operation (sessionType; name; resourceId; parentSessionId):

- vSphere or Hyper-V instant recovery start (201, the session): ``InstantRecovery``; the VM's
  (new) name; the mount, whose id is the session's; none. Its unmount answers the same session
  (``Stopping``, then ``Stopped``), as ``POST /sessions/{id}/stop`` does.
- their migrate (vSphere: 200 with the session; Hyper-V: 204, no body): ``QuickMigration``;
  ``Quick Migration Job``; the mount; the instant recovery session.
- FCD instant recovery start (201): ``FirstClassDiskInstantRestore``; the source VM's name;
  the mount (= the session's id); none. Its migrate (200): ``FirstClassDiskQuickMigration``;
  ``Quick Migration Job``; the mount; the FCD session.
- entire VM restore (201): ``RestoreVm`` (Cloud Director: ``CloudDirectorVmRestore``); the
  source VM's name; the restore point; none.
- file-level restore start (201, the mount): ``FileLevelRestore`` (Linux:
  ``LinuxFileLevelRestore``); the source VM's name; the restore point; none.
- Azure instant recovery start (201, the mount): ``AzureInstantRecovery``; the VM's name in
  Azure; the mount (its own id); none. Its migrate: ``AzureInstantRecoveryMigration``, and
  its switchover (created at the instant it was planned for):
  ``AzureInstantRecoverySwitchover``; the same name; the mount; the instant recovery session.
- file share instant recovery (201, a session a share): ``FileInstantRecovery``; the share's
  path; the mount (= the session's id); none. Its migrate (201):
  ``FileInstantRecoveryMigration``; the share's path; the mount; the share's session.
- file share or bucket restore (201): ``NasRestore``; ``Restore of <share or bucket>``; the
  restore point; none.
- unstructured data or Entra ID audit log browse mount (201, the mount): ``FileLevelRestore``;
  what is mounted; the mount (= the session's id); none.
- Entra ID tenant mount (201, the mount) or restore from a copy (201, the session):
  ``EntraIdRestore`` / ``EntraIdRestoreFromCopy``; the tenant's name; the mount (= the
  session's id); none.
- a backup job run of the estate: ``BackupJob``; the job's name; the backup; none.

A migration leaves its mount ``Mounted`` while it runs (an unmount, or another migrate, is
refused with 400 naming the running migration); when it succeeds the mount is gone (404,
absent from lists) and the holding session ends ``Success`` at the same instant (FCD: the
migrated disks leave ``mountedDisks``, and the mount goes with the last one). Stopping a
running migration cancels it and the mount stays.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from drflow.vbr.models import SessionModel, SessionResultModel
from drflow.vbr.models.sessions import SessionLogRecordModel

ALL_SESSION_TYPES = frozenset(
    {
        "Infrastructure",
        "BackupJob",
        "Automation",
        "ConfigurationBackup",
        "PublishBackupContentViaMount",
        "RepositoryMaintenance",
        "RepositoryEvacuate",
        "InfrastructureItemDeletion",
        "RestoreVm",
        "InstantRecovery",
        "FirstClassDiskInstantRestore",
        "AzureApplianceDeploy",
        "QuickMigration",
        "FileLevelRestore",
        "LinuxFileLevelRestore",
        "ReplicaJob",
        "ConfigurationResynchronize",
        "Failover",
        "PlannedFailover",
        "PermanentFailover",
        "UndoFailover",
        "Failback",
        "CommitFailback",
        "UndoFailback",
        "SwitchReplicaToProduction",
        "CloudDirectorVmRestore",
        "CloudDirectorVAppRestore",
        "MalwareDetection",
        "FirstClassDiskQuickMigration",
        "EntraIdRestore",
        "EntraIdRestoreFromCopy",
        "UnstructuredDataBackupCopy",
        "SecurityComplianceAnalyzer",
        "FileServerSave",
        "SureBackup",
        "NasRestore",
        "LogsExport",
        "TestCredentials",
        "SqlLogBackup",
        "OracleLogBackup",
        "PostgreSqlLogBackup",
        "AzureInstantRecovery",
        "AzureInstantRecoveryMigration",
        "AzureInstantRecoverySwitchover",
        "AzureInstantRecoveryStart",
        "AzureInstantRecoveryStop",
        "AzureInstantRecoveryMigrationUndo",
        "AzureInstantRecoveryMount",
        "FileInstantRecovery",
        "FileInstantRecoveryMigration",
        "PublishBackupContentViaNfs",
        "VolumesDiscover",
        "DeleteBackup",
        "BackgroundOperation",
        "AgentDiscovery",
        "AgentPolicy",
        "AgentBackup",
        "AgentOperationPurgeCache",
        "ApplianceUpdatesInstall",
        "FailoverPlan",
        "FailoverPlanTask",
        "UnstructuredDataBrowse",
        "BackupCopyJob",
        "UnstructuredDownloadMeta",
        "EntraIdRescanRepository",
        "HostComponentsUpdate",
        "CopyBackup",
        "FileBackupHealthCheck",
        "SureBackupContentScan",
        "ArchiveBackup",
        "ArchiveRehydration",
        "ArchiveSync",
        "ArchiveCopy",
        "ArchiveFreezing",
        "RetrieveBackup",
        "ArchiveTierDownload",
        "DirectBackupSync",
        "CheckpointRemoval",
        "Retention",
    }
)
"""Every session type of the contract (``typeFilter`` accepts these)."""

RESTORE_SESSION_TYPES = frozenset(
    {
        "RestoreVm",
        "InstantRecovery",
        "FirstClassDiskInstantRestore",
        "QuickMigration",
        "FileLevelRestore",
        "LinuxFileLevelRestore",
        "CloudDirectorVmRestore",
        "FirstClassDiskQuickMigration",
        "EntraIdRestore",
        "EntraIdRestoreFromCopy",
        "NasRestore",
        "AzureInstantRecovery",
        "AzureInstantRecoveryMigration",
        "AzureInstantRecoverySwitchover",
        "FileInstantRecovery",
        "FileInstantRecoveryMigration",
    }
)
"""Session types counted as restore work by ``GET /_sim/stats``."""


@dataclass(frozen=True)
class Outcome:
    result: str  # Success | Warning | Failed
    message: str
    canceled: bool = False


@dataclass(frozen=True)
class SessionView:
    state: str
    progress: int
    result: str
    message: str | None
    canceled: bool
    end_time: datetime | None

    @property
    def stopped(self) -> bool:
        return self.state == "Stopped"


@dataclass
class LogTitles:
    """Titles of the log records a session writes at each point of its life."""

    started: str
    working: str
    succeeded: list[str]
    stopping: str = "Stopping session"
    stopped: str = "Session has been stopped"


@dataclass
class SessionRecord:
    id: uuid.UUID
    name: str
    job_id: uuid.UUID
    session_type: str
    created: datetime
    starting_s: float
    work_s: float
    outcome: Outcome
    titles: LogTitles
    hold: bool = False
    initiated_by: str | None = None
    resource_id: uuid.UUID | None = None
    resource_reference: str | None = None
    platform_name: str | None = None
    parent_session_id: uuid.UUID | None = None
    workload: str | None = None
    """The kind of the workload that started it (None: a backup job run)."""
    subject: str | None = None
    """The name of what it acts on (a VM, a share), where ``name`` does not say it."""
    usn: int = 0
    stop_at: datetime | None = None
    stop_s: float = 0.0
    stop_outcome: Outcome | None = None
    stop_title: str | None = None
    stopped_title: str | None = None
    extra_logs: list[tuple[datetime, str, str]] = field(default_factory=list)

    # --- timeline -------------------------------------------------------------------------

    @property
    def working_at(self) -> datetime:
        return self.created + timedelta(seconds=self.starting_s)

    @property
    def completes_at(self) -> datetime:
        return self.working_at + timedelta(seconds=self.work_s)

    def _stop_effective(self) -> bool:
        if self.stop_at is None:
            return False
        if self.stop_at < self.completes_at:
            return True
        return self.hold and self.outcome.result != "Failed"

    def view(self, now: datetime) -> SessionView:
        if self._stop_effective() and now >= self.stop_at:  # type: ignore[operator]
            assert self.stop_at is not None
            assert self.stop_outcome is not None
            stop_end = self.stop_at + timedelta(seconds=self.stop_s)
            canceled_early = self.stop_at < self.completes_at
            if now >= stop_end:
                out = self.stop_outcome
                return SessionView("Stopped", 100, out.result, out.message, out.canceled, stop_end)
            progress = self._progress(self.stop_at) if canceled_early else 100
            held = "None" if canceled_early else "Success"
            return SessionView("Stopping", progress, held, None, False, None)
        if now < self.working_at:
            return SessionView("Starting", 0, "None", None, False, None)
        if now < self.completes_at:
            return SessionView("Working", self._progress(now), "None", None, False, None)
        out = self.outcome
        if self.hold and out.result != "Failed":
            return SessionView("Working", 100, out.result, out.message, False, None)
        return SessionView("Stopped", 100, out.result, out.message, out.canceled, self.completes_at)

    def _progress(self, now: datetime) -> int:
        if self.work_s <= 0:
            return 99
        elapsed = (now - self.working_at).total_seconds()
        return max(0, min(99, math.floor(100 * elapsed / self.work_s)))

    def end_time(self, now: datetime) -> datetime | None:
        return self.view(now).end_time

    def is_running(self, now: datetime) -> bool:
        return not self.view(now).stopped

    def request_stop(
        self,
        now: datetime,
        stop_s: float,
        outcome: Outcome,
        title: str | None = None,
        stopped_title: str | None = None,
    ) -> bool:
        """Ask the session to stop at ``now``; False when it already stopped or is stopping."""
        current = self.view(now)
        if current.stopped or current.state == "Stopping":
            return False
        if now < self.completes_at:
            outcome = Outcome("Failed", outcome.message, canceled=True)
        self.stop_at = now
        self.stop_s = stop_s
        self.stop_outcome = outcome
        self.stop_title = title
        self.stopped_title = stopped_title
        return True

    def schedule_release(self, at: datetime, outcome: Outcome, title: str) -> None:
        """Plan the end of a holding session at a future instant (e.g. when a migration ends)."""
        self.stop_at = at
        self.stop_s = 0.0
        self.stop_outcome = outcome
        self.stop_title = None
        self.stopped_title = title
        self.usn += 1

    def cancel_release(self) -> None:
        self.stop_at = None
        self.stop_outcome = None
        self.usn += 1

    # --- wire models ----------------------------------------------------------------------

    def to_model(self, now: datetime) -> SessionModel:
        view = self.view(now)
        return SessionModel(
            id=self.id,
            name=self.name,
            job_id=self.job_id,
            session_type=self.session_type,
            creation_time=self.created,
            end_time=view.end_time,
            state=view.state,
            progress_percent=view.progress,
            result=SessionResultModel(
                result=view.result, message=view.message or "", is_canceled=view.canceled
            ),
            resource_id=self.resource_id,
            resource_reference=self.resource_reference,
            parent_session_id=self.parent_session_id,
            usn=self.usn,
            platform_name=self.platform_name,
            platform_id=uuid.UUID(int=0),
            initiated_by=self.initiated_by,
        )

    def log_records(self, now: datetime) -> list[SessionLogRecordModel]:
        """The log records written up to ``now``, newest first."""
        entries: list[tuple[datetime, str, str]] = [
            (self.created, "Succeeded", self.titles.started)
        ]
        stop_effective = self._stop_effective()
        stop_at = self.stop_at if stop_effective else None
        if now >= self.working_at and (stop_at is None or stop_at >= self.working_at):
            entries.append((self.working_at, "Succeeded", self.titles.working))
        completed = now >= self.completes_at and (stop_at is None or stop_at >= self.completes_at)
        if completed:
            if self.outcome.result == "Failed":
                entries.append((self.completes_at, "Failed", self.outcome.message))
            else:
                status = "Warning" if self.outcome.result == "Warning" else "Succeeded"
                entries.extend(
                    (self.completes_at, status, title) for title in self.titles.succeeded
                )
        if stop_at is not None and now >= stop_at:
            assert self.stop_outcome is not None
            if self.stop_title:
                entries.append((stop_at, "Succeeded", self.stop_title))
            stop_end = stop_at + timedelta(seconds=self.stop_s)
            if now >= stop_end:
                status = {"Success": "Succeeded", "Warning": "Warning"}.get(
                    self.stop_outcome.result, "Failed"
                )
                entries.append((stop_end, status, self.stopped_title or self.stop_outcome.message))
        entries.extend(entry for entry in self.extra_logs if entry[0] <= now)
        entries.sort(key=lambda entry: entry[0])
        records = [
            SessionLogRecordModel(
                id=index + 1,
                status=status,
                start_time=when,
                update_time=when,
                title=title,
                description="",
            )
            for index, (when, status, title) in enumerate(entries)
        ]
        records.reverse()
        return records
