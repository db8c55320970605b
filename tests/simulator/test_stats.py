"""``GET /_sim/stats`` per workload kind: starts accepted, what is still held, and starts that
carried the same run mark (a workload started twice)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from drflow.simulator import SimulatorConfig, SimulatorServer, estate_uuid
from drflow.simulator.workloads import KINDS
from tests.flows.support import poll
from tests.simulator.sim_support import IR_PATH, VERSION, ir_spec

OP = "restore-operator"
FCD = "/api/v1/restore/instantRecovery/vSphere/fcd"
RESTORE = "/api/v1/restore/vmRestore/vSphere"
MARK = "drflow-run:5f0c2a1e-0d4b-4c1e-9a57-3b9e7d1e2f10"
OTHER_MARK = "drflow-run:0b6d1c7a-2f43-4e8e-8f0d-6a1b9c3d4e5f"


def workloads(api) -> dict[str, Any]:
    return api.client.get("/_sim/stats").json()["workloads"]


def start_ir(api, vm: str, age: float, reason: str) -> dict[str, Any]:
    response = api.post(IR_PATH, user=OP, json=ir_spec(vm, age, reason=reason))
    assert response.status_code == 201, response.text
    return response.json()


def fcd_disk(name: str, mark: str) -> dict[str, str]:
    return {
        "nameInBackup": name,
        "mountedDiskName": f"{name}.vmdk",
        "registeredFcdName": f"{name} [{mark}]",
    }


def start_fcd(api, vm: str, mark: str) -> dict[str, Any]:
    spec = {
        "restorePointId": str(estate_uuid("restorePoint", vm, 4)),
        "destinationCluster": {
            "platform": "VSphere",
            "hostName": "vcenter01.lab.local",
            "name": "DR",
            "type": "Cluster",
        },
        "disksMapping": [fcd_disk(vm, mark), fcd_disk(f"{vm}_1", mark)],
    }
    response = api.post(FCD, user=OP, json=spec)
    assert response.status_code == 201, response.text
    return response.json()


def test_every_kind_is_reported_from_the_start(api):
    assert workloads(api) == {
        kind.kind: {"starts": 0, "held": {"mounts": 0, "sessions": 0}, "duplicates": {}}
        for kind in KINDS
    }


def test_starts_and_what_is_held_until_unmounted(api, clock):
    first = start_ir(api, "web01", 4, f"drflow vsphere-instant-recovery [{MARK}]")
    start_ir(api, "web02", 4, f"drflow vsphere-instant-recovery [{OTHER_MARK}]")
    vsphere = workloads(api)["vsphere"]
    assert vsphere == {"starts": 2, "held": {"mounts": 2, "sessions": 2}, "duplicates": {}}

    clock.advance(22)  # mounted
    unmounted = api.post(f"{IR_PATH}/{first['id']}/unmount", user=OP)
    assert unmounted.status_code == 200, unmounted.text
    assert workloads(api)["vsphere"]["held"] == {"mounts": 2, "sessions": 2}  # dismounting
    clock.advance(5)  # unmounted
    assert workloads(api)["vsphere"]["held"] == {"mounts": 1, "sessions": 1}
    assert workloads(api)["vsphere"]["starts"] == 2


def test_two_starts_of_one_vm_with_one_mark_are_a_duplicate(api, clock):
    first = start_ir(api, "web01", 4, f"drflow vsphere-instant-recovery [{MARK}]")
    start_ir(api, "app01", 3, f"drflow vsphere-instant-recovery [{MARK}]")
    start_ir(api, "web02", 4, "no mark at all")
    # one run may start many VMs under its mark (a drill whose workloads are its task runs)
    assert workloads(api)["vsphere"]["duplicates"] == {}
    clock.advance(22)  # mounted
    assert api.post(f"{IR_PATH}/{first['id']}/unmount", user=OP).status_code == 200
    clock.advance(5)  # gone: VBR takes the VM again
    start_ir(api, "web01", 4, f"drflow vsphere-instant-recovery [{MARK}]")
    assert workloads(api)["vsphere"]["duplicates"] == {f"{MARK} web01": 2}
    assert workloads(api)["hyperv"]["duplicates"] == {}  # per kind


def test_fcd_marks_are_read_from_the_registered_disk_names(api, clock):
    first = start_fcd(api, "web01", MARK)  # two disks with one mark: one start
    start_fcd(api, "web02", MARK)  # another VM's disks: not a duplicate
    assert workloads(api)["fcd"]["duplicates"] == {}
    assert workloads(api)["fcd"]["held"] == {"mounts": 2, "sessions": 2}
    clock.advance(60)  # mounted
    assert api.post(f"{FCD}/{first['resourceId']}/dismount", user=OP).status_code == 200
    clock.advance(60)  # gone: its disk names are free again
    start_fcd(api, "web01", MARK)
    fcd = workloads(api)["fcd"]
    assert fcd["starts"] == 3
    assert fcd["duplicates"] == {f"{MARK} web01": 2}


def test_a_restore_is_held_while_its_session_runs(api, clock):
    spec = {
        "type": "OriginalLocation",
        "restorePointId": str(estate_uuid("restorePoint", "web01", 4)),
        "powerUp": False,
        "overwrite": True,
        "reason": f"drflow entire-vm-restore [{MARK}]",
    }
    assert api.post(RESTORE, user=OP, json=spec).status_code == 201
    restores = workloads(api)["vm_restore"]
    assert restores == {"starts": 1, "held": {"mounts": 0, "sessions": 1}, "duplicates": {}}
    clock.advance(2 + 90)  # start + restore
    assert workloads(api)["vm_restore"]["held"] == {"mounts": 0, "sessions": 0}
    assert api.post(RESTORE, user=OP, json=spec).status_code == 201  # the same run again
    assert workloads(api)["vm_restore"]["duplicates"] == {f"{MARK} web01": 2}


def test_a_reset_forgets_the_starts(api):
    start_ir(api, "web01", 4, f"drflow vsphere-instant-recovery [{MARK}]")
    api.client.post("/_sim/reset").raise_for_status()
    assert workloads(api)["vsphere"]["starts"] == 0


@pytest.mark.integration
def test_a_restart_keeps_the_starts_so_a_start_after_it_is_seen_twice(tmp_path):
    def start(server: SimulatorServer, vm: str, then_unmount: bool = False) -> None:
        with httpx.Client(base_url=server.url, headers=VERSION, timeout=10) as client:
            token = client.post(
                "/api/oauth2/token",
                data={"grant_type": "Password", "username": OP, "password": "simulator"},
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            spec = ir_spec(vm, 4, reason=f"drflow vsphere-instant-recovery [{MARK}]")
            answer = client.post(IR_PATH, json=spec)
            assert answer.status_code == 201, answer.text
            if then_unmount:  # the simulator is fast: poll its real time
                mount = f"{IR_PATH}/{answer.json()['id']}"
                poll(lambda: client.get(mount).json()["state"] == "Mounted", "mounted", 10, 0.02)
                assert client.post(f"{mount}/unmount").status_code == 200
                poll(lambda: client.get(mount).status_code == 404, "gone", 10, 0.02)

    fast = SimulatorConfig(state_file=tmp_path / "state.pkl", speed=200)
    with SimulatorServer(fast) as server:
        start(server, "web01", then_unmount=True)
        server.restart()
        start(server, "web01")
        vsphere = httpx.get(f"{server.url}/_sim/stats").json()["workloads"]["vsphere"]
    assert vsphere["starts"] == 2
    assert vsphere["duplicates"] == {f"{MARK} web01": 2}
