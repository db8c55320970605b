"""Microsoft Entra ID: a tenant mounted for restore with the operator signed in, and audit logs
mounted for browsing. Both are handed to the operator and always released (the engine's
``hand over`` ending).

Tenant restore: mount the tenant backup (or restore from its backup copy) → wait until VBR
reports it mounted → get a device code and publish the user code and verification address
(artifact ``entra-sign-in-<tenant>`` and the log) → poll, in one task, until the operator has
signed in (``Success``: the signed-in account is reported), declined, or the code expired →
keep → stop the restore session.

The sign-in wait polls VBR instead of pausing the run for an operator's answer: signing in
happens at the identity provider, and VBR's device-code state is what tells that it is done.
"""

import math
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from pydantic import Field

from drflow.tasks import (
    VBRConnection,
    get_entra_id_device_code,
    list_backups,
    list_restore_points,
    mount_entra_id_audit_log,
    select_restore_point,
    start_entra_id_tenant_restore,
    start_entra_id_tenant_restore_from_copy,
    stop_entra_id_tenant_restore,
    unmount_entra_id_audit_log,
    wait_for_entra_id_sign_in,
)
from drflow.vbr import NoRestorePoint, WaitTimeout
from drflow.vbr.models import (
    BackupModel,
    EntraIdTenantRestoreDeviceCodeSpec,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantRestoreDeviceCodeStatus,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    FlrAutoUnmountModel,
    ObjectRestorePointModel,
    UnstructuredDataMountSpec,
)
from drflow.vbr.models.backups import JobType, PlatformType

from .engine import (
    CLEANUP_HOOKS,
    HandoverParams,
    HandoverStrategy,
    Progress,
    RecoveryProblem,
    RecoveryReport,
    artifact_key,
    run_recovery,
    wait_until_stopped,
)

SIGN_IN_GRACE_SECONDS = 30
"""How long past the code's expiry to keep polling for VBR to report it expired."""


class _TenantParams(HandoverParams):
    tenant: str = Field(
        min_length=1, description="Tenant as VBR backs it up, e.g. contoso.onmicrosoft.com."
    )
    backup: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the backup to use; unset: the one that holds the tenant.",
    )


class EntraIdTenantRestoreParams(_TenantParams):
    """Mount a Microsoft Entra ID tenant backup for restore and sign the operator in.

    ``then`` is always ``unmount`` (the restore session is stopped) and ``ask`` does not
    apply: the session is kept for ``keep_minutes`` or until the operator says done.
    """

    backup: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the tenant backup (of the backup copy with from_copy); unset: "
        "the one that holds the tenant.",
    )
    from_copy: bool = Field(
        default=False,
        description="Restore from the tenant's backup copy: VBR first brings the chosen "
        "restore point back from the copy.",
    )
    sign_in_minutes: float = Field(
        default=15,
        gt=0,
        description="Minutes to wait for the operator to sign in with the device code "
        "(never past the code's own expiry).",
    )


class EntraIdAuditLogRestoreParams(_TenantParams):
    """Mount the Microsoft Entra ID audit logs of a tenant for browsing.

    ``then`` is always ``unmount`` and ``ask`` does not apply: the mount is kept for
    ``keep_minutes`` or until the operator says done.
    """

    backup: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the audit log backup; unset: the one that holds the tenant.",
    )
    auto_unmount_minutes: int | None = Field(
        default=None,
        ge=1,
        description="VBR unmounts by itself after this many minutes without activity, a safety "
        "net should this run die; unset: keep_minutes + 30.",
    )

    @property
    def idle_minutes(self) -> int:
        return self.auto_unmount_minutes or math.ceil(self.keep_minutes) + 30


def find_tenant_backup(
    connection: VBRConnection, tenant: str, job_type: JobType, backup: str | None, what: str
) -> tuple[BackupModel, str]:
    """The backup of ``job_type`` that holds ``tenant`` and the tenant's object name in it.

    An audit log backup names its object after the tenant (``<tenant> audit log`` or the like),
    so names that start with the tenant's count. Raises ``NoRestorePoint`` saying why.
    """
    filters: dict[str, object] = {"job_type_filter": job_type}
    if backup:
        filters["name_filter"] = backup
    candidates = [
        b for b in list_backups(connection, **filters).data if not backup or b.name == backup
    ]
    if not candidates:
        raise NoRestorePoint(
            f"VBR has no {what} called {backup!r}" if backup else f"VBR has no {what}"
        )
    holding: list[tuple[BackupModel, str]] = []
    for candidate in candidates:
        names = {
            point.name
            for point in list_restore_points(
                connection,
                backup_id_filter=candidate.id,
                name_filter=f"{tenant}*",
                platform_name_filter=PlatformType.ENTRA_ID,
            )
            if point.name.lower().startswith(tenant.lower())
        }
        exact = [name for name in names if name.lower() == tenant.lower()]
        if exact or len(names) == 1:
            holding.append((candidate, (exact or sorted(names))[0]))
    if not holding:
        looked = ", ".join(repr(b.name) for b in candidates)
        raise NoRestorePoint(f"no {what} holds tenant {tenant!r} (looked in {looked})")
    if len(holding) > 1:
        names = ", ".join(repr(b.name) for b, _ in holding)
        raise NoRestorePoint(f"tenant {tenant!r} is in several {what}s ({names}): set backup")
    return holding[0]


T = TypeVar("T", bound=_TenantParams)


class _EntraHandover(HandoverStrategy[T]):
    """Shared by both: which backup holds the tenant, and the restore point in it."""

    job_type: JobType
    what: str

    def __init__(self, params: T) -> None:
        super().__init__(params)
        self.backup: BackupModel | None = None

    def select_point(self, report: RecoveryReport) -> ObjectRestorePointModel:
        p = self.params
        self.backup, object_name = find_tenant_backup(
            p.connection, p.tenant, self.job_type, p.backup, self.what
        )
        policy = p.restore_point
        point = select_restore_point(
            p.connection,
            object_name,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age_hours=policy.max_age_hours,
            platform=PlatformType.ENTRA_ID,
            backup_id=self.backup.id,
        )
        report.details[self.what] = f"{self.backup.name} (`{self.backup.id}`)"
        return point


class TenantRestore(_EntraHandover[EntraIdTenantRestoreParams]):
    """A tenant backup (or backup copy) mounted for restore, with the operator signed in."""

    handover_key = "entra-tenant"
    hold_kind = "entra-tenant-restore"
    title = "mounted for restore"
    release_phase = "stop"

    def __init__(self, params: EntraIdTenantRestoreParams) -> None:
        super().__init__(params)
        copy = params.from_copy
        self.job_type = (
            JobType.ENTRA_ID_TENANT_BACKUP_COPY if copy else JobType.ENTRA_ID_TENANT_BACKUP
        )
        self.what = "Entra ID tenant backup copy" if copy else "Entra ID tenant backup"

    @property
    def name(self) -> str:
        return self.params.tenant

    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> UUID:
        p = self.params
        assert self.backup is not None
        when = f"{point.creation_time:%Y-%m-%d %H:%M} UTC (`{point.id}`)"
        if p.from_copy:
            session = start_entra_id_tenant_restore_from_copy(
                p.connection,
                p.tenant,
                EntraIdTenantStartRestoreFromCopySpec(restore_point_id=point.id),
            )
            session_id = session.id
            source = f"restore point of {when}, brought back from the backup copy"
        else:
            mounted = start_entra_id_tenant_restore(
                p.connection, p.tenant, EntraIdTenantStartRestoreSpec(backup_id=self.backup.id)
            )
            session_id = mounted.session_id
            source = (
                f"every restore point of {self.backup.name}; the restore point policy chose "
                f"the one of {when}"
            )
        _held(report, session_id, {"restore session": f"`{session_id}`", "restore from": source})
        self.how_to_use = [
            f"In the Veeam Backup & Replication console, open the Microsoft Entra ID "
            f"restore session `{session_id}` of {p.tenant} (Veeam Explorer for Microsoft "
            f"Entra ID) and restore items with the signed-in account.",
            "Restores made there are delegated to the account that signed in with the "
            "device code (see the entra-sign-in artifact).",
        ]
        return session_id

    def prepare(self, session_id: UUID, report: RecoveryReport, progress: Progress) -> None:
        """The operator signs in with a device code; VBR's credentials are what comes out."""
        phase = report.begin("sign in")
        try:
            self._sign_in(session_id, report, progress)
        finally:
            report.end(phase)

    def _sign_in(self, session_id: UUID, report: RecoveryReport, progress: Progress) -> None:
        p = self.params
        logger = get_run_logger()
        code = get_entra_id_device_code(
            p.connection, EntraIdTenantRestoreDeviceCodeSpec(session_id=session_id)
        )
        expires = code.expires_on
        _publish_sign_in(
            p.tenant,
            [
                f"Open **{code.verification_url}** and enter the code **`{code.user_code}`** "
                f"to sign in to {p.tenant}.",
                f"The code expires at {expires:%Y-%m-%d %H:%M:%S} UTC."
                if expires
                else "VBR did not say when the code expires.",
                "This run continues by itself once you have signed in. To give up, decline the "
                "sign-in or cancel the run: the restore session is stopped either way.",
                *([f"VBR says: {code.message}"] if code.message else []),
            ],
        )
        logger.info(
            "to restore %s, sign in at %s with the code %s (expires %s)",
            p.tenant,
            code.verification_url,
            code.user_code,
            f"{expires:%H:%M:%S} UTC" if expires else "when VBR decides",
        )
        progress.update(45, f"waiting for sign-in with code {code.user_code}")
        limit = p.sign_in_minutes * 60
        if expires is not None:
            left = (expires - datetime.now(UTC)).total_seconds()
            limit = min(limit, max(0.0, left) + SIGN_IN_GRACE_SECONDS)
        try:
            state = wait_for_entra_id_sign_in(
                p.connection,
                EntraIdTenantRestoreDeviceCodeStateSpec(
                    session_id=session_id, user_code=code.user_code
                ),
                timeout=limit,
            )
        except WaitTimeout:
            raise RecoveryProblem(
                f"nobody signed in with the code {code.user_code} within {limit:.0f}s"
            ) from None
        if state.status != EntraIdTenantRestoreDeviceCodeStatus.SUCCESS:
            _publish_sign_in(p.tenant, [f"Sign-in failed: {state.error_message or state.status}"])
            raise RecoveryProblem(f"Entra ID sign-in failed: {state.error_message or state.status}")
        account = state.username or "(VBR did not say)"
        report.details["signed in as"] = account
        if state.credentials_id:
            report.details["restore credentials"] = f"`{state.credentials_id}`"
        _publish_sign_in(p.tenant, [f"Signed in as **{account}**."])
        logger.info("signed in to %s as %s", p.tenant, account)

    def release(self, session_id: UUID) -> None:
        connection = self.params.connection
        stop_entra_id_tenant_restore(connection, session_id)
        wait_until_stopped(connection, session_id, label=f"stop restore of {self.name}")


class AuditLogRestore(_EntraHandover[EntraIdAuditLogRestoreParams]):
    """The audit logs of a tenant mounted for browsing."""

    handover_key = "entra-audit-log"
    title = "mounted for browsing"
    job_type = JobType.ENTRA_ID_AUDIT_LOG_BACKUP
    what = "Entra ID audit log backup"

    @property
    def name(self) -> str:
        return f"{self.params.tenant} audit log"

    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> UUID:
        p = self.params
        spec = UnstructuredDataMountSpec(
            restore_point_id=point.id,
            auto_unmount=FlrAutoUnmountModel(
                is_enabled=True, no_activity_period_in_minutes=p.idle_minutes
            ),
        )
        mounted = mount_entra_id_audit_log(p.connection, p.tenant, spec)
        session_id = mounted.session_id
        separator = mounted.properties.path_separator if mounted.properties else None
        _held(
            report,
            session_id,
            {
                "mount session": f"`{session_id}`",
                "restore point": f"{point.creation_time:%Y-%m-%d %H:%M} UTC (`{point.id}`)",
                "path separator": f"`{separator}`" if separator else "-",
                "auto-unmount": f"after {p.idle_minutes} minutes without activity",
            },
        )
        self.how_to_use = [
            f"In the Veeam Backup & Replication console, open the audit log restore "
            f"session `{session_id}` of {p.tenant}: browse and export the log records.",
            f"Through the REST API: the Backup Browser operations of session `{session_id}`.",
        ]
        return session_id

    def release(self, session_id: UUID) -> None:
        connection = self.params.connection
        session = unmount_entra_id_audit_log(connection, session_id)
        if session is not None:  # VBR answers at once: wait until the logs are unmounted
            wait_until_stopped(
                connection, session.id, label=f"unmount audit log of {self.params.tenant}"
            )


def _held(report: RecoveryReport, session_id: UUID, details: dict[str, str]) -> None:
    """The session that holds the mount, in the report."""
    report.mount_id = str(session_id)
    report.session_ids.append(str(session_id))
    report.details.update(details)


def _publish_sign_in(tenant: str, lines: list[str]) -> None:
    """What the operator has to do (or did) to sign in: artifact ``entra-sign-in-<tenant>``."""
    create_markdown_artifact(
        "\n".join([f"# Sign in to restore `{tenant}`", "", *[f"- {line}" for line in lines]]),
        key=artifact_key("entra-sign-in", tenant),
        description=f"Entra ID sign-in for the restore of {tenant}",
    )


@flow(
    name="entra-id-tenant-restore",
    flow_run_name="entra-id-tenant-restore[{params.tenant}]",
    **CLEANUP_HOOKS,
)
def entra_id_tenant_restore(params: EntraIdTenantRestoreParams) -> RecoveryReport:
    """Mount a Microsoft Entra ID tenant backup (or restore from its backup copy) for restore,
    sign the operator in with a device code, keep it, then stop the restore session.

    The user code and verification address are published as an artifact (and logged); the run
    polls VBR until the operator has signed in, declined, or the code expired, and reports the
    signed-in account (never a token). The restore session is stopped whatever happens:
    failure, cancellation or crash.
    """
    return run_recovery(TenantRestore(params))


@flow(
    name="entra-id-audit-log-restore",
    flow_run_name="entra-id-audit-log-restore[{params.tenant}]",
    **CLEANUP_HOOKS,
)
def entra_id_audit_log_restore(params: EntraIdAuditLogRestoreParams) -> RecoveryReport:
    """Mount the Microsoft Entra ID audit logs of a tenant for browsing, publish the mount (an
    artifact), keep it for ``keep_minutes`` or until the operator says done, then unmount.

    The mount is unmounted whatever happens: failure, cancellation or crash.
    """
    return run_recovery(AuditLogRestore(params))
