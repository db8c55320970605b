"""Entire file share and object storage bucket restore (``/api/v1/restore/unstructuredData``).

Each start (201) is a ``NasRestore`` session named ``Restore of <share or bucket>``, whose
``resourceId`` is the restore point: ``start`` + ``restore`` seconds, then ``Success``
(``Warning`` when restoring to the original location with overwrite mode ``Skip``: files that
exist were skipped). ``POST /sessions/{id}/stop`` cancels it. The restore point must be one of
a file share (``/fileShare``) or of a bucket (``/objectStorage``); another location needs an
unstructured data server of the right kind (SMB or NFS as the share, S3 for a bucket) and a
``path`` (or ``newBucketName``), or ``restoreToBackupServer``.
"""

from __future__ import annotations

from fastapi import APIRouter

from drflow.vbr.models import (
    SessionModel,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
)

from ..auth import Principal
from ..errors import bad_request, not_found
from ..points import POINTS_PATH, find_unstructured
from ..routes.operations import Operations
from ..sessions import LogTitles, Outcome, SessionRecord
from ..workload import Workload, WorkloadState

PATH = "/api/v1/restore/unstructuredData"

RestoreSpec = UnstructuredDataEntireShareRestoreSpec | UnstructuredDataEntireOSRestoreSpec


class NasRestoreWorkload(Workload[WorkloadState]):
    """Entire file share and bucket restore: a session per request, nothing mounted."""

    kind = "nas_restore"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> WorkloadState:
        return WorkloadState()

    def restore(self, spec: RestoreSpec, who: Principal) -> SessionRecord:
        """Restore an entire file share or object storage bucket."""
        sim = self.sim
        now = sim.now()
        bucket = isinstance(spec, UnstructuredDataEntireOSRestoreSpec)
        want = "Bucket" if bucket else "FileShare"
        what = "object storage bucket" if bucket else "file share"
        with sim.lock:
            ud = sim.estate.extra.unstructured
            obj, point = find_unstructured(sim, spec.restore_point_id, what)
            if obj.kind != want:
                raise bad_request(
                    f"restorePointId: {point.model.id} is a restore point of {obj.name}, which is "
                    f"not a {what}.",
                    point.model.id,
                )
            dest = spec.destination
            options = spec.restore_options
            mode = options.overwrite_mode.value if options and options.overwrite_mode else None
            original = dest is None or (
                dest.unstructured_data_server_id is None and not dest.restore_to_backup_server
            )
            if original:
                if dest is not None and (
                    dest.path or (bucket and (dest.new_bucket_name or dest.region_id))  # type: ignore[union-attr]
                ):
                    raise bad_request(
                        "destination.unstructuredDataServerId: required when restoring to another "
                        "location (or set restoreToBackupServer)."
                    )
                target = f"the original location ({obj.name} on {obj.server.name})"
            else:
                assert dest is not None
                if dest.unstructured_data_server_id is not None and dest.restore_to_backup_server:
                    raise bad_request(
                        "destination: give either unstructuredDataServerId or "
                        "restoreToBackupServer."
                    )
                if dest.restore_to_backup_server:
                    host = sim.estate.server.name
                else:
                    server = ud.servers.get(dest.unstructured_data_server_id)  # type: ignore[arg-type]
                    if server is None:
                        raise not_found(
                            "Unstructured data server", dest.unstructured_data_server_id
                        )
                    fits = server.type == "S3" if bucket else server.type == obj.protocol
                    if not fits:
                        raise bad_request(
                            f"destination.unstructuredDataServerId: {server.name} is an "
                            f"{server.type} server; {obj.name} needs "
                            f"{'an S3' if bucket else f'an {obj.protocol}'} server."
                        )
                    region = getattr(dest, "region_id", None)
                    if region and region not in server.regions:
                        raise bad_request(
                            f"destination.regionId: {region!r} is not a region of {server.name} "
                            f"({', '.join(server.regions) or 'none'})."
                        )
                    host = server.name
                name = getattr(dest, "new_bucket_name", None)
                if not dest.path and not name:
                    raise bad_request(
                        "destination.path: required when restoring to another location"
                        + (" (or give newBucketName)." if bucket else ".")
                    )
                target = f"{host} ({name or dest.path})"
            if original and mode == "Skip":
                outcome = Outcome(
                    "Warning",
                    f"{obj.name} has been restored to {target}; files that exist there were "
                    f"skipped (overwrite mode Skip)",
                )
            else:
                outcome = Outcome("Success", f"{obj.name} has been restored to {target}")
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            d = ud.durations
            self.state.starts.record()
            return self.open_session(
                "NasRestore",
                f"Restore of {obj.name}",
                who.username,
                starting_s=sim.scaled(d.start),
                work_s=sim.scaled(d.restore),
                outcome=outcome,
                titles=LogTitles(
                    started=f"Starting restore of {what} {obj.name} from the restore point of "
                    f"{date} to {target} (overwrite: {mode or 'default'})",
                    working=f"Restoring {obj.name}",
                    succeeded=[outcome.message],
                ),
                resource_id=point.model.id,
                resource_path=POINTS_PATH,
                platform="UnstructuredData",
                created=now,
                subject=obj.name,
            )

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a restore session cancels the restore."""
        self.sim.cancel(record, self.sim.now(), who.username, "restore")


api = Operations(NasRestoreWorkload, PATH)
api.post(
    "/fileShare",
    "EntireUnstructuredDataShareRestore",
    NasRestoreWorkload.restore,
    SessionModel,
    201,
    body=UnstructuredDataEntireShareRestoreSpec,
)
api.post(
    "/objectStorage",
    "EntireUnstructuredDataOSRestore",
    NasRestoreWorkload.restore,
    SessionModel,
    201,
    body=UnstructuredDataEntireOSRestoreSpec,
)
