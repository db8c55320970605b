"""Browsing unstructured data backups (``/api/v1/restore/flr/unstructuredData``), and unmounting
them (``/api/v1/restore/unstructuredData/{sessionId}/unmount``): browse mounts
(:mod:`~drflow.simulator.workloads.browse`) of the shares and buckets of a restore point, or of
the latest restore point of every object of a backup (``backupId``), optionally only those of
one ``unstructuredDataServerId``. Unknown ids in the body answer 400 (the operation documents
no 404).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import (
    SessionModel,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)

from ..auth import Principal
from ..errors import bad_request
from ..estate import RestorePoint, UnstructuredObject
from ..routes.operations import Operations
from ..sessions import SessionRecord
from ..workload import Workload
from .browse import BrowseKind, BrowseState, close_browse, describe_browse, open_browse

BROWSE = BrowseKind(
    label="UnstructuredData",
    platform="UnstructuredData",
    what="File restore session",
    path="/api/v1/restore/unstructuredData/{id}",
)


class UnstructuredFlrWorkload(Workload[BrowseState]):
    """Browse mounts of unstructured data."""

    kind = "unstructured_flr"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> BrowseState:
        return BrowseState()

    def start(
        self, spec: UnstructuredDataMountSpec, who: Principal
    ) -> UnstructuredDataFlrBrowseMountModel:
        """Mount unstructured data backup files for browsing."""
        with self.sim.lock:
            objects = self._objects(spec)
            first = objects[0][0]
            several = f"{first.backup.name} ({len(objects)} objects)"
            d = self.sim.estate.extra.unstructured.durations
            model = open_browse(
                self,
                self.state.browse,
                spec,
                who,
                BROWSE,
                points=[point for _, point in objects],
                name=first.name if len(objects) == 1 else several,
                separator="\\" if all(o.protocol == "SMB" for o, _ in objects) else "/",
                start_s=self.sim.scaled(d.start),
                mount_s=self.sim.scaled(d.mount),
                unmount_duration=d.unmount,
            )
            self.state.starts.record()
            return model

    def _objects(
        self, spec: UnstructuredDataMountSpec
    ) -> list[tuple[UnstructuredObject, RestorePoint]]:
        """The objects to mount, each with its restore point (else 400 naming the field)."""
        ud = self.sim.estate.extra.unstructured
        if spec.restore_point_id is not None:
            found = ud.by_point.get(spec.restore_point_id)
            if found is None:
                raise bad_request(
                    f"restorePointId: no unstructured data restore point has ID "
                    f"{spec.restore_point_id}.",
                    spec.restore_point_id,
                )
            if spec.backup_id is not None and found[0].backup.id != spec.backup_id:
                raise bad_request(
                    f"backupId: restore point {spec.restore_point_id} belongs to backup "
                    f"{found[0].backup.id}, not {spec.backup_id}."
                )
            objects = [found]
        elif spec.backup_id is not None:
            members = ud.by_backup.get(spec.backup_id)
            if not members:
                raise bad_request(
                    f"backupId: no unstructured data backup has ID {spec.backup_id}.",
                    spec.backup_id,
                )
            objects = [(o, max(o.points, key=lambda p: p.model.creation_time)) for o in members]
        else:
            raise bad_request("restorePointId: give restorePointId or backupId.")
        server_id = spec.unstructured_data_server_id
        if server_id is not None:
            server = ud.servers.get(server_id)
            if server is None:
                raise bad_request(
                    f"unstructuredDataServerId: no unstructured data server has ID {server_id}.",
                    server_id,
                )
            objects = [(o, p) for o, p in objects if o.server is server]
            if not objects:
                raise bad_request(
                    f"unstructuredDataServerId: the backup holds no data of {server.name}."
                )
        return objects

    def unmount(self, session_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Unmount unstructured data backup files."""
        return close_browse(self, self.state.browse, session_id, BROWSE, who)

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a browse mount's session unmounts it."""
        self.unmount(record.id, who)

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        with self.sim.lock:
            return describe_browse(self.state.browse, now, include_gone)


api = Operations(UnstructuredFlrWorkload, "/api/v1/restore")
api.start(
    "/flr/unstructuredData",
    "StartUnstructuredDataFlrMount",
    UnstructuredFlrWorkload.start,
    UnstructuredDataFlrBrowseMountModel,
    201,
    body=UnstructuredDataMountSpec,
)
api.stop(
    "/unstructuredData/{sessionId}/unmount",
    "StopUnstructuredDataFLRMount",
    UnstructuredFlrWorkload.unmount,
    SessionModel,
    201,
)
