"""The operations of Entra ID restore: tenant restore sessions and audit-log mounts (see the
package docstring)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import (
    EntraIdTenantBrowseMountModel,
    EntraIdTenantBrowseSourceProperties,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    JobStopSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)

from ...auth import Principal
from ...errors import bad_request, not_found
from ...estate import EntraTenant, RestorePoint
from ...sessions import LogTitles, Outcome, SessionRecord
from ...workload import Workload
from ..browse import BrowseKind, close_browse, describe_browse, open_browse
from .state import EntraIdState, TenantSession

TENANT_PATH = "/api/v1/restore/entraId/tenant"
AUDIT_LOG_PATH = "/api/v1/restore/entraId/auditLog"
AUDIT_LOGS = BrowseKind(
    label="EntraIdAuditLog",
    platform="EntraID",
    what="Audit log mount",
    path=AUDIT_LOG_PATH + "/{id}",
)


class EntraIdWorkload(Workload[EntraIdState]):
    """Microsoft Entra ID restore."""

    kind = "entra_id"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> EntraIdState:
        return EntraIdState()

    def tenant_session(self, session_id: uuid.UUID, field_name: str) -> TenantSession:
        """A tenant restore session named in a request body (else 400 naming ``field_name``)."""
        found = self.state.tenant_sessions.get(session_id)
        if found is None:
            raise bad_request(
                f"{field_name}: no Microsoft Entra ID tenant restore session has ID {session_id}.",
                session_id,
            )
        return found

    def _open(
        self,
        tenant: EntraTenant,
        kind: str,
        work_s: float,
        working: str,
        who: Principal,
        *,
        backup_id: uuid.UUID,
        point: RestorePoint | None = None,
    ) -> SessionRecord:
        """Start a holding tenant restore session of ``kind`` (mounted after ``work_s``)."""
        mounted = f"Tenant {tenant.name} is mounted for restore"
        session = self.open_session(
            kind,
            tenant.name,
            who.username,
            starting_s=self.sim.scaled(self.sim.estate.extra.entra_id.durations.start),
            work_s=work_s,
            outcome=Outcome("Success", mounted),
            titles=LogTitles(
                started=f"Starting restore session of tenant {tenant.name}",
                working=working,
                succeeded=[mounted],
            ),
            resource_path=TENANT_PATH,
            platform="EntraID",
            hold=True,
        )
        source = "backup" if point is None else "backupCopy"
        self.state.tenant_sessions[session.id] = TenantSession(
            session, tenant, backup_id, source, point, who.username
        )
        self.state.starts.record()
        return session

    def _tenant_backup(self, backup_id: uuid.UUID) -> EntraTenant:
        """The tenant whose backup (not its copy, not its audit log) ``backup_id`` is (else
        400). Called under the simulator's lock."""
        found = self.sim.estate.extra.entra_id.backups.get(backup_id)
        if found is None:
            raise bad_request(
                f"backupId: no Microsoft Entra ID tenant backup has ID {backup_id}.", backup_id
            )
        tenant, kind = found
        if kind == "copy":
            raise bad_request(
                f"backupId: {backup_id} is the backup copy of tenant {tenant.name}; restore "
                f"from a backup copy with POST {TENANT_PATH}/fromCopy.",
                backup_id,
            )
        if kind != "backup":
            raise bad_request(
                f"backupId: {backup_id} is the audit log backup of tenant {tenant.name}; mount "
                f"it with POST {AUDIT_LOG_PATH}.",
                backup_id,
            )
        return tenant

    def _copy_point(self, point_id: uuid.UUID) -> tuple[EntraTenant, RestorePoint]:
        """The tenant and restore point of ``point_id``, a point of a tenant's backup copy (else
        400). Called under the simulator's lock."""
        found = self.sim.estate.extra.entra_id.points.get(point_id)
        if found is None or found[1] != "copy":
            if found is None:
                what = "not a restore point of a Microsoft Entra ID tenant backup copy"
            else:
                source = "audit log backup" if found[1] == "auditLog" else "backup"
                what = (
                    f"a restore point of the {source} of tenant {found[0].name}, not of its "
                    f"backup copy"
                )
            raise bad_request(f"restorePointId: {point_id} is {what}.", point_id)
        tenant, _, point = found
        return tenant, point

    def start_tenant_restore(
        self, spec: EntraIdTenantStartRestoreSpec, who: Principal
    ) -> EntraIdTenantBrowseMountModel:
        """Mount a Microsoft Entra ID tenant backup for restore."""
        sim = self.sim
        backup_id = spec.backup_id
        with sim.lock:
            tenant = self._tenant_backup(backup_id)
            session = self._open(
                tenant,
                "EntraIdRestore",
                sim.scaled(sim.estate.extra.entra_id.durations.mount),
                f"Mounting backup {tenant.backup.name} of tenant {tenant.name}",
                who,
                backup_id=backup_id,
            )
            return EntraIdTenantBrowseMountModel(
                session_id=session.id,
                source_properties=EntraIdTenantBrowseSourceProperties(
                    backup_id=backup_id, tenant_id=tenant.tenant_id, tenant_name=tenant.name
                ),
            )

    def start_from_copy(
        self, spec: EntraIdTenantStartRestoreFromCopySpec, who: Principal
    ) -> SessionRecord:
        """Start restore of a Microsoft Entra ID tenant from a backup copy."""
        sim = self.sim
        with sim.lock:
            tenant, point = self._copy_point(spec.restore_point_id)
            d = sim.estate.extra.entra_id.durations
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            return self._open(
                tenant,
                "EntraIdRestoreFromCopy",
                sim.scaled(d.from_copy + d.mount),
                f"Retrieving the restore point of {date} from backup copy "
                f"{tenant.copy.name if tenant.copy else ''}",
                who,
                backup_id=point.model.backup_id,
                point=point,
            )

    def stop_tenant_restore(
        self, session_id: uuid.UUID, spec: JobStopSpec | None, who: Principal
    ) -> SessionRecord:
        """Unmount a Microsoft Entra ID tenant and stop its restore session."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            found = self.state.tenant_sessions.get(session_id)
            if found is None:
                raise not_found("Microsoft Entra ID tenant restore session", session_id)
            graceful = spec is None or spec.graceful_stop
            d = sim.estate.extra.entra_id.durations
            how = "gracefully" if graceful else "immediately"
            sim.stop(
                found.session,
                now,
                sim.scaled(d.unmount) if graceful else 0.0,
                title=f"Stopping restore session of tenant {found.tenant.name} {how} "
                f"(requested by {who.username})",
                done=f"Tenant {found.tenant.name} has been unmounted ({how})",
            )
            return found.session

    def mount_audit_log(
        self, spec: UnstructuredDataMountSpec, who: Principal
    ) -> UnstructuredDataFlrBrowseMountModel:
        """Mount a Microsoft Entra ID audit log backup for browsing."""
        sim = self.sim
        with sim.lock:
            entra = sim.estate.extra.entra_id
            point: RestorePoint | None = None
            if spec.restore_point_id is None and spec.backup_id is None:
                raise bad_request("restorePointId: give restorePointId or backupId.")
            if spec.restore_point_id is not None:
                found = entra.points.get(spec.restore_point_id)
                if found is None or found[1] != "auditLog":
                    raise bad_request(
                        f"restorePointId: {spec.restore_point_id} is not a restore point of a "
                        f"Microsoft Entra ID audit log backup.",
                        spec.restore_point_id,
                    )
                tenant, _, point = found
                if spec.backup_id is not None and spec.backup_id != point.model.backup_id:
                    raise bad_request(
                        f"backupId: restore point {point.model.id} belongs to backup "
                        f"{point.model.backup_id}, not {spec.backup_id}."
                    )
            else:
                owner = entra.backups.get(spec.backup_id) if spec.backup_id else None
                if owner is None or owner[1] != "auditLog":
                    raise bad_request(
                        f"backupId: {spec.backup_id} is not a Microsoft Entra ID audit log backup.",
                        spec.backup_id,
                    )
                tenant = owner[0]
                points = [
                    p for t, kind, p in entra.points.values() if t is tenant and kind == "auditLog"
                ]
                point = max(points, key=lambda p: p.model.creation_time)
            d = entra.durations
            model = open_browse(
                self,
                self.state.browse,
                spec,
                who,
                AUDIT_LOGS,
                points=[point],
                name=f"Audit log of {tenant.name}",
                separator="/",
                start_s=sim.scaled(d.start),
                mount_s=sim.scaled(d.mount),
                unmount_duration=d.unmount,
            )
            self.state.starts.record()
            return model

    def unmount_audit_log(self, session_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Unmount a Microsoft Entra ID audit log backup."""
        return close_browse(self, self.state.browse, session_id, AUDIT_LOGS, who)

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        """Tenant sessions (a ``Stopped`` one is gone), then audit-log mounts."""
        with self.sim.lock:
            tenants = [
                found.describe(now)
                for found in self.state.tenant_sessions.values()
                if include_gone or found.state(now) != "Stopped"
            ]
            return tenants + describe_browse(self.state.browse, now, include_gone)

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a tenant restore session stops it gracefully; stopping an audit-log mount's
        session unmounts it."""
        if record.id in self.state.browse:
            self.unmount_audit_log(record.id, who)
        else:
            self.stop_tenant_restore(record.id, None, who)
