"""Hyper-V instant recovery, entire VM restore, FCD and FLR over real HTTP on 127.0.0.1.

Every exchange of a ``vbr_factory()`` client is validated against the contract at teardown;
``checked=False`` only where a test breaks the contract on purpose (an invalid body). For each of
the 16 operations: the success path and every documented failure status the simulator produces
among 400, 401, 403 and 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest

from drflow.simulator import Role, estate_uuid
from drflow.vbr import (
    BadRequest,
    Forbidden,
    NotFound,
    SessionFailed,
    VBRClient,
    wait_for_mount,
    wait_for_session,
    wait_until_gone,
)
from drflow.vbr.models import (
    CloudDirectorObjectModel,
    EntireCloudDirectorVMCustomizedRestoreSpec,
    EntireCloudDirectorVMOriginalLocationRestoreSpec,
    EntireCloudDirectorVMRestoreLocationModel,
    EntireHvVMOriginalLocationRestoreSpec,
    EntireViVMOriginalLocationRestoreSpec,
    FlrAutoUnmountModel,
    FlrRestoreCredentialsValidationSpec,
    InstantHvVMOriginalLocationRecoverySpec,
    InstantRecoveryMountState,
    LinuxFlrMountSpec,
    SessionType,
    VmwareFcdInstantRecoveryDiskSpec,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
    VmwareObjectModel,
    WindowsFlrMountSpec,
)
from drflow.vbr.mounts import FCD as FCD_DISKS
from drflow.vbr.mounts import HYPERV_VM

pytestmark = pytest.mark.integration

HV = "/api/v1/restore/instantRecovery/hyperV/vm"
FCD = "/api/v1/restore/instantRecovery/vSphere/fcd"
FLR = "/api/v1/restore/flr"
VMR = "/api/v1/restore/vmRestore"
MISSING = UUID("00000000-0000-4000-8000-0000000000ab")


@pytest.fixture
def sim() -> Iterator[object]:
    """The shared fixture's simulator (speed 50) plus a Security Administrator, whom the FCD
    reads refuse (the only role-based 403 of those operations)."""
    from drflow.simulator.config import DEFAULT_USERS, SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    users = DEFAULT_USERS | {"security": Role.SECURITY_ADMINISTRATOR}
    with SimulatorServer(SimulatorConfig(speed=50, users=users)) as server:
        yield server


def point(vm: str, age: float) -> UUID:
    return estate_uuid("restorePoint", vm, age)


def hv_spec(vm: str = "hv-web01", age: float = 8, reason: str | None = None):
    return InstantHvVMOriginalLocationRecoverySpec(
        restore_point_id=point(vm, age), power_up=True, reason=reason or f"drflow it {vm}"
    )


def vmware(name: str, kind: str) -> VmwareObjectModel:
    return VmwareObjectModel(host_name="vcenter01.lab.local", name=name, type=kind)


def fcd_spec(vm: str = "web01", age: float = 4, mark: str = "it") -> VmwareFcdInstantRecoverySpec:
    return VmwareFcdInstantRecoverySpec(
        restore_point_id=point(vm, age),
        destination_cluster=vmware("DR cluster", "Cluster"),
        disks_mapping=[
            VmwareFcdInstantRecoveryDiskSpec(
                name_in_backup=f"{vm}_1",
                mounted_disk_name=f"{vm}-data-{mark}.vmdk",
                registered_fcd_name=f"{vm}-data-{mark}",
            )
        ],
    )


MIGRATION = VmwareFcdQuickMigrationSpec(
    target_datastore=vmware("ds-prod", "Datastore"), storage_policy=vmware("Gold", "StoragePolicy")
)


def windows_flr(vm: str = "dc01", age: float = 6) -> WindowsFlrMountSpec:
    return WindowsFlrMountSpec(
        restore_point_id=point(vm, age),
        # idle for an hour before VBR unmounts it: more than a test takes on a loaded machine
        auto_unmount=FlrAutoUnmountModel(is_enabled=True, no_activity_period_in_minutes=60),
        mount_mode="Automatic",
        reason="drflow it flr",
    )


def mounts(admin: httpx.Client) -> list[dict]:
    return admin.get("/_sim/mounts").json()["mounts"]


def restore_sessions(admin: httpx.Client) -> dict:
    return admin.get("/_sim/stats").json()["restore_sessions"]


def faster(admin: httpx.Client, speed: float = 250) -> None:
    """Speed up what starts next (migrations and restores last minutes at speed 1)."""
    admin.put("/_sim/config", json={"speed": speed}).raise_for_status()


# --- 401: no token or an invalid one, for all 16 operations ---------------------------------

UNAUTHORIZED = [
    ("GET", HV, None),
    ("POST", HV, hv_spec().to_api()),
    ("GET", f"{HV}/{MISSING}", None),
    ("POST", f"{HV}/{MISSING}/unmount", None),
    ("POST", f"{HV}/{MISSING}/migrate", None),
    ("POST", f"{VMR}/vSphere", {"type": "OriginalLocation", "restorePointId": str(MISSING)}),
    ("POST", f"{VMR}/hyperV", {"type": "OriginalLocation", "restorePointId": str(MISSING)}),
    ("POST", f"{VMR}/cloudDirector", {"type": "OriginalLocation", "restorePointId": str(MISSING)}),
    ("GET", FCD, None),
    ("POST", FCD, fcd_spec().to_api()),
    ("GET", f"{FCD}/{MISSING}", None),
    ("POST", f"{FCD}/{MISSING}/dismount", None),
    ("POST", f"{FCD}/{MISSING}/migrate", MIGRATION.to_api()),
    ("POST", FLR, windows_flr().to_api()),
    ("POST", f"{FLR}/{MISSING}/unmount", None),
    ("POST", f"{FLR}/{MISSING}/validateCredentials", {"restoreMode": "OriginalLocation"}),
]


def test_every_operation_answers_401_without_a_valid_token(sim, contract) -> None:
    with httpx.Client(base_url=sim.url, timeout=10) as http:
        for index, (method, path, body) in enumerate(UNAUTHORIZED):
            headers = {"x-api-version": "1.3-rev1"}
            if index % 2:  # every other operation with a token the server never issued
                headers["Authorization"] = "Bearer not-a-token"
            answer = http.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (method, path, headers)
            assert answer.json()["errorCode"] == "InvalidToken"
            contract.validate_response(method, path, 401, answer.json())


# --- Hyper-V instant recovery ---------------------------------------------------------------


def test_hyperv_mount_list_get_migrate(vbr: VBRClient, admin) -> None:
    session = vbr.hyperv.start_instant_recovery(hv_spec(reason="drflow:hv-it"))
    assert session.session_type == SessionType.INSTANT_RECOVERY
    mount = wait_for_mount(vbr, HYPERV_VM, session.id, session_id=session.id)
    assert (mount.vm_name, mount.job_name, mount.spec.reason) == (
        "hv-web01",
        "Hyper-V cluster",
        "drflow:hv-it",
    )
    listed = vbr.hyperv.list_mounts_page(
        state_filter=InstantRecoveryMountState.MOUNTED, vm_name_filter="hv-*", limit=5
    )
    assert [m.id for m in listed.data] == [mount.id]
    assert vbr.hyperv.get_mount(mount.id).state == InstantRecoveryMountState.MOUNTED
    assert [m["kind"] for m in mounts(admin)] == ["HyperVVM"]
    faster(admin)
    vbr.hyperv.migrate(mount.id)  # 204, no body
    migration = next(iter(vbr.sessions.list(type_filter=[SessionType.QUICK_MIGRATION])))
    assert migration.name == "Quick Migration Job"  # as VBR names it: the VM is not in it
    assert (migration.resource_id, migration.parent_session_id) == (mount.id, session.id)
    with pytest.raises(BadRequest):  # already migrating
        vbr.hyperv.migrate(mount.id)
    with pytest.raises(BadRequest):  # cannot unmount while migrating
        vbr.hyperv.unmount(mount.id)
    assert wait_for_session(vbr, migration.id).result.result == "Success"
    wait_until_gone(vbr, HYPERV_VM, mount.id)
    assert admin.get("/_sim/guests/hv-web01/health").status_code == 200
    assert mounts(admin) == []


def test_hyperv_unmount_and_404s(vbr: VBRClient) -> None:
    session = vbr.hyperv.start_instant_recovery(hv_spec("hv-file01", 32))
    with pytest.raises(BadRequest):  # not mounted yet
        vbr.hyperv.migrate(session.id)
    wait_for_mount(vbr, HYPERV_VM, session.id)
    stopping = vbr.hyperv.unmount(session.id)
    assert stopping.id == session.id
    assert wait_for_session(vbr, session.id).result.result == "Success"
    for call in (vbr.hyperv.get_mount, vbr.hyperv.unmount, vbr.hyperv.migrate):
        with pytest.raises(NotFound) as info:
            call(MISSING)
        assert info.value.resource_id == str(MISSING)
    with pytest.raises(NotFound) as info:
        vbr.hyperv.start_instant_recovery(
            hv_spec().model_copy(update={"restore_point_id": MISSING})
        )
    assert info.value.resource_id == str(MISSING)
    with pytest.raises(BadRequest):  # a vSphere restore point
        vbr.hyperv.start_instant_recovery(hv_spec("web01", 4))


def test_hyperv_viewer_is_forbidden(vbr_factory, admin) -> None:
    viewer = vbr_factory("viewer")
    operator = vbr_factory()
    with pytest.raises(Forbidden):
        viewer.hyperv.start_instant_recovery(hv_spec())
    assert mounts(admin) == []
    assert list(viewer.hyperv.list_mounts()) == []  # listing is allowed
    session = operator.hyperv.start_instant_recovery(hv_spec())
    for call in (viewer.hyperv.unmount, viewer.hyperv.migrate):
        with pytest.raises(Forbidden):
            call(session.id)
    assert viewer.hyperv.get_mount(session.id).state == InstantRecoveryMountState.MOUNTING
    assert len(list(operator.sessions.list(type_filter=[SessionType.QUICK_MIGRATION]))) == 0


def test_hyperv_invalid_body_is_400(vbr_factory) -> None:
    vbr = vbr_factory(checked=False)
    with pytest.raises(BadRequest) as info:
        vbr.request("POST", HV, json={"type": "OriginalLocation", "powerUp": True})
    assert info.value.message.startswith("restorePointId")


# --- entire VM restore ----------------------------------------------------------------------


def test_entire_restores_succeed(vbr: VBRClient, admin) -> None:
    faster(admin)
    vsphere = vbr.vm_restore.restore_vsphere_vm(
        EntireViVMOriginalLocationRestoreSpec(
            restore_point_id=point("web01", 4),
            overwrite=True,
            quick_rollback=True,
            power_up=True,
            reason="drflow it",
        )
    )
    hyperv = vbr.vm_restore.restore_hyperv_vm(
        EntireHvVMOriginalLocationRestoreSpec(
            restore_point_id=point("hv-sql01", 8), quick_rollback=True, power_up=False
        )
    )
    director = vbr.vm_restore.restore_cloud_director_vm(
        EntireCloudDirectorVMCustomizedRestoreSpec(
            restore_point_id=point("vcd-web01", 5),
            location=EntireCloudDirectorVMRestoreLocationModel(
                new_name="vcd-web01-restored",
                v_app=CloudDirectorObjectModel(
                    host_name="vcd01.lab.local", name="tenant-b", type="vApp"
                ),
                restore_v_sphere_vm_tags=False,
            ),
            power_up=True,
        )
    )
    assert (vsphere.session_type, hyperv.session_type, director.session_type) == (
        SessionType.RESTORE_VM,
        SessionType.RESTORE_VM,
        SessionType.CLOUD_DIRECTOR_VM_RESTORE,
    )
    for session in (vsphere, hyperv, director):
        assert wait_for_session(vbr, session.id, timeout=10).result.result == "Success"
    stats = restore_sessions(admin)  # (exact concurrency: tests/simulator/test_vm_restore.py)
    assert stats["running"] == 0
    assert stats["peak"] >= 1
    assert admin.get("/_sim/guests/hv-sql01/health").status_code == 503  # powered off


def test_entire_restore_without_overwrite_fails_in_its_session(vbr: VBRClient) -> None:
    session = vbr.vm_restore.restore_vsphere_vm(
        EntireViVMOriginalLocationRestoreSpec(restore_point_id=point("web02", 4))
    )
    with pytest.raises(SessionFailed) as info:
        wait_for_session(vbr, session.id, timeout=10)
    assert "overwrite" in str(info.value)


def test_entire_restore_failures(vbr: VBRClient) -> None:
    starts = [
        (vbr.vm_restore.restore_vsphere_vm, EntireViVMOriginalLocationRestoreSpec, "hv-web01", 8),
        (vbr.vm_restore.restore_hyperv_vm, EntireHvVMOriginalLocationRestoreSpec, "web01", 4),
        (
            vbr.vm_restore.restore_cloud_director_vm,
            EntireCloudDirectorVMOriginalLocationRestoreSpec,
            "web01",
            4,
        ),
    ]
    for start, model, vm, age in starts:
        with pytest.raises(BadRequest):  # a restore point of another platform
            start(model(restore_point_id=point(vm, age)))
        with pytest.raises(NotFound) as info:
            start(model(restore_point_id=MISSING))
        assert info.value.resource_id == str(MISSING)
    assert list(vbr.sessions.list(type_filter=[SessionType.RESTORE_VM])) == []


def test_entire_restore_viewer_is_forbidden(vbr_factory, admin) -> None:
    viewer = vbr_factory("viewer")
    with pytest.raises(Forbidden):
        viewer.vm_restore.restore_vsphere_vm(
            EntireViVMOriginalLocationRestoreSpec(restore_point_id=point("web01", 4))
        )
    with pytest.raises(Forbidden):
        viewer.vm_restore.restore_hyperv_vm(
            EntireHvVMOriginalLocationRestoreSpec(restore_point_id=point("hv-web01", 8))
        )
    with pytest.raises(Forbidden):
        viewer.vm_restore.restore_cloud_director_vm(
            EntireCloudDirectorVMOriginalLocationRestoreSpec(restore_point_id=point("vcd-web01", 5))
        )
    assert restore_sessions(admin) == {"running": 0, "peak": 0}


def test_entire_restore_invalid_bodies_are_400(vbr_factory, admin) -> None:
    vbr = vbr_factory(checked=False)
    for target, body, field in (
        ("vSphere", {"type": "OriginalLocation"}, "restorePointId"),
        ("hyperV", {"type": "Elsewhere", "restorePointId": str(MISSING)}, "type"),
        ("cloudDirector", {"type": "Customized", "restorePointId": str(MISSING)}, "location"),
    ):
        with pytest.raises(BadRequest) as info:
            vbr.request("POST", f"{VMR}/{target}", json=body)
        assert info.value.message.startswith(field)
    assert restore_sessions(admin) == {"running": 0, "peak": 0}


# --- FCD instant recovery -------------------------------------------------------------------


def test_fcd_mount_list_get_migrate(vbr_factory, admin) -> None:
    vbr = vbr_factory()
    administrator = vbr_factory("administrator")
    session = vbr.fcd.start_instant_recovery(fcd_spec())
    assert session.session_type == SessionType.FIRST_CLASS_DISK_INSTANT_RESTORE
    mount = wait_for_mount(vbr, FCD_DISKS, session.id, session_id=session.id)
    assert [d.registered_fcd_name for d in mount.mounted_disks or []] == ["web01-data-it"]
    page = vbr.fcd.list_mounts_page(state_filter=InstantRecoveryMountState.MOUNTED, limit=1)
    assert [m.id for m in page.data] == [mount.id]
    assert mounts(admin)[0]["reason"] == "web01-data-it"
    with pytest.raises(Forbidden):  # migration is for the Backup Administrator only
        vbr.fcd.migrate(mount.id, MIGRATION)
    faster(admin)
    migration = administrator.fcd.migrate(mount.id, MIGRATION)
    assert migration.session_type == SessionType.FIRST_CLASS_DISK_QUICK_MIGRATION
    with pytest.raises(BadRequest):  # one migration at a time
        administrator.fcd.migrate(mount.id, MIGRATION)
    with pytest.raises(BadRequest):  # no dismount while migrating
        vbr.fcd.dismount(mount.id)
    assert wait_for_session(vbr, migration.id, timeout=10).result.result == "Success"
    wait_until_gone(vbr, FCD_DISKS, mount.id)
    assert vbr.sessions.get(session.id).result.result == "Success"


def test_fcd_dismount_and_errors(vbr_factory, admin) -> None:
    vbr = vbr_factory()
    administrator = vbr_factory("administrator")
    session = vbr.fcd.start_instant_recovery(fcd_spec(mark="d"))
    with pytest.raises(BadRequest):  # still mounting
        administrator.fcd.migrate(session.id, MIGRATION)
    wait_for_mount(vbr, FCD_DISKS, session.id)
    assert vbr.fcd.dismount(session.id).id == session.id
    wait_until_gone(vbr, FCD_DISKS, session.id)
    with pytest.raises(BadRequest):  # no such disk in the restore point
        vbr.fcd.start_instant_recovery(
            fcd_spec().model_copy(
                update={
                    "disks_mapping": [
                        VmwareFcdInstantRecoveryDiskSpec(
                            name_in_backup="web01_9",
                            mounted_disk_name="x.vmdk",
                            registered_fcd_name="x",
                        )
                    ]
                }
            )
        )
    with pytest.raises(BadRequest):  # legacy01 offers no Instant FCD Recovery
        vbr.fcd.start_instant_recovery(fcd_spec("legacy01", 2))
    with pytest.raises(NotFound):
        vbr.fcd.start_instant_recovery(fcd_spec().model_copy(update={"restore_point_id": MISSING}))
    for call in (vbr.fcd.get_mount, vbr.fcd.dismount):
        with pytest.raises(NotFound) as info:
            call(MISSING)
        assert info.value.resource_id == str(MISSING)
    with pytest.raises(NotFound):
        administrator.fcd.migrate(MISSING, MIGRATION)
    assert mounts(admin) == []


def test_fcd_roles(vbr_factory, admin) -> None:
    viewer = vbr_factory("viewer")
    security = vbr_factory("security")
    operator = vbr_factory()
    with pytest.raises(Forbidden):
        viewer.fcd.start_instant_recovery(fcd_spec())
    assert mounts(admin) == []
    session = operator.fcd.start_instant_recovery(fcd_spec())
    assert viewer.fcd.get_mount(session.id).id == session.id
    assert viewer.fcd.list_mounts_page().pagination.total == 1
    with pytest.raises(Forbidden):
        security.fcd.list_mounts_page()
    with pytest.raises(Forbidden):
        security.fcd.get_mount(session.id)
    with pytest.raises(Forbidden):
        viewer.fcd.dismount(session.id)
    with pytest.raises(Forbidden):
        viewer.fcd.migrate(session.id, MIGRATION)
    assert operator.fcd.get_mount(session.id).state != InstantRecoveryMountState.DISMOUNTING


def test_fcd_invalid_bodies_are_400(vbr_factory, admin) -> None:
    faster(admin)
    vbr = vbr_factory(checked=False)
    with pytest.raises(BadRequest) as info:
        vbr.request("POST", FCD, json={"restorePointId": str(point("web01", 4))})
    assert info.value.message.startswith("destinationCluster")
    operator = vbr_factory()
    session = operator.fcd.start_instant_recovery(fcd_spec())
    wait_for_mount(operator, FCD_DISKS, session.id)
    admin_client = vbr_factory("administrator", checked=False)
    with pytest.raises(BadRequest) as info:
        admin_client.request(
            "POST", f"{FCD}/{session.id}/migrate", json={"mountedDiskNames": ["web01-data-it.vmdk"]}
        )
    assert info.value.message.startswith("targetDatastore")


# --- file-level restore ---------------------------------------------------------------------


def test_flr_mount_validate_unmount(vbr: VBRClient, admin) -> None:
    mount = vbr.flr.start_mount(windows_flr())
    assert (mount.type, mount.source_properties.machine_name) == ("Windows", "dc01")
    session = vbr.sessions.get(mount.session_id)
    assert (session.session_type, session.state) == (SessionType.FILE_LEVEL_RESTORE, "Working")
    assert [m["kind"] for m in mounts(admin)] == ["FLR"]
    good = vbr.flr.validate_credentials(
        mount.session_id,
        FlrRestoreCredentialsValidationSpec(
            restore_mode="OriginalLocation",
            credentials_id=estate_uuid("credentials", "LAB\\Administrator"),
        ),
    )
    assert good.is_successful is True
    stale = vbr.flr.validate_credentials(
        mount.session_id,
        FlrRestoreCredentialsValidationSpec(
            restore_mode="OriginalLocation",
            credentials_id=estate_uuid("credentials", "LAB\\svc-restore-old"),
        ),
    )
    assert stale.is_successful is False
    stopped = vbr.flr.unmount(mount.session_id)
    assert stopped.id == mount.session_id
    assert wait_for_session(vbr, mount.session_id, timeout=10).result.result == "Success"
    with pytest.raises(NotFound) as info:
        vbr.flr.unmount(mount.session_id)
    assert info.value.resource_id == str(mount.session_id)
    with pytest.raises(BadRequest):  # the session has ended
        vbr.flr.validate_credentials(
            mount.session_id, FlrRestoreCredentialsValidationSpec(restore_mode="OriginalLocation")
        )
    assert mounts(admin) == []


def test_flr_linux_auto_unmount(vbr: VBRClient, admin) -> None:
    faster(admin)
    mount = vbr.flr.start_mount(
        LinuxFlrMountSpec(
            restore_point_id=point("web01", 4),
            auto_unmount=FlrAutoUnmountModel(is_enabled=True, no_activity_period_in_minutes=1),
            mount_mode="Automatic",
        )
    )
    assert mount.properties is not None
    assert mount.properties.path_separator == "/"
    ended = wait_for_session(vbr, mount.session_id, timeout=10)  # 1 min / 250 = 0.24 s idle
    assert ended.session_type == SessionType.LINUX_FILE_LEVEL_RESTORE
    assert "without activity" in (ended.result.message or "")


def test_flr_failures(vbr_factory, admin) -> None:
    vbr = vbr_factory()
    viewer = vbr_factory("viewer")
    with pytest.raises(BadRequest):  # a Linux machine mounted as Windows
        vbr.flr.start_mount(windows_flr("web01", 4))
    with pytest.raises(BadRequest) as info:  # the operation documents no 404
        vbr.flr.start_mount(windows_flr().model_copy(update={"restore_point_id": MISSING}))
    assert info.value.resource_id == str(MISSING)
    with pytest.raises(Forbidden):
        viewer.flr.start_mount(windows_flr())
    assert mounts(admin) == []
    mount = vbr.flr.start_mount(windows_flr())
    spec = FlrRestoreCredentialsValidationSpec(restore_mode="OriginalLocation")
    with pytest.raises(Forbidden):
        viewer.flr.validate_credentials(mount.session_id, spec)
    with pytest.raises(Forbidden):
        viewer.flr.unmount(mount.session_id)
    with pytest.raises(BadRequest):  # Customized needs targetHost
        vbr.flr.validate_credentials(
            mount.session_id, FlrRestoreCredentialsValidationSpec(restore_mode="Customized")
        )
    with pytest.raises(BadRequest) as info:  # unknown session: 400 (no 404 documented)
        vbr.flr.validate_credentials(MISSING, spec)
    assert info.value.resource_id == str(MISSING)
    with pytest.raises(NotFound):
        vbr.flr.unmount(MISSING)
    assert [m["state"] for m in mounts(admin)] == ["Mounted"]


def test_flr_invalid_bodies_are_400(vbr_factory) -> None:
    vbr = vbr_factory(checked=False)
    body = windows_flr().to_api()
    del body["autoUnmount"]
    with pytest.raises(BadRequest) as info:
        vbr.request("POST", FLR, json=body)
    assert info.value.message.startswith("autoUnmount")
    mount = vbr_factory().flr.start_mount(windows_flr())
    with pytest.raises(BadRequest) as info:
        vbr.request("POST", f"{FLR}/{mount.session_id}/validateCredentials", json={})
    assert info.value.message.startswith("restoreMode")
