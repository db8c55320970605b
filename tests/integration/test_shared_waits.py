"""Waits on vSphere mounts share their reads: one list call answers every waiting thread."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from drflow.simulator import SimulatorConfig, SimulatorServer
from drflow.simulator.estate import generated_vm_name
from drflow.vbr import VBRClient, VBRSettings, latest_restore_point, wait_for_mount, wait_until_gone
from drflow.vbr.models import (
    InstantRecoveryMountState,
    InstantViVMOriginalLocationRecoverySpec,
    SecureRestoreSpec,
)
from drflow.vbr.mounts import VSPHERE_VM

pytestmark = pytest.mark.integration

VMS = 8
LIST = "GET /api/v1/restore/instantRecovery/vSphere/vm"
GET_ONE = "GET /api/v1/restore/instantRecovery/vSphere/vm/{mountId}"


@pytest.fixture
def generated() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(estate_vms=VMS, speed=50)) as server:
        yield server


def test_generated_estate_has_every_vm_with_restore_points(generated: SimulatorServer) -> None:
    settings = VBRSettings(url=generated.url, username="restore-operator", password="simulator")
    with VBRClient(settings) as vbr:
        names = {p.name for p in vbr.restore_points.list()}
        assert names == {generated_vm_name(i) for i in range(1, VMS + 1)}
        assert len(list(vbr.restore_points.list(name_filter=generated_vm_name(VMS)))) == 2


def test_concurrent_waits_share_list_calls(generated: SimulatorServer) -> None:
    settings = VBRSettings(
        url=generated.url,
        username="restore-operator",
        password="simulator",
        poll_initial=0.05,
        poll_max=0.2,
    )
    polls: list[str] = []
    with VBRClient(settings) as vbr:

        def recover(index: int) -> str:
            point = latest_restore_point(vbr, generated_vm_name(index))
            session = vbr.vsphere.start_instant_recovery(
                InstantViVMOriginalLocationRecoverySpec(
                    restore_point_id=point.id,
                    secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
                    reason="shared waits test",
                )
            )
            mount = wait_for_mount(
                vbr,
                VSPHERE_VM,
                session.id,
                session_id=session.id,
                on_poll=lambda m: polls.append(m.vm_name),
            )
            assert mount.state == InstantRecoveryMountState.MOUNTED
            vbr.vsphere.unmount(mount.id)
            wait_until_gone(vbr, VSPHERE_VM, mount.id)
            return mount.vm_name

        with ThreadPoolExecutor(VMS) as pool:
            done = sorted(pool.map(recover, range(1, VMS + 1)))
    assert done == [generated_vm_name(i) for i in range(1, VMS + 1)]
    requests = httpx.get(f"{generated.url}/_sim/stats").json()["requests"]
    assert requests.get(GET_ONE, 0) == 0  # every wait read through the shared list
    assert generated.state.mounts() == []  # every mount is gone, as the waits said
    assert requests[LIST] < len(polls)  # fewer lists than the reads they answered
