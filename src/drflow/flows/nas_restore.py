"""Entire file share and object storage bucket restore: restore → track the session → checks.

One implementation for both (:class:`UnstructuredRestore`, a subclass per kind). Nothing is
mounted: the ``NasRestore`` session writes the data to its original location or another one,
and its result is final, so there is no decision after verification (``then`` is always
``keep``; ``ask`` does not apply). ``Warning`` (e.g. files skipped because they exist, with
overwrite mode ``Skip``) passes, with the warning in the evidence. A restore VBR refuses
(an unknown server, a path it rejects) fails with VBR's reason and nothing started. What the
run holds while it runs is the restore session: if the run fails before the session ends
(timeout), is cancelled or crashes, the session is stopped.
"""

from abc import ABC, abstractmethod
from typing import Any, Generic, Literal, Self, TypeVar
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from drflow.tasks import (
    get_backup,
    restore_file_share,
    restore_object_storage_bucket,
    select_restore_point,
    verify_workload,
)
from drflow.vbr import VBRAPIError, VBRError
from drflow.vbr.models import (
    ObjectRestorePointModel,
    SessionModel,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataOSRestoreDestinationModel,
    UnstructuredDataOSRestoreOptionsModel,
    UnstructuredDataRestoreOverwriteMode,
    UnstructuredDataShareRestoreDestinationModel,
    UnstructuredDataShareRestoreOptionsModel,
)
from drflow.vbr.models.backups import JobType, PlatformType

from ._cleanup import CLEANUP_HOOKS
from ._mount_recovery import Unverified, describe_failure
from ._report import RecoveryFailed, RecoveryReport
from ._restore_session import TrackedSession, record_restore_point, result_note
from .evidence import Progress, publish
from .params import RecoveryParams

OverwriteMode = Literal["Skip", "ReplaceOlder", "ReplaceNewer", "Overwrite"]


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server_id: UUID | None = Field(
        default=None,
        description="VBR id of the unstructured data server to restore to (as VBR's inventory "
        "of unstructured data servers lists it).",
    )
    backup_server: bool = Field(
        default=False, description="Restore to the backup server itself instead of server_id."
    )
    path: str | None = Field(
        default=None, min_length=1, description="Folder on the target to restore into."
    )

    @model_validator(mode="after")
    def _one_server(self) -> Self:
        if (self.server_id is None) == (not self.backup_server):
            raise ValueError("give either server_id or backup_server: true (exactly one)")
        return self

    def describe(self) -> str:
        where = "the backup server" if self.backup_server else f"server `{self.server_id}`"
        return f"{where}, path `{self.path}`" if self.path else where


class ShareTarget(_Target):
    """Another location for a file share: a server of the share's protocol, and a folder."""

    preserve_hierarchy: bool = Field(
        default=True, description="Keep the share's folder hierarchy under path."
    )

    @model_validator(mode="after")
    def _needs_path(self) -> Self:
        if not self.path:
            raise ValueError("path: required (the folder on the target to restore into)")
        return self


class BucketTarget(_Target):
    """Another location for a bucket: an object storage server, and a bucket or folder."""

    new_bucket_name: str | None = Field(
        default=None, min_length=1, description="Restore into a bucket of this name."
    )
    region: str | None = Field(
        default=None, min_length=1, description="Region of the target storage (its id)."
    )

    @model_validator(mode="after")
    def _needs_bucket_or_path(self) -> Self:
        if not self.path and not self.new_bucket_name:
            raise ValueError("give new_bucket_name or path (where on the target to restore)")
        return self

    def describe(self) -> str:
        text = super().describe()
        if self.new_bucket_name:
            text += f", bucket `{self.new_bucket_name}`"
        return text + (f" ({self.region})" if self.region else "")


class _UnstructuredRestoreParams(RecoveryParams):
    location: Literal["original", "other"] = Field(
        default="original",
        description="original: back where it was backed up from; other: to target.",
    )
    overwrite_mode: OverwriteMode = Field(
        default="Skip",
        description="Files that exist at the target: Skip (keep them; VBR reports a warning "
        "when it skipped some), ReplaceOlder, ReplaceNewer, or Overwrite.",
    )
    rollback: bool = Field(
        default=False,
        description="Roll the original location back to the restore point (location=original).",
    )
    then: Literal["keep"] = Field(
        default="keep", description="A restore is permanent: the restored data stays."
    )
    ask: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _location_and_target(self) -> Self:
        target = getattr(self, "target", None)
        if self.location == "other" and target is None:
            raise ValueError("target: location=other needs a target (where to restore)")
        if self.location == "original" and target is not None:
            raise ValueError("target: only for location=other")
        if self.rollback and self.location != "original":
            raise ValueError("rollback: only a restore to the original location rolls back")
        return self


class FileShareRestoreParams(_UnstructuredRestoreParams):
    """Restore an entire file share (SMB or NFS) from its backup.

    ``then`` and ``ask`` do not apply: a restore is permanent.
    """

    share: str = Field(
        min_length=1, description="The share as it appears in its backup, e.g. \\\\fs01\\finance."
    )
    target: ShareTarget | None = Field(
        default=None, description="Where to restore (needed for location=other)."
    )
    restore_permissions: bool = Field(
        default=True,
        description="Keep the files' ownership and permissions (false: the Veeam service "
        "account owns them).",
    )


class ObjectStorageRestoreParams(_UnstructuredRestoreParams):
    """Restore an entire object storage bucket (or container) from its backup.

    ``then`` and ``ask`` do not apply: a restore is permanent.
    """

    bucket: str = Field(min_length=1, description="The bucket as it appears in its backup.")
    target: BucketTarget | None = Field(
        default=None, description="Where to restore (needed for location=other)."
    )
    overwrite_bucket_attributes: bool = Field(
        default=False, description="Overwrite the target bucket's attributes too."
    )


class RestoreRefused(Exception):
    """VBR refused to start the restore, or it cannot be what was asked for: nothing started."""


P = TypeVar("P", bound=_UnstructuredRestoreParams)


class UnstructuredRestore(ABC, Generic[P]):
    """What differs between a share and a bucket: names, the spec, and the start call."""

    what: str
    other_kind_jobs: frozenset[JobType]
    """Backups of the other kind (a share's point in an object storage backup is refused)."""
    other_flow: str

    def __init__(self, params: P) -> None:
        self.params = params

    @property
    @abstractmethod
    def name(self) -> str:
        """The share or bucket as it appears in its backup."""

    @abstractmethod
    def start(self, point: ObjectRestorePointModel) -> SessionModel:
        """Start the restore from ``point``; the restore session."""

    def describe(self) -> dict[str, str]:
        """The evidence rows saying what was asked for."""
        p = self.params
        target = getattr(p, "target", None)
        rows = {
            "restored": self.what,
            "to": target.describe() if target else "its original location",
            "overwrite mode": p.overwrite_mode,
        }
        if p.rollback:
            rows["rollback"] = "yes"
        return rows

    def _overwrite(self) -> UnstructuredDataRestoreOverwriteMode:
        return UnstructuredDataRestoreOverwriteMode(self.params.overwrite_mode)


class FileShare(UnstructuredRestore[FileShareRestoreParams]):
    what = "file share"
    other_kind_jobs = frozenset({JobType.OBJECT_STORAGE_BACKUP})
    other_flow = "object-storage-restore"

    @property
    def name(self) -> str:
        return self.params.share

    def start(self, point: ObjectRestorePointModel) -> SessionModel:
        p = self.params
        t = p.target
        spec = UnstructuredDataEntireShareRestoreSpec(
            restore_point_id=point.id,
            destination=UnstructuredDataShareRestoreDestinationModel(
                unstructured_data_server_id=t.server_id,
                restore_to_backup_server=t.backup_server or None,
                path=t.path,
                preserve_hierarchy=t.preserve_hierarchy,
            )
            if t
            else None,
            restore_options=UnstructuredDataShareRestoreOptionsModel(
                rollback=p.rollback,
                overwrite_mode=self._overwrite(),
                restore_permissions=p.restore_permissions,
            ),
        )
        return restore_file_share(p.connection, p.share, spec)


class Bucket(UnstructuredRestore[ObjectStorageRestoreParams]):
    what = "object storage bucket"
    other_kind_jobs = frozenset({JobType.FILE_BACKUP, JobType.FILE_BACKUP_COPY})
    other_flow = "file-share-restore"

    @property
    def name(self) -> str:
        return self.params.bucket

    def start(self, point: ObjectRestorePointModel) -> SessionModel:
        p = self.params
        t = p.target
        spec = UnstructuredDataEntireOSRestoreSpec(
            restore_point_id=point.id,
            destination=UnstructuredDataOSRestoreDestinationModel(
                unstructured_data_server_id=t.server_id,
                restore_to_backup_server=t.backup_server or None,
                path=t.path,
                new_bucket_name=t.new_bucket_name,
                region_id=t.region,
            )
            if t
            else None,
            restore_options=UnstructuredDataOSRestoreOptionsModel(
                rollback=p.rollback,
                overwrite_mode=self._overwrite(),
                overwrite_bucket_attributes=p.overwrite_bucket_attributes,
            ),
        )
        return restore_object_storage_bucket(p.connection, p.bucket, spec)


def run_unstructured_restore(restore: UnstructuredRestore[Any]) -> RecoveryReport:
    """Carry out one restore; return its report, or raise :class:`RecoveryFailed` with it."""
    params = restore.params
    name = restore.name
    logger = get_run_logger()
    report = RecoveryReport(
        workload=name, then="keep", flow_run_id=str(flow_run.get_id() or "") or None
    )
    report.details.update(restore.describe())
    progress = Progress(name)
    tracked: TrackedSession | None = None
    try:
        phase = report.begin("select restore point")
        policy = params.restore_point
        point = select_restore_point(
            params.connection,
            name,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age_hours=policy.max_age_hours,
            platform=PlatformType.UNSTRUCTURED_DATA,
        )
        record_restore_point(report, point)
        backup = get_backup(params.connection, point.backup_id)
        report.details["backup"] = backup.name
        if backup.job_type in restore.other_kind_jobs:
            raise RestoreRefused(
                f"{name} is not a {restore.what} (it is in {backup.job_type} backup "
                f"{backup.name!r}): use {restore.other_flow}"
            )
        report.end(phase)
        progress.update(5, "restore point selected")
        logger.info(
            "restoring %s %s from %s (%s)", restore.what, name, point.creation_time, point.id
        )

        phase = report.begin("restore")
        try:
            session = restore.start(point)
        except VBRAPIError as exc:
            code = " ".join(str(part) for part in (exc.status_code, exc.error_code) if part)
            raise RestoreRefused(
                f"VBR refused to start the restore of {name} ({code}): {exc.message}"
            ) from exc
        tracked = TrackedSession(params.connection, session.id, label=f"restore {name}")
        report.session_ids.append(str(session.id))
        progress.update(10, "restoring")
        done = tracked.wait(params.timeout_seconds, progress, span=(10, 80), phase="restoring")
        report.end(phase)
        if done.result is not None:
            report.details["VBR result"] = f"{done.result.result}: {done.result.message or ''}"
        warning = result_note(done)
        if warning:
            report.details["warning"] = warning
            logger.warning("restore of %s passed with a warning: %s", name, warning)
        progress.update(80, "verifying")

        if params.checks:
            phase = report.begin("verify")
            report.checks = verify_workload(name, params.checks)
            report.end(phase)
            failed = [f"{c.check}: {c.detail}" for c in report.checks if not c.passed]
            if failed:
                raise Unverified("; ".join(failed))
        report.verified()
        report.choice = "keep"
        report.verdict = "passed"
        if warning:
            report.reason = f"restored, with a warning from VBR: {warning}"
        progress.update(100, "done")
        logger.info("%s restored, RTO %.1fs", name, report.rto_seconds)
    except (RestoreRefused, Unverified, VBRError) as exc:
        report.reason = str(exc) if isinstance(exc, RestoreRefused) else describe_failure(exc)
        logger.error("restore of %s failed: %s", name, report.reason)
    finally:
        if tracked is not None:
            stopped = tracked.release()
            if stopped is not None:
                report.cleaned_up = stopped
        publish(report)
    if report.verdict != "passed":
        raise RecoveryFailed(report)
    return report


@flow(
    name="file-share-restore",
    flow_run_name="file-share-restore[{params.share}]",
    **CLEANUP_HOOKS,
)
def file_share_restore(params: FileShareRestoreParams) -> RecoveryReport:
    """Restore an entire file share to its original location or another one, and track the
    restore session to its result (a Warning passes, recorded in the evidence).

    Files that exist at the target follow ``overwrite_mode`` (default Skip: kept). A restore
    this run leaves unfinished (timeout, cancellation, crash) is stopped.
    """
    return run_unstructured_restore(FileShare(params))


@flow(
    name="object-storage-restore",
    flow_run_name="object-storage-restore[{params.bucket}]",
    **CLEANUP_HOOKS,
)
def object_storage_restore(params: ObjectStorageRestoreParams) -> RecoveryReport:
    """Restore an entire object storage bucket to its original location or another one, and
    track the restore session to its result (a Warning passes, recorded in the evidence).

    Objects that exist at the target follow ``overwrite_mode`` (default Skip: kept). A restore
    this run leaves unfinished (timeout, cancellation, crash) is stopped.
    """
    return run_unstructured_restore(Bucket(params))
