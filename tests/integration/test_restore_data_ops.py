"""Azure instant recovery, unstructured data and Entra ID over real HTTP, through the client.

Every exchange of a ``vbr_factory()`` client is validated against the contract at teardown
(requests and answers, statuses included); ``checked=False`` clients send invalid bodies on
purpose, or meet a 400 the contract does not document for that operation. Each of the 30
operations is called on its success path and for each documented failure status the simulator
can produce among 400, 401, 403 and 404.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest

from drflow.simulator import estate_uuid
from drflow.vbr import (
    BadRequest,
    Forbidden,
    NotFound,
    VBRClient,
    latest_restore_point,
    wait_for_device_code,
    wait_for_mount,
    wait_for_session,
    wait_until_gone,
)
from drflow.vbr.models import (
    AzureComputeNameModel,
    AzureComputeNetworkModel,
    AzureComputeResourceGroupModel,
    AzureComputeSubscriptionModel,
    AzureComputeVMSizeModel,
    AzureInstantVMRecoveryApplianceModel,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
    EntraIdTenantRestoreAuthorizeSpec,
    EntraIdTenantRestoreDeviceCodeSpec,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    JobStopSpec,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataMountSpec,
    UnstructuredDataOSRestoreDestinationModel,
    UnstructuredDataRestoreOptionsModel,
    UnstructuredDataShareMigrationDestinationModel,
    UnstructuredDataShareRestoreOptionsModel,
    UnstructuredDataSwitchoverSettingsModel,
)
from drflow.vbr.models.flr import FlrAutoUnmountModel
from drflow.vbr.mounts import AZURE_VM, FILE_SHARE

pytestmark = pytest.mark.integration

AZ = "/api/v1/restore/instantRecovery/azure/vm"
IR = "/api/v1/restore/instantRecovery/unstructuredData"
UD = "/api/v1/restore/unstructuredData"
FLR = "/api/v1/restore/flr/unstructuredData"
TENANT = "/api/v1/restore/entraId/tenant"
AUDIT = "/api/v1/restore/entraId/auditLog"
MISSING = "00000000-0000-0000-0000-0000000000aa"
MISSING_ID = UUID(MISSING)
SUB = "5f0c8a8e-3c1b-4b8e-9d2a-6a1f2b3c4d01"
NET = (
    f"/subscriptions/{SUB}/resourceGroups/rg-dr-network/providers/Microsoft.Network/"
    "virtualNetworks/vnet-dr-weu"
)
FINANCE, ENG = r"\\fs01\finance", "nas01:/exports/eng"
TENANT_NAME = "contoso.onmicrosoft.com"
TENANT_BACKUP = estate_uuid("backup", "Entra ID tenant")
AUDIT_BACKUP = estate_uuid("backup", "Entra ID audit logs")
Settings = AzureInstantVMRecoverySwitchoverSettingsModel
ShareSettings = UnstructuredDataSwitchoverSettingsModel


def speed(admin: httpx.Client, value: float) -> None:
    admin.put("/_sim/config", json={"speed": value}).raise_for_status()


def snapshot(admin: httpx.Client) -> tuple[Any, Any]:
    return admin.get("/_sim/mounts").json(), admin.get("/_sim/stats").json()["restore_sessions"]


def forbidden(call: Callable[[], Any]) -> Forbidden:
    with pytest.raises(Forbidden) as info:
        call()
    assert info.value.error_code == "AccessDenied"
    return info.value


def not_found(call: Callable[[], Any], resource: str = MISSING) -> None:
    with pytest.raises(NotFound) as info:
        call()
    assert info.value.error_code == "NotFound"
    assert info.value.resource_id == resource


def bad_request(call: Callable[[], Any], *needles: str) -> BadRequest:
    with pytest.raises(BadRequest) as info:
        call()
    for needle in needles:
        assert needle in info.value.message, info.value.message
    return info.value


def raw(vbr: VBRClient, method: str, path: str, **kwargs: Any) -> Any:
    return vbr.request(method, path, **kwargs)


def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def mount_state(admin: httpx.Client, mount_id: object) -> str | None:
    mounts = admin.get("/_sim/mounts", params={"include_gone": True}).json()["mounts"]
    return next((m["state"] for m in mounts if m["id"] == str(mount_id)), None)


# --- Azure ---------------------------------------------------------------------------------


def azure_spec(vbr: VBRClient, machine: str = "branch-fs01", **changes: Any):
    point = latest_restore_point(vbr, machine)
    spec = AzureInstantVMRecoverySpec(
        restore_point_id=point.id,
        subscription=AzureComputeSubscriptionModel(subscription_id=SUB, location="westeurope"),
        name=AzureComputeNameModel(name=f"{machine}-az"),
        vm_size=AzureComputeVMSizeModel(instance_size="Standard_D4s_v5"),
        resource_group=AzureComputeResourceGroupModel(resource_group="rg-dr-workloads"),
        network=AzureComputeNetworkModel(network=NET, subnet=f"{NET}/subnets/workloads"),
        appliance=AzureInstantVMRecoveryApplianceModel(subnet=f"{NET}/subnets/veeam-helpers"),
        reason=f"drflow it {machine}",
    )
    return spec.model_copy(update=changes)


def test_azure_instant_recovery_lifecycle(vbr_factory, admin) -> None:
    operator, administrator = vbr_factory(), vbr_factory("administrator")
    speed(admin, 500)
    assert operator.azure.list_mounts_page().pagination.total == 0
    mount = operator.azure.start_instant_recovery(azure_spec(operator, verify_vm_boot=True))
    assert mount.state == "Starting"
    assert operator.azure.get_mount(mount.id).spec.name.name == "branch-fs01-az"
    ready = wait_for_mount(operator, AZURE_VM, mount.id)
    assert ready.state == "Ready"
    (session,) = operator.azure.list_sessions(mount.id)
    assert session.session_type == "AzureInstantRecovery"
    listed = operator.azure.list_mounts_page(state_filter="Ready", order_column="Name", limit=5)
    assert [m.id for m in listed.data] == [mount.id]

    migrating = administrator.azure.migrate(
        mount.id, AzureInstantVMRecoveryMigrationSpec(switchover_settings=Settings(type="Manual"))
    )
    assert migrating.state == "Migrating"
    later = datetime.now(UTC) + timedelta(hours=2)
    scheduled = administrator.azure.update_switchover_settings(
        mount.id, Settings(type="Scheduled", schedule_time=later, power_on_vm=True)
    )
    assert scheduled.type == "Scheduled"
    administrator.azure.update_switchover_settings(mount.id, Settings(type="Manual"))
    assert administrator.azure.get_switchover_settings(mount.id).type == "Manual"
    wait_for_mount(administrator, AZURE_VM, mount.id, until=("ReadyToSwitch",))
    speed(admin, 20)  # a switchover long enough (1 s) to be seen
    switching = administrator.azure.switchover(mount.id)
    assert switching.state == "Switching"
    bad_request(lambda: operator.azure.unmount(mount.id), "switching over")  # documented 400
    done = wait_for_mount(operator, AZURE_VM, mount.id, until=("Stopped",))
    assert done.state == "Stopped"
    kinds = {s.session_type.value for s in operator.azure.list_sessions(mount.id)}
    assert kinds == {
        "AzureInstantRecovery",
        "AzureInstantRecoveryMigration",
        "AzureInstantRecoverySwitchover",
    }
    only = operator.azure.list_sessions_page(mount.id, type_filter="AzureInstantRecoverySwitchover")
    assert [s.session_type for s in only.data] == ["AzureInstantRecoverySwitchover"]

    speed(admin, 500)
    other = operator.azure.start_instant_recovery(azure_spec(operator, "erp-db01"))
    stopping = operator.azure.unmount(other.id)
    assert stopping.state == "Stopping"
    # (not wait_for_mount(until=Stopped): the client counts Stopping as a failure there)
    until(lambda: operator.azure.get_mount(other.id).state == "Stopped")
    assert admin.get("/_sim/mounts").json()["mounts"] == []


def test_azure_failures(vbr_factory, admin) -> None:
    operator, administrator = vbr_factory(), vbr_factory("administrator")
    loose = vbr_factory("administrator", checked=False)
    # 400: no helper appliance in that subnet; an invalid body
    north = NET.replace("vnet-dr-weu", "vnet-dr-neu")
    no_appliance = azure_spec(
        operator,
        subscription=AzureComputeSubscriptionModel(subscription_id=SUB, location="northeurope"),
        appliance=AzureInstantVMRecoveryApplianceModel(subnet=f"{north}/subnets/veeam-helpers"),
    )
    bad_request(
        lambda: operator.azure.start_instant_recovery(no_appliance), "no Azure helper appliance"
    )
    bad_request(lambda: raw(loose, "POST", AZ, json={"reason": "x"}), "restorePointId")
    # 404: an unknown restore point; unknown mounts
    unknown_point = azure_spec(operator).model_copy(update={"restore_point_id": MISSING_ID})
    not_found(lambda: operator.azure.start_instant_recovery(unknown_point))
    not_found(lambda: operator.azure.get_mount(MISSING))
    not_found(lambda: operator.azure.list_sessions_page(MISSING))
    not_found(lambda: operator.azure.unmount(MISSING))
    not_found(lambda: administrator.azure.migrate(MISSING, AzureInstantVMRecoveryMigrationSpec()))
    not_found(lambda: administrator.azure.get_switchover_settings(MISSING))
    not_found(
        lambda: administrator.azure.update_switchover_settings(MISSING, Settings(type="Auto"))
    )
    not_found(lambda: administrator.azure.switchover(MISSING))
    # 400 on migrate: not Ready yet (started slowly: 9 s in Starting); an invalid body
    speed(admin, 5)
    slow = operator.azure.start_instant_recovery(azure_spec(operator, "erp-app01"))
    bad_request(
        lambda: administrator.azure.migrate(slow.id, AzureInstantVMRecoveryMigrationSpec()),
        "Starting",
    )
    bad_request(lambda: loose.azure.switchover(slow.id), "Starting")  # undocumented 400
    speed(admin, 500)
    mount = operator.azure.start_instant_recovery(azure_spec(operator))
    bad_request(
        lambda: raw(
            loose,
            "POST",
            f"{AZ}/{mount.id}/migrate",
            json={"switchoverSettings": {"type": "Sometimes"}},
        ),
        "switchoverSettings.type",
    )
    # 400s the contract does not document for these operations (checked=False)
    wait_for_mount(operator, AZURE_VM, mount.id)
    loose.azure.migrate(
        mount.id, AzureInstantVMRecoveryMigrationSpec(switchover_settings=Settings(type="Manual"))
    )
    past = Settings(type="Scheduled", schedule_time=datetime.now(UTC) - timedelta(minutes=5))
    bad_request(lambda: loose.azure.update_switchover_settings(mount.id, past), "in the past")
    bad_request(lambda: raw(loose, "PUT", f"{AZ}/{mount.id}/switchoverSettings", json={}), "type")


def test_azure_roles(vbr_factory, admin) -> None:
    operator, viewer = vbr_factory(), vbr_factory("viewer")
    spec = azure_spec(operator)
    before = snapshot(admin)
    forbidden(lambda: viewer.azure.start_instant_recovery(spec))
    forbidden(lambda: viewer.azure.list_mounts_page())
    assert snapshot(admin) == before  # nothing started
    speed(admin, 500)
    mount = operator.azure.start_instant_recovery(spec)
    wait_for_mount(operator, AZURE_VM, mount.id)
    forbidden(lambda: viewer.azure.get_mount(mount.id))
    forbidden(lambda: viewer.azure.list_sessions_page(mount.id))
    forbidden(lambda: viewer.azure.unmount(mount.id))
    # the Backup Administrator only: migrate, switchover and its settings
    refusal = forbidden(
        lambda: operator.azure.migrate(mount.id, AzureInstantVMRecoveryMigrationSpec())
    )
    assert "Veeam Backup Administrator" in refusal.message
    forbidden(lambda: operator.azure.get_switchover_settings(mount.id))
    forbidden(lambda: operator.azure.update_switchover_settings(mount.id, Settings(type="Auto")))
    forbidden(lambda: operator.azure.switchover(mount.id))
    assert operator.azure.get_mount(mount.id).state == "Ready"  # nothing started
    assert len(list(operator.azure.list_sessions(mount.id))) == 1


# --- unstructured data ---------------------------------------------------------------------


def share_spec(vbr: VBRClient, *shares: str) -> InstantUnstructuredDataRestoreSpec:
    return InstantUnstructuredDataRestoreSpec(
        restore_options=[
            UnstructuredDataRestoreOptionsModel(restore_point_id=latest_restore_point(vbr, s).id)
            for s in shares
        ],
        reason="drflow it shares",
    )


def migration(settings: ShareSettings) -> InstantUnstructuredDataRestoreMigrationSpec:
    target = estate_uuid("unstructuredServer", "fs-dr01.lab.local")
    return InstantUnstructuredDataRestoreMigrationSpec(
        destination=UnstructuredDataShareMigrationDestinationModel(
            unstructured_data_server_id=target, path="D:\\Shares\\finance"
        ),
        overwrite_mode="ReplaceOlder",
        switchover_settings=settings,
    )


def test_file_share_instant_recovery_lifecycle(vbr_factory, admin) -> None:
    vbr = vbr_factory()
    speed(admin, 500)
    sessions = vbr.unstructured.start_share_instant_recovery(share_spec(vbr, FINANCE, ENG))
    assert [s.session_type for s in sessions.data] == ["FileInstantRecovery"] * 2
    finance, eng = (s.id for s in sessions.data)
    assert wait_for_mount(vbr, FILE_SHARE, finance).state == "Published"
    wait_for_mount(vbr, FILE_SHARE, eng)
    page = vbr.unstructured.list_share_mounts_page(
        state_filter="Mounted", share_name_filter=r"\\fs01\*", order_column="Name", limit=10
    )
    assert [m.id for m in page.data] == [finance]
    assert vbr.unstructured.get_share_mount(finance).unstructured_server_name == FINANCE
    assert vbr.unstructured.get_share_switchover_settings(finance).type == "Auto"
    updated = vbr.unstructured.update_share_switchover_settings(
        finance, ShareSettings(type="Manual")
    )
    assert updated.type == "Manual"
    # SMB only: the NFS share is refused, naming it (documented 400s)
    bad_request(
        lambda: vbr.unstructured.migrate_share(eng, migration(ShareSettings(type="Auto"))), ENG
    )
    bad_request(lambda: vbr.unstructured.get_share_switchover_settings(eng), ENG)
    moving = vbr.unstructured.migrate_share(finance, migration(ShareSettings(type="Manual")))
    assert moving.session_type == "FileInstantRecoveryMigration"

    until(lambda: vbr.sessions.get(moving.id).progress_percent == 100)  # data migrated
    speed(admin, 10)  # a switchover long enough (1 s) to be seen
    switched = vbr.unstructured.switchover_share(finance)
    assert switched.id == moving.id
    bad_request(lambda: vbr.unstructured.unmount_share(finance), "switching over")
    assert wait_for_session(vbr, moving.id).result.result == "Success"
    wait_until_gone(vbr, FILE_SHARE, finance)
    speed(admin, 500)
    unmount = vbr.unstructured.unmount_share(eng)
    assert wait_for_session(vbr, unmount.id).result.result == "Success"
    wait_until_gone(vbr, FILE_SHARE, eng)
    assert admin.get("/_sim/mounts").json()["mounts"] == []


def test_file_share_failures_and_roles(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    spec = share_spec(vbr, FINANCE)
    speed(admin, 5)  # publishing takes 4.4 s: long enough to be seen
    before = snapshot(admin)
    forbidden(lambda: viewer.unstructured.start_share_instant_recovery(spec))
    forbidden(lambda: viewer.unstructured.list_share_mounts_page())
    assert snapshot(admin) == before
    bucket = share_spec(vbr, "invoices")
    bad_request(lambda: vbr.unstructured.start_share_instant_recovery(bucket), "bucket")
    bad_request(lambda: raw(loose, "POST", IR, json={"restoreOptions": [{}]}), "restorePointId")
    unknown = InstantUnstructuredDataRestoreSpec(
        restore_options=[UnstructuredDataRestoreOptionsModel(restore_point_id=MISSING)]
    )
    not_found(lambda: vbr.unstructured.start_share_instant_recovery(unknown))
    not_found(lambda: vbr.unstructured.get_share_mount(MISSING))
    not_found(lambda: vbr.unstructured.unmount_share(MISSING))
    not_found(
        lambda: vbr.unstructured.migrate_share(MISSING, migration(ShareSettings(type="Auto")))
    )
    not_found(lambda: vbr.unstructured.switchover_share(MISSING))
    not_found(lambda: vbr.unstructured.get_share_switchover_settings(MISSING))
    not_found(
        lambda: vbr.unstructured.update_share_switchover_settings(
            MISSING, ShareSettings(type="Auto")
        )
    )
    (session,) = vbr.unstructured.start_share_instant_recovery(spec).data
    mount_id = session.id
    forbidden(lambda: viewer.unstructured.get_share_mount(mount_id))
    forbidden(lambda: viewer.unstructured.unmount_share(mount_id))
    forbidden(
        lambda: viewer.unstructured.migrate_share(mount_id, migration(ShareSettings(type="Auto")))
    )
    forbidden(lambda: viewer.unstructured.switchover_share(mount_id))
    forbidden(lambda: viewer.unstructured.get_share_switchover_settings(mount_id))
    forbidden(
        lambda: viewer.unstructured.update_share_switchover_settings(
            mount_id, ShareSettings(type="Auto")
        )
    )
    assert vbr.unstructured.get_share_switchover_settings(mount_id).type == "Auto"  # unchanged
    bad_request(  # still publishing
        lambda: vbr.unstructured.migrate_share(mount_id, migration(ShareSettings(type="Auto"))),
        "Publishing",
    )
    bad_request(
        lambda: raw(loose, "POST", f"{IR}/{mount_id}/migrate", json={"destination": {}}),
        "switchoverSettings",
    )
    past = ShareSettings(type="Scheduled", schedule_time=datetime.now(UTC) - timedelta(hours=1))
    bad_request(lambda: vbr.unstructured.update_share_switchover_settings(mount_id, past), "past")
    bad_request(lambda: raw(loose, "PUT", f"{IR}/{mount_id}/switchoverSettings", json={}), "type")
    bad_request(lambda: loose.unstructured.switchover_share(mount_id), "not being migrated")


def test_entire_share_and_bucket_restore(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    speed(admin, 500)
    share = UnstructuredDataEntireShareRestoreSpec(
        restore_point_id=latest_restore_point(vbr, FINANCE).id,
        restore_options=UnstructuredDataShareRestoreOptionsModel(overwrite_mode="Overwrite"),
    )
    s3 = estate_uuid("unstructuredServer", "s3.lab.local")
    bucket = UnstructuredDataEntireOSRestoreSpec(
        restore_point_id=latest_restore_point(vbr, "invoices").id,
        destination=UnstructuredDataOSRestoreDestinationModel(
            unstructured_data_server_id=s3, new_bucket_name="invoices-dr", region_id="us-east-1"
        ),
    )
    before = snapshot(admin)
    forbidden(lambda: viewer.unstructured.restore_file_share(share))
    forbidden(lambda: viewer.unstructured.restore_bucket(bucket))
    assert snapshot(admin) == before
    one = vbr.unstructured.restore_file_share(share)
    two = vbr.unstructured.restore_bucket(bucket)
    assert one.session_type == two.session_type == "NasRestore"
    assert wait_for_session(vbr, one.id).result.result == "Success"
    assert "invoices-dr" in wait_for_session(vbr, two.id).result.message
    wrong = share.model_copy(update={"restore_point_id": bucket.restore_point_id})
    bad_request(lambda: vbr.unstructured.restore_file_share(wrong), "not a file share")
    bad_request(lambda: raw(loose, "POST", f"{UD}/fileShare", json={}), "restorePointId")
    bad_request(
        lambda: raw(loose, "POST", f"{UD}/objectStorage", json={"restorePointId": "nope"}),
        "restorePointId",
    )
    wrong_bucket = bucket.model_copy(update={"restore_point_id": share.restore_point_id})
    bad_request(lambda: vbr.unstructured.restore_bucket(wrong_bucket), "not a object storage")
    not_found(
        lambda: vbr.unstructured.restore_file_share(
            share.model_copy(update={"restore_point_id": MISSING_ID})
        )
    )
    not_found(
        lambda: vbr.unstructured.restore_bucket(
            bucket.model_copy(update={"restore_point_id": MISSING_ID})
        )
    )


def test_unstructured_browse_mount(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    spec = UnstructuredDataMountSpec(
        restore_point_id=latest_restore_point(vbr, FINANCE).id,
        auto_unmount=FlrAutoUnmountModel(is_enabled=True, no_activity_period_in_minutes=30),
    )
    speed(admin, 500)
    before = snapshot(admin)
    forbidden(lambda: viewer.unstructured.start_flr_mount(spec))
    assert snapshot(admin) == before
    mount = vbr.unstructured.start_flr_mount(spec)
    until(lambda: mount_state(admin, mount.session_id) == "Mounted")
    assert mount.properties.path_separator == "\\"
    forbidden(lambda: viewer.unstructured.unmount_flr(mount.session_id))
    bad_request(lambda: vbr.unstructured.start_flr_mount(UnstructuredDataMountSpec()), "backupId")
    bad_request(lambda: raw(loose, "POST", FLR, json={"backupId": "nope"}), "backupId")
    not_found(lambda: vbr.unstructured.unmount_flr(MISSING))
    stopped = vbr.unstructured.unmount_flr(mount.session_id)
    assert stopped.session_type == "FileLevelRestore"
    assert wait_for_session(vbr, stopped.id).result.result == "Success"


# --- Entra ID ------------------------------------------------------------------------------


def test_entra_id_device_code_sign_in(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    before = snapshot(admin)
    forbidden(
        lambda: viewer.entra_id.start_tenant_restore(
            EntraIdTenantStartRestoreSpec(backup_id=TENANT_BACKUP)
        )
    )
    assert snapshot(admin) == before
    mount = vbr.entra_id.start_tenant_restore(
        EntraIdTenantStartRestoreSpec(backup_id=TENANT_BACKUP)
    )
    assert mount.source_properties.tenant_name == TENANT_NAME
    session_id = mount.session_id
    ask = EntraIdTenantRestoreDeviceCodeSpec(session_id=session_id)
    forbidden(lambda: viewer.entra_id.get_device_code(ask))
    code = vbr.entra_id.get_device_code(ask)
    state_spec = EntraIdTenantRestoreDeviceCodeStateSpec(
        session_id=session_id, user_code=code.user_code
    )
    forbidden(lambda: viewer.entra_id.get_device_code_state(state_spec))
    assert vbr.entra_id.get_device_code_state(state_spec).status == "Pending"
    admin.post(f"/_sim/entra/deviceCodes/{code.user_code}/confirm").raise_for_status()
    signed_in = wait_for_device_code(vbr, state_spec, timeout=10)
    assert signed_in.status == "Success"
    assert signed_in.credentials_id is not None
    bad_request(
        lambda: vbr.entra_id.get_device_code(
            EntraIdTenantRestoreDeviceCodeSpec(session_id=MISSING)
        ),
        "sessionId",
    )
    bad_request(lambda: raw(loose, "POST", f"{TENANT}/deviceCode", json={}), "sessionId")
    other = EntraIdTenantRestoreDeviceCodeStateSpec(session_id=session_id, user_code="NOSUCHCODE")
    bad_request(lambda: vbr.entra_id.get_device_code_state(other), "userCode")
    bad_request(
        lambda: raw(
            loose, "POST", f"{TENANT}/deviceCode/state", json={"sessionId": str(session_id)}
        ),
        "userCode",
    )


def test_entra_id_authorization_code_sign_in(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    session_id = vbr.entra_id.start_tenant_restore(
        EntraIdTenantStartRestoreSpec(backup_id=TENANT_BACKUP)
    ).session_id
    redirect = "https://drflow.lab.local/entra/callback"
    forbidden(
        lambda: viewer.entra_id.start_authorization(
            session_id, vdc_session_id="v", redirect_uri=redirect
        )
    )
    start = vbr.entra_id.start_authorization(
        session_id, vdc_session_id="vdc-1", redirect_uri=redirect
    )
    state = parse_qs(urlsplit(start.uri).query)["state"][0]
    bad_request(
        lambda: vbr.entra_id.start_authorization(
            MISSING, vdc_session_id="v", redirect_uri=redirect
        ),
        "sessionId",
    )
    bad_request(
        lambda: raw(loose, "GET", f"{TENANT}/{session_id}/authCode/startAuthorization"),
        "vdcSessionId",
    )
    code = admin.post(f"/_sim/entra/authCodes/{state}/approve").json()["code"]
    wrong_state = EntraIdTenantRestoreAuthorizeSpec(
        session_id=session_id, code=code, state="forged"
    )
    forbidden(lambda: viewer.entra_id.authorize(wrong_state))
    bad_request(lambda: vbr.entra_id.authorize(wrong_state), "state")
    bad_request(
        lambda: raw(loose, "POST", f"{TENANT}/authCode/authorize", json={"code": code}), "sessionId"
    )
    good = vbr.entra_id.authorize(
        EntraIdTenantRestoreAuthorizeSpec(session_id=session_id, code=code, state=state)
    )
    assert good.successful is True
    assert good.credentials_id is not None


def test_entra_id_tenant_and_audit_log_mounts(vbr_factory, admin) -> None:
    vbr, viewer = vbr_factory(), vbr_factory("viewer")
    loose = vbr_factory(checked=False)
    speed(admin, 500)
    copy_point = estate_uuid("restorePoint", TENANT_NAME, "copy", 26)
    from_copy = EntraIdTenantStartRestoreFromCopySpec(restore_point_id=copy_point)
    audit = UnstructuredDataMountSpec(backup_id=AUDIT_BACKUP)
    before = snapshot(admin)
    forbidden(lambda: viewer.entra_id.start_tenant_restore_from_copy(from_copy))
    forbidden(lambda: viewer.entra_id.mount_audit_log(audit))
    assert snapshot(admin) == before
    # tenant mount: 400 for the backup copy's id (restore from a copy has its own operation)
    copy_backup = EntraIdTenantStartRestoreSpec(
        backup_id=estate_uuid("backup", "Entra ID tenant copy")
    )
    bad_request(lambda: vbr.entra_id.start_tenant_restore(copy_backup), "fromCopy")
    bad_request(lambda: raw(loose, "POST", TENANT, json={"backupId": "nope"}), "backupId")
    # restore from a copy, then stop it
    session = vbr.entra_id.start_tenant_restore_from_copy(from_copy)
    assert session.session_type == "EntraIdRestoreFromCopy"
    until(lambda: mount_state(admin, session.id) == "Mounted")
    primary = EntraIdTenantStartRestoreFromCopySpec(
        restore_point_id=estate_uuid("restorePoint", TENANT_NAME, 2)
    )
    bad_request(lambda: vbr.entra_id.start_tenant_restore_from_copy(primary), "backup copy")
    bad_request(lambda: raw(loose, "POST", f"{TENANT}/fromCopy", json={}), "restorePointId")
    forbidden(lambda: viewer.entra_id.stop_tenant_restore(session.id))
    not_found(lambda: vbr.entra_id.stop_tenant_restore(MISSING, JobStopSpec(graceful_stop=True)))
    stopped = vbr.entra_id.stop_tenant_restore(session.id, JobStopSpec(graceful_stop=False))
    assert stopped.state == "Stopped"
    assert stopped.result.result == "Success"
    # audit log mount and unmount
    mount = vbr.entra_id.mount_audit_log(audit)
    until(lambda: mount_state(admin, mount.session_id) == "Mounted")
    assert mount.source_properties.backup_id == AUDIT_BACKUP
    bad_request(
        lambda: vbr.entra_id.mount_audit_log(UnstructuredDataMountSpec(backup_id=TENANT_BACKUP)),
        "audit log",
    )
    bad_request(lambda: raw(loose, "POST", AUDIT, json={"autoUnmount": {}}), "isEnabled")
    forbidden(lambda: viewer.entra_id.unmount_audit_log(mount.session_id))
    not_found(lambda: vbr.entra_id.unmount_audit_log(MISSING))
    unmounted = vbr.entra_id.unmount_audit_log(mount.session_id)
    assert wait_for_session(vbr, unmounted.id).result.result == "Success"
    assert admin.get("/_sim/mounts").json()["mounts"] == []


# --- 401 for all 30 operations -------------------------------------------------------------

ALL_OPERATIONS = [
    ("GET", AZ),
    ("POST", AZ),
    ("GET", f"{AZ}/{MISSING}"),
    ("GET", f"{AZ}/{MISSING}/sessions"),
    ("POST", f"{AZ}/{MISSING}/unmount"),
    ("POST", f"{AZ}/{MISSING}/migrate"),
    ("GET", f"{AZ}/{MISSING}/switchoverSettings"),
    ("PUT", f"{AZ}/{MISSING}/switchoverSettings"),
    ("POST", f"{AZ}/{MISSING}/switchover"),
    ("GET", IR),
    ("POST", IR),
    ("GET", f"{IR}/{MISSING}"),
    ("POST", f"{IR}/{MISSING}/unmount"),
    ("POST", f"{IR}/{MISSING}/migrate"),
    ("POST", f"{IR}/{MISSING}/switchover"),
    ("GET", f"{IR}/{MISSING}/switchoverSettings"),
    ("PUT", f"{IR}/{MISSING}/switchoverSettings"),
    ("POST", f"{UD}/fileShare"),
    ("POST", f"{UD}/objectStorage"),
    ("POST", FLR),
    ("POST", f"{UD}/{MISSING}/unmount"),
    ("POST", f"{TENANT}/deviceCode"),
    ("POST", f"{TENANT}/deviceCode/state"),
    ("GET", f"{TENANT}/{MISSING}/authCode/startAuthorization"),
    ("POST", f"{TENANT}/authCode/authorize"),
    ("POST", TENANT),
    ("POST", f"{TENANT}/fromCopy"),
    ("POST", f"{TENANT}/{MISSING}/stop"),
    ("POST", AUDIT),
    ("POST", f"{AUDIT}/{MISSING}/unmount"),
]


def test_every_operation_is_401_without_a_valid_token(sim, contract) -> None:
    assert len(ALL_OPERATIONS) == 30
    version = {"x-api-version": "1.3-rev1"}
    with httpx.Client(base_url=sim.url, timeout=10) as client:
        for method, path in ALL_OPERATIONS:
            assert contract.match(method, path) is not None, (method, path)
            for headers in (version, version | {"Authorization": "Bearer not-a-token"}):
                answer = client.request(method, path, headers=headers)  # refused before the body
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.json()["errorCode"] == "InvalidToken"
                contract.validate_response(method, path, 401, answer.json())
