"""4. Prefect overhead: the vSphere flow against calling the client directly, per VM.

The same VMs recovered one after another, twice: by the ``vsphere-instant-recovery`` flow (the
drill's child: tasks, artifacts, logs, states), and by a plain function making the same client
calls (restore point, start, wait until mounted, unmount, wait until gone). The flow runs with
heartbeats as deployed (Prefect's default, every 180 s) and with heartbeats off, to show what
they cost a short flow.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from ._support import prepare_environment, reset, save, set_speed, simulator, table
from ._support import warm_up_prefect as _warm_up

TARGET = 0.25
"""Seconds of Prefect per VM over the same calls made directly (issue 16, goal 5)."""


def direct(client: Any, vm: str) -> None:
    """The flow's VBR work without Prefect."""
    from drflow.vbr import latest_restore_point, wait_for_mount, wait_until_gone
    from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec
    from drflow.vbr.mounts import VSPHERE_VM

    point = latest_restore_point(client, vm)
    session = client.vsphere.start_instant_recovery(
        InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=point.id,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
            nics_enabled=False,
            power_up=True,
            reason="prefect overhead benchmark",
        )
    )
    mount = wait_for_mount(client, VSPHERE_VM, session.id, session_id=session.id)
    client.vsphere.unmount(mount.id)
    wait_until_gone(client, VSPHERE_VM, mount.id)


def run(quick: bool) -> dict[str, Any]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from drflow.flows.vsphere import VSphereRecoveryParams, vsphere_instant_recovery
    from drflow.simulator.estate import generated_vm_name
    from drflow.tasks import VBRConnection, close_clients, get_client

    vms, speed = (3, 10.0) if quick else (5, 5.0)
    times: dict[str, list[float]] = {"direct": [], "flow": [], "flow, heartbeats off": []}
    with simulator(vms, speed=speed) as url:
        _warm_up()
        connection = VBRConnection(url=url)

        def flow_once(vm: str) -> None:
            params = VSphereRecoveryParams(vm=vm, connection=connection, then="unmount")
            vsphere_instant_recovery(params)

        def direct_once(vm: str) -> None:
            direct(get_client(connection), vm)

        for label, once in (("direct", direct_once), ("flow", flow_once)):
            reset(url)
            set_speed(url, speed)
            once(generated_vm_name(1))  # a first run pays imports and connections
            close_clients()
            reset(url)
            set_speed(url, speed)
            for i in range(1, vms + 1):
                started = time.perf_counter()
                once(generated_vm_name(i))
                times[label].append(time.perf_counter() - started)
            close_clients()
        reset(url)
        set_speed(url, speed)
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            for i in range(1, vms + 1):
                started = time.perf_counter()
                flow_once(generated_vm_name(i))
                times["flow, heartbeats off"].append(time.perf_counter() - started)
        close_clients()
    base = statistics.mean(times["direct"])
    rows = [
        [label, round(statistics.mean(t), 3), round(statistics.mean(t) - base, 3)]
        for label, t in times.items()
    ]
    out = {
        "benchmark": "prefect_overhead",
        "quick": quick,
        "vms": vms,
        "speed": speed,
        "per_vm_s": {label: round(statistics.mean(t), 3) for label, t in times.items()},
        "overhead_per_vm_s": {
            label: round(statistics.mean(t) - base, 3) for label, t in times.items()
        },
        "target": f"<= {TARGET} s per VM: the vSphere flow's cost over the direct calls, "
        "heartbeats at their default",
        "target_value": round(statistics.mean(times["flow"]) - base, 3),
        "target_met": statistics.mean(times["flow"]) - base <= TARGET,
    }
    print(
        table(
            f"Prefect overhead ({vms} VMs one after another, speed {speed:g})",
            ["how", "s per VM", "over direct s"],
            rows,
        )
    )
    save("prefect_overhead", out)
    return out


if __name__ == "__main__":
    prepare_environment()
    run("--quick" in sys.argv)
