"""The client against the simulator over real HTTP on 127.0.0.1 (every exchange spec-checked)."""

from __future__ import annotations

import httpx
import pytest

from drflow.vbr import (
    BadRequest,
    Forbidden,
    NotFound,
    ServerError,
    VBRClient,
    latest_restore_point,
    wait_for_mount,
    wait_for_session,
    wait_until_gone,
)
from drflow.vbr.models import (
    InstantViVMOriginalLocationRecoverySpec,
    SecureRestoreSpec,
)
from drflow.vbr.mounts import VSPHERE_VM

pytestmark = pytest.mark.integration


def spec_for(
    vbr: VBRClient, vm: str, reason: str = "test"
) -> InstantViVMOriginalLocationRecoverySpec:
    point = latest_restore_point(vbr, vm)
    return InstantViVMOriginalLocationRecoverySpec(
        restore_point_id=point.id,
        secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        power_up=True,
        nics_enabled=False,
        reason=reason,
    )


def faults(admin: httpx.Client, *rules: dict) -> None:
    admin.put("/_sim/faults", json=list(rules)).raise_for_status()


def test_reads_the_estate(vbr: VBRClient) -> None:
    backups = list(vbr.backups.list())
    assert backups
    points = list(vbr.restore_points.list(name_filter="web01"))
    assert len(points) >= 3
    latest = latest_restore_point(vbr, "web01")
    assert latest.creation_time == max(p.creation_time for p in points)
    assert vbr.restore_points.disks(latest.id).pagination.total >= 1


def test_pagination_over_http(vbr: VBRClient) -> None:
    everything = list(vbr.restore_points.list())
    paged = []
    skip = 0
    while True:
        page = vbr.restore_points.list_page(skip=skip, limit=4)
        paged += page.data
        skip += page.pagination.count
        if skip >= page.pagination.total:
            break
    assert [p.id for p in paged] == [p.id for p in everything]


def test_instant_recovery_lifecycle(vbr: VBRClient) -> None:
    session = vbr.vsphere.start_instant_recovery(spec_for(vbr, "web01"))
    mount = wait_for_mount(vbr, VSPHERE_VM, session.id, session_id=session.id)
    assert mount.state == "Mounted"
    assert mount.vm_name == "web01"
    unmount = vbr.vsphere.unmount(mount.id)
    assert wait_for_session(vbr, unmount.id).result.result == "Success"
    wait_until_gone(vbr, VSPHERE_VM, mount.id)
    with pytest.raises(NotFound):
        vbr.vsphere.get_mount(mount.id)


def test_viewer_is_forbidden_without_retries(vbr_factory, admin) -> None:
    viewer = vbr_factory("viewer")
    operator = vbr_factory("restore-operator")
    spec = spec_for(operator, "web01")
    before = admin.get("/_sim/stats").json()
    with pytest.raises(Forbidden) as info:
        viewer.vsphere.start_instant_recovery(spec)
    assert info.value.error_code == "AccessDenied"
    assert "Restore Operator" in info.value.message
    assert viewer.retry.retries == 0
    assert list(viewer.vsphere.list_mounts()) == []  # nothing started
    after = admin.get("/_sim/stats").json()
    assert after != before


def test_unknown_id_is_404_with_resource(vbr: VBRClient) -> None:
    missing = "00000000-0000-0000-0000-0000000000aa"
    with pytest.raises(NotFound) as info:
        vbr.sessions.get(missing)
    assert info.value.error_code == "NotFound"
    assert vbr.retry.retries == 0


def test_bad_body_is_400_naming_the_field(vbr_factory) -> None:
    vbr = vbr_factory(checked=False)
    with pytest.raises(BadRequest) as info:
        vbr.request(
            "POST",
            "/api/v1/restore/instantRecovery/vSphere/vm",
            json={"type": "OriginalLocation", "secureRestore": {"antivirusScanEnabled": False}},
        )
    assert "restorePointId" in info.value.message


def test_missing_api_version_is_400_listing_versions(sim) -> None:
    answer = httpx.post(
        f"{sim.url}/api/oauth2/token",
        data={"grant_type": "Password", "username": "viewer", "password": "simulator"},
    )
    assert answer.status_code == 400
    assert "1.3-rev1" in answer.json()["message"]


def test_401_in_error_model_without_token(sim) -> None:
    answer = httpx.get(f"{sim.url}/api/v1/sessions", headers={"x-api-version": "1.3-rev1"})
    assert answer.status_code == 401
    assert answer.json()["errorCode"] in {"InvalidToken", "ExpiredToken"}


def test_injected_503_and_429_are_recovered(vbr: VBRClient, admin) -> None:
    faults(
        admin,
        {"method": "GET", "path": "^/api/v1/backups$", "status": 503, "max_count": 2},
        {
            "method": "GET",
            "path": "^/api/v1/restorePoints$",
            "status": 429,
            "retry_after": 0,
            "max_count": 1,
        },
    )
    assert list(vbr.backups.list())
    assert list(vbr.restore_points.list())
    assert vbr.retry.retries == 3


def test_injected_500_on_a_post_is_not_retried(vbr: VBRClient, admin) -> None:
    spec = spec_for(vbr, "web02")
    faults(admin, {"method": "POST", "path": "instantRecovery/vSphere/vm$", "status": 503})
    with pytest.raises(ServerError):
        vbr.vsphere.start_instant_recovery(spec)
    assert vbr.retry.retries == 0
    assert list(vbr.vsphere.list_mounts()) == []


def test_commit_then_fail_leaves_exactly_one_mount(vbr: VBRClient, admin) -> None:
    spec = spec_for(vbr, "web02", reason="drflow-run:commit-test")
    faults(
        admin,
        {
            "method": "POST",
            "path": "instantRecovery/vSphere/vm$",
            "commit_then_fail": "500",
            "max_count": 1,
        },
    )
    with pytest.raises(ServerError):
        vbr.vsphere.start_instant_recovery(spec)
    found = [
        m
        for m in vbr.vsphere.list_mounts(vm_name_filter="web02")
        if "commit-test" in (m.spec.reason or "")
    ]
    assert len(found) == 1  # the client did not resend: one mount, which a retry adopts


def test_dropped_connection_on_get_is_retried(vbr: VBRClient, admin) -> None:
    faults(
        admin,
        {"method": "GET", "path": "^/api/v1/backups$", "drop_connection": True, "max_count": 1},
    )
    assert list(vbr.backups.list())
    assert vbr.retry.retries == 1


def test_relogin_after_server_forgets_tokens(vbr: VBRClient, admin) -> None:
    list(vbr.backups.list())
    logins = vbr.auth.logins
    admin.post("/_sim/tokens/revoke").raise_for_status()
    assert list(vbr.backups.list())
    assert vbr.auth.logins == logins + 1


def test_token_expiry_mid_run_refreshes(vbr: VBRClient, admin) -> None:
    admin.put("/_sim/config", json={"token_ttl": 2}).raise_for_status()
    vbr.auth.forget()
    list(vbr.backups.list())
    # the token lives 2 s: the client renews it from expires_in before using it again
    vbr.auth._token.refresh_at = 0  # as if 1.8 s had passed on the client's clock
    list(vbr.backups.list())
    assert vbr.auth.refreshes == 1
