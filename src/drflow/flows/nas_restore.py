"""Entire file share and object storage bucket restore: restore → track the session → checks.

One strategy for both (:class:`UnstructuredRestore`, a subclass per kind). Nothing is
mounted: the ``NasRestore`` session writes the data to its original location or another one,
and its result is final, so there is no decision after verification (``then`` is always
``keep``; ``ask`` does not apply). ``Warning`` (e.g. files skipped because they exist, with
overwrite mode ``Skip``) passes, with the warning in the evidence. A restore VBR refuses
(an unknown server, a path it rejects) fails with VBR's reason and nothing started. What the
run holds while it runs is the restore session: if the run fails before the session ends
(timeout), is cancelled or crashes, the session is stopped. A restore to the original location
writes over production data: it needs ``allow_overwrite: true``, as an entire VM restore does.
"""

from abc import abstractmethod
from typing import Any, ClassVar, Literal, Self, TypeVar
from uuid import UUID

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from drflow.tasks import (
    get_backup,
    restore_file_share,
    restore_object_storage_bucket,
)
from drflow.vbr import VBRAPIError
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
    VBRModel,
)
from drflow.vbr.models.backups import JobType, PlatformType

from .engine import (
    CLEANUP_HOOKS,
    RecoveryParams,
    RecoveryProblem,
    RecoveryReport,
    RestoreStrategy,
    run_recovery,
)

OverwriteMode = Literal["Skip", "ReplaceOlder", "ReplaceNewer", "Overwrite"]
M = TypeVar("M", bound=VBRModel)


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

    def destination(self, model: type[M]) -> M:
        """This target as VBR's restore destination ``model``."""
        return model(
            unstructured_data_server_id=self.server_id,
            restore_to_backup_server=self.backup_server or None,
            path=self.path,
            **self._own_fields(),
        )

    def _own_fields(self) -> dict[str, Any]:
        """The destination's fields only this kind of target has."""
        raise NotImplementedError


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

    def _own_fields(self) -> dict[str, Any]:
        return {"preserve_hierarchy": self.preserve_hierarchy}


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

    def _own_fields(self) -> dict[str, Any]:
        return {"new_bucket_name": self.new_bucket_name, "region_id": self.region}


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
    allow_overwrite: bool = Field(
        default=False,
        description="Required for location=original: a restore there writes over production "
        "data. Without it nothing is started.",
    )
    then: Literal["keep"] = Field(
        default="keep", description="A restore is permanent: the restored data stays."
    )
    ask: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _location_and_target(self) -> Self:
        target = getattr(self, "target", None)
        if self.location == "original" and not self.allow_overwrite:
            raise ValueError(
                "allow_overwrite: a restore to the original location writes over production "
                "data; set allow_overwrite: true to confirm, or restore to location=other"
            )
        if self.location == "other" and target is None:
            raise ValueError("target: location=other needs a target (where to restore)")
        if self.location == "original" and target is not None:
            raise ValueError("target: only for location=other")
        if self.rollback and self.location != "original":
            raise ValueError("rollback: only a restore to the original location rolls back")
        return self

    def restore_options(self, model: type[M]) -> M:
        """The options of this restore as VBR's ``model``."""
        return model(
            rollback=self.rollback,
            overwrite_mode=UnstructuredDataRestoreOverwriteMode(self.overwrite_mode),
            **self._own_options(),
        )

    def _own_options(self) -> dict[str, Any]:
        """The options only this kind of restore has."""
        raise NotImplementedError


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

    def _own_options(self) -> dict[str, Any]:
        return {"restore_permissions": self.restore_permissions}


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

    def _own_options(self) -> dict[str, Any]:
        return {"overwrite_bucket_attributes": self.overwrite_bucket_attributes}


P = TypeVar("P", bound=_UnstructuredRestoreParams)


class UnstructuredRestore(RestoreStrategy[P]):
    """A share or a bucket restored entirely; subclasses name VBR's models of the restore and
    start it."""

    what: ClassVar[str]
    other_kind_jobs: ClassVar[frozenset[JobType]]
    """Backups of the other kind (a share's point in an object storage backup is refused)."""
    other_flow: ClassVar[str]
    spec_model: ClassVar[type[VBRModel]]
    destination_model: ClassVar[type[VBRModel]]
    options_model: ClassVar[type[VBRModel]]
    platform = PlatformType.UNSTRUCTURED_DATA

    def select_point(self, report: RecoveryReport) -> ObjectRestorePointModel:
        """The shared policy's point, refused when it is in a backup of the other kind."""
        report.details.update(self.describe())
        point = super().select_point(report)
        backup = get_backup(self.params.connection, point.backup_id)
        report.details["backup"] = backup.name
        if backup.job_type in self.other_kind_jobs:
            raise RecoveryProblem(
                f"{self.name} is not a {self.what} (it is in {backup.job_type} backup "
                f"{backup.name!r}): use {self.other_flow}"
            )
        return point

    def start(
        self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport
    ) -> SessionModel:
        p = self.params
        target = getattr(p, "target", None)
        spec = self.spec_model(
            restore_point_id=point.id,
            destination=target.destination(self.destination_model) if target else None,
            restore_options=p.restore_options(self.options_model),
        )
        try:
            session = self._restore(spec)
        except VBRAPIError as exc:
            code = " ".join(str(part) for part in (exc.status_code, exc.error_code) if part)
            raise RecoveryProblem(
                f"VBR refused to start the restore of {self.name} ({code}): {exc.message}"
            ) from exc
        report.session_ids.append(str(session.id))
        return session

    @abstractmethod
    def _restore(self, spec: Any) -> SessionModel:
        """Start the restore ``spec`` describes; the restore session."""

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


class FileShare(UnstructuredRestore[FileShareRestoreParams]):
    what = "file share"
    other_kind_jobs = frozenset({JobType.OBJECT_STORAGE_BACKUP})
    other_flow = "object-storage-restore"
    spec_model = UnstructuredDataEntireShareRestoreSpec
    destination_model = UnstructuredDataShareRestoreDestinationModel
    options_model = UnstructuredDataShareRestoreOptionsModel

    @property
    def name(self) -> str:
        return self.params.share

    def _restore(self, spec: UnstructuredDataEntireShareRestoreSpec) -> SessionModel:
        return restore_file_share(self.params.connection, self.name, spec)


class Bucket(UnstructuredRestore[ObjectStorageRestoreParams]):
    what = "object storage bucket"
    other_kind_jobs = frozenset({JobType.FILE_BACKUP, JobType.FILE_BACKUP_COPY})
    other_flow = "file-share-restore"
    spec_model = UnstructuredDataEntireOSRestoreSpec
    destination_model = UnstructuredDataOSRestoreDestinationModel
    options_model = UnstructuredDataOSRestoreOptionsModel

    @property
    def name(self) -> str:
        return self.params.bucket

    def _restore(self, spec: UnstructuredDataEntireOSRestoreSpec) -> SessionModel:
        return restore_object_storage_bucket(self.params.connection, self.name, spec)


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
    return run_recovery(FileShare(params))


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
    return run_recovery(Bucket(params))
