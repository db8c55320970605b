"""File-level restore (FLR): mounting a restore point's file systems, and unmounting them.

- start (``POST /restore/flr``, 201 ``FlrBrowseMountModel``): VBR answers once the file systems
  are mounted, so the ``FileLevelRestore`` (Windows) or ``LinuxFileLevelRestore`` (Linux)
  session is ``Working`` (100 %, ``Success``) from the start and stays so while mounted. The
  ``type`` must fit the restore point's guest OS (Windows for ``Windows``; anything else for
  ``Linux``), ``Manual`` mount mode needs ``mountServer`` (Linux: with the part its
  ``mountServerType`` names), else 400 naming the field. An unknown restore point is 400 too
  (the operation documents no 404). A ``damaged`` restore point mounts with a ``Failed`` entry
  in ``mountErrors``.
- auto-unmount: with ``autoUnmount.isEnabled`` the mount goes away after
  ``noActivityPeriodInMinutes`` (default 30) minutes without activity (scaled by the speed):
  the session is then ``Stopped``/``Success``. Activity = validating credentials in the session.
- unmount (``POST /restore/flr/{sessionId}/unmount``, 201 with the same session): ``Stopping``
  for ``unmount`` seconds, then ``Stopped``/``Success``; the mount is gone (404 afterwards).
  ``POST /sessions/{id}/stop`` does the same.
- credential validation (``POST /restore/flr/{sessionId}/validateCredentials``, 200
  ``FlrRestoreCredentialsValidationResult``; changes nothing but the activity time). The
  credentials records are the estate's ``guest_credentials`` (id
  ``estate_uuid("credentials", name)``). ``isSuccessful`` is true when the record exists, is
  ``valid`` and is for the target machine's guest OS (the restore point's machine for
  ``OriginalLocation``; ``targetHost`` for ``Customized``: its OS is known when it names an
  estate VM); without ``credentialsId`` the first valid record for that OS is used. Otherwise
  false with the reason. An unknown or ended FLR session, or ``Customized`` without
  ``targetHost``, is 400 (the operation documents no 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import SessionModel
from drflow.vbr.models.flr import (
    AgentFlrRestoreTargetHostModel,
    FlrBrowseMountError,
    FlrBrowseMountModel,
    FlrBrowseProperties,
    FlrBrowseSourceProperties,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    LinuxFlrMountSpec,
    WindowsFlrMountSpec,
)

from ..auth import Principal
from ..errors import ApiError, bad_request, not_found
from ..estate import GuestCredentialSpec, RestorePoint, estate_uuid
from ..points import POINTS_PATH, find_point
from ..routes.operations import Operations
from ..sessions import LogTitles, Outcome, SessionRecord
from ..workload import Workload, WorkloadState

FlrSpec = WindowsFlrMountSpec | LinuxFlrMountSpec
DEFAULT_IDLE_MINUTES = 30


@dataclass
class FlrMount:
    session: SessionRecord
    spec: FlrSpec
    restore_point: RestorePoint
    mount_server: str
    initiated_by: str
    idle_s: float | None  # auto-unmount after this many (scaled) seconds without activity
    mount_errors: list[FlrBrowseMountError]
    last_activity: datetime

    @property
    def id(self) -> uuid.UUID:
        return self.session.id

    def state(self, now: datetime) -> str | None:
        """``Mounted``, ``Unmounting``, or ``None`` once unmounted."""
        view = self.session.view(now)
        if view.stopped:
            return None
        return "Unmounting" if view.state == "Stopping" else "Mounted"

    def auto_unmount_at(self) -> datetime | None:
        if self.idle_s is None:
            return None
        return self.last_activity + timedelta(seconds=self.idle_s)

    def to_model(self) -> FlrBrowseMountModel:
        windows = self.spec.type == "Windows"
        vm = self.restore_point.vm
        return FlrBrowseMountModel(
            session_id=self.session.id,
            type=self.spec.type,
            properties=FlrBrowseProperties(path_separator="\\" if windows else "/"),
            source_properties=FlrBrowseSourceProperties(
                machine_name=vm.name, restore_point_name=vm.name
            ),
            mount_errors=self.mount_errors,
            restore_point_id=self.restore_point.model.id,
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        at = self.auto_unmount_at()
        return {
            "kind": "FLR",
            "id": str(self.session.id),
            "sessionId": str(self.session.id),
            "state": self.state(now) or "Gone",
            "name": self.restore_point.vm.name,
            "type": self.spec.type,
            "mountMode": self.spec.mount_mode.value,
            "mountServer": self.mount_server,
            "reason": self.spec.reason,
            "autoUnmountAt": at.isoformat() if at else None,
            "restorePointId": str(self.restore_point.model.id),
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
        }


def _mount_server(spec: FlrSpec) -> str:
    """Where the file systems are mounted (validates the manual settings)."""
    server = spec.mount_server
    manual = spec.mount_mode.value == "Manual"
    if server is None:
        if manual:
            raise bad_request("mountServer: required when mountMode is Manual")
        return "automatically selected mount server"
    kind = server.mount_server_type.value
    if isinstance(spec, WindowsFlrMountSpec):
        if kind not in ("MountServer", "OriginalHost"):
            raise bad_request(
                f"mountServer.mountServerType: {kind} is for Linux file-level restore; "
                "use MountServer or OriginalHost"
            )
        return f"{kind} {server.mount_server_id}"
    needs = {
        "MountServer": ("mountServerId", server.mount_server_id),
        "HelperHost": ("helperHost", server.helper_host),
        "HelperAppliance": ("helperAppliance", server.helper_appliance),
    }
    if kind in needs and needs[kind][1] is None:
        raise bad_request(f"mountServer.{needs[kind][0]}: required when mountServerType is {kind}")
    if kind == "HelperHost":
        return f"helper host {server.helper_host.host_id}"  # type: ignore[union-attr]
    if kind == "HelperAppliance":
        return "helper appliance"
    if kind == "OriginalHost":
        return "original host"
    return f"mount server {server.mount_server_id}"


def _schedule_auto_unmount(mount: FlrMount) -> None:
    at = mount.auto_unmount_at()
    if at is None:
        return
    minutes = mount.spec.auto_unmount.no_activity_period_in_minutes or DEFAULT_IDLE_MINUTES
    unit = "minute" if minutes == 1 else "minutes"
    title = (
        f"File systems of {mount.restore_point.vm.name} have been unmounted after "
        f"{minutes} {unit} without activity"
    )
    mount.session.schedule_release(at, Outcome("Success", title), title)


def _check_credentials(
    records: list[GuestCredentialSpec],
    credentials_id: uuid.UUID | None,
    machine: str,
    os_family: str | None,
) -> tuple[bool, str]:
    wanted = None if os_family is None else ("Windows" if os_family == "Windows" else "Linux")
    if credentials_id is None:
        for record in records:
            if record.valid and (wanted is None or record.guest_os == wanted):
                return True, f"Stored credentials {record.name} can log on to {machine}."
        return False, (f"No stored credentials can log on to {machine}: specify credentialsId.")
    record = next(
        (r for r in records if estate_uuid("credentials", r.name) == credentials_id), None
    )
    if record is None:
        return False, f"Credentials record {credentials_id} was not found."
    if not record.valid:
        return False, (
            f"Cannot log on to {machine} as {record.name}: the user name or password is incorrect."
        )
    if wanted is not None and record.guest_os != wanted:
        return False, (
            f"Cannot log on to {machine} as {record.name}: it is a {record.guest_os} account "
            f"and {machine} runs {os_family}."
        )
    return True, f"Credentials {record.name} can log on to {machine}."


@dataclass
class FlrState(WorkloadState):
    mounts: dict[uuid.UUID, FlrMount] = field(default_factory=dict)
    """By session id."""


class FlrWorkload(Workload[FlrState]):
    """File-level restore mounts of VM and agent restore points."""

    kind = "flr"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> FlrState:
        return FlrState()

    def start(self, spec: FlrSpec, who: Principal) -> FlrBrowseMountModel:
        """Start file-level restore (mount a restore point's file systems)."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            point = find_point(
                sim,
                spec.restore_point_id,
                "StartFlrRestore",
                "File-level restore",
                unknown_status=400,
            )
            vm = point.vm
            os_family = point.model.guest_os_family.value if point.model.guest_os_family else ""
            if spec.type == "Windows" and os_family != "Windows":
                raise bad_request(
                    f"type: restore point {point.model.id} is a backup of {vm.name}, a "
                    f"{os_family or 'non-Windows'} machine: use type Linux",
                    point.model.id,
                )
            if spec.type == "Linux" and os_family == "Windows":
                raise bad_request(
                    f"type: restore point {point.model.id} is a backup of {vm.name}, a Windows "
                    "machine: use type Windows",
                    point.model.id,
                )
            server = _mount_server(spec)
            minutes = spec.auto_unmount.no_activity_period_in_minutes
            if minutes is not None and minutes < 1:
                raise bad_request("autoUnmount.noActivityPeriodInMinutes: must be at least 1")
            idle_s = (
                sim.scaled(60.0 * (minutes or DEFAULT_IDLE_MINUTES))
                if spec.auto_unmount.is_enabled
                else None
            )
            mount_errors: list[FlrBrowseMountError] = []
            if point.damaged:
                mount_errors.append(FlrBrowseMountError(type="Failed", message=point.damaged))
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            windows = spec.type == "Windows"
            session = self.open_session(
                "FileLevelRestore" if windows else "LinuxFileLevelRestore",
                vm.name,
                who.username,
                starting_s=0.0,
                work_s=0.0,
                outcome=Outcome("Success", f"File systems of {vm.name} are mounted"),
                titles=LogTitles(
                    started=f"Starting file-level restore of {vm.name} (restore point of {date})",
                    working=f"Mounting file systems of {vm.name} on {server}",
                    succeeded=[f"File systems of {vm.name} are mounted on {server}"],
                ),
                resource_id=point.model.id,
                resource_path=POINTS_PATH,
                platform=vm.platform,
                hold=True,
                created=now,
            )
            if spec.reason:
                session.extra_logs.append((now, "Succeeded", f"Restore reason: {spec.reason}"))
            mount = FlrMount(
                session=session,
                spec=spec,
                restore_point=point,
                mount_server=server,
                initiated_by=who.username,
                idle_s=idle_s,
                mount_errors=mount_errors,
                last_activity=now,
            )
            _schedule_auto_unmount(mount)
            self.state.mounts[session.id] = mount
            self.state.starts.record(spec.reason, target=vm.name)
            return mount.to_model()

    def get(self, session_id: uuid.UUID, now: datetime) -> FlrMount:
        mount = self.state.mounts.get(session_id)
        if mount is None or mount.state(now) is None:
            raise not_found("File-level restore session", session_id)
        return mount

    def unmount(self, session_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Unmount the file systems and stop the file-level restore session."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(session_id, now)
            if mount.state(now) == "Unmounting":
                return mount.session
            name = mount.restore_point.vm.name
            self.sim.stop(
                mount.session,
                now,
                self.sim.scaled(mount.restore_point.vm.durations.unmount),
                title=f"Unmounting file systems of {name} (requested by {who.username})",
                done=f"File systems of {name} have been unmounted",
            )
            return mount.session

    def validate_credentials(
        self, session_id: uuid.UUID, spec: FlrRestoreCredentialsValidationSpec
    ) -> FlrRestoreCredentialsValidationResult:
        """Validate guest OS credentials of the restore target."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.state.mounts.get(session_id)
            if mount is None or mount.state(now) != "Mounted":
                state = "ended" if mount is not None else "unknown"
                raise ApiError(
                    400,
                    "UnexpectedContent",
                    f"sessionId: file-level restore session {session_id} is {state}: no file "
                    "system is mounted in it.",
                    session_id,
                )
            machine, os_family = self._target(mount, spec)
            mount.last_activity = now
            _schedule_auto_unmount(mount)
            records = self.sim.estate.spec.guest_credentials
            ok, message = _check_credentials(records, spec.credentials_id, machine, os_family)
            return FlrRestoreCredentialsValidationResult(is_successful=ok, message=message)

    def _target(
        self, mount: FlrMount, spec: FlrRestoreCredentialsValidationSpec
    ) -> tuple[str, str | None]:
        """The machine files would be restored to, and its guest OS when known."""
        if spec.restore_mode.value == "OriginalLocation":
            vm = mount.restore_point.vm
            family = mount.restore_point.model.guest_os_family
            return vm.name, family.value if family is not None else None
        host = spec.target_host
        if host is None:
            raise bad_request("targetHost: required when restoreMode is Customized")
        if isinstance(host, AgentFlrRestoreTargetHostModel):
            return f"protected computer {host.protected_computer_id}", None
        name = host.vm_object.name
        vm = self.sim.estate.vm(name)
        if vm is None or not vm.restore_points:
            return name, None
        family = vm.restore_points[0].model.guest_os_family
        return name, family.value if family is not None else None

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping an FLR session unmounts its file systems."""
        with self.sim.lock:
            mount = self.state.mounts[record.id]
            if mount.state(self.sim.now()) is not None:
                self.unmount(record.id, who)

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        with self.sim.lock:
            return [
                mount.describe(now)
                for mount in self.state.mounts.values()
                if include_gone or mount.state(now) is not None
            ]


PATH = "/api/v1/restore/flr"
api = Operations(FlrWorkload, PATH)
api.start("", "StartFlrMount", FlrWorkload.start, FlrBrowseMountModel, 201, body=FlrMountSpec)
api.stop("/{sessionId}/unmount", "StopFlrMount", FlrWorkload.unmount, SessionModel, 201)
api.start(
    "/{sessionId}/validateCredentials",
    "FlrRestoreValidateCredentials",
    FlrWorkload.validate_credentials,
    FlrRestoreCredentialsValidationResult,
    body=FlrRestoreCredentialsValidationSpec,
)
