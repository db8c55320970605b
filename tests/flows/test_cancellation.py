"""Cancelling a recovery once it holds something in VBR removes it (flow ``finally`` + hooks).

The flows run as deployments served by a Prefect Runner (cancellation needs a process that
watches the run); each test cancels its run through the API once the simulator holds what the
run started: a mount (vSphere VM, FCD, FLR), or a running restore session (entire VM restore).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.runner import Runner
from prefect.states import Cancelled, Cancelling
from tests.flows.support import mounts_of_run, poll, run_flow

from drflow.flows.engine.hooks import remove_what_the_run_started
from drflow.flows.fcd import fcd_instant_recovery
from drflow.flows.flr import file_level_restore
from drflow.flows.vm_restore import entire_vm_restore
from drflow.flows.vsphere import VSphereRecoveryParams, vsphere_instant_recovery

pytestmark = pytest.mark.flow

# a check that cannot pass before its deadline keeps a run busy after mounting
BUSY = [{"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120}]


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    runner = Runner(name="drflow-test-runner", query_seconds=1)
    for flow in (
        vsphere_instant_recovery,
        fcd_instant_recovery,
        file_level_restore,
        entire_vm_restore,
    ):
        runner.add_flow(flow, name="cancel-test")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    yield runner
    asyncio.run_coroutine_threadsafe(runner.astop(), loop).result(timeout=30)
    thread.join(timeout=30)


@dataclass
class Case:
    flow: str
    params: dict[str, Any]
    held: Callable[[httpx.Client, Any, str], list[Any]]
    """What the run holds in the simulator (empty once it is removed)."""


def mounted(admin: httpx.Client, vbr: Any, run_id: str) -> list[dict]:
    return [m for m in mounts_of_run(admin, run_id) if m["state"] == "Mounted"]


def any_mount(admin: httpx.Client, vbr: Any, run_id: str) -> list[dict]:
    return mounts_of_run(admin, run_id)


def running_restores(admin: httpx.Client, vbr: Any, run_id: str) -> list[Any]:
    """Restore sessions of the run (its mark is in their log) that have not stopped."""
    return [
        session
        for session in vbr.sessions.list(name_filter="db01")
        if session.session_type == "RestoreVm"
        and session.state != "Stopped"
        and any(run_id in (r.title or "") for r in vbr.sessions.logs(session.id).records)
    ]


CASES = {
    "vsphere-vm": Case(
        "vsphere-instant-recovery", {"vm": "db02", "then": "keep", "checks": BUSY}, mounted
    ),
    "fcd": Case(
        "fcd-instant-recovery",
        {
            "vm": "web01",
            "cluster": {"vcenter": "vcenter01.lab.local", "name": "DR cluster"},
            "then": "keep",
            "checks": BUSY,
        },
        mounted,
    ),
    "flr": Case("file-level-restore", {"vm": "web01", "keep_minutes": 10}, mounted),
    "entire-vm-restore": Case(
        "entire-vm-restore",
        {
            "vm": "db01",
            "location": "customized",
            "target": {"name": "db01-copy", "server": "vcenter01.lab.local", "folder": "DR"},
        },
        running_restores,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_cancel_removes_what_the_run_holds(
    sim, admin: httpx.Client, connection, vbr, runner, case: Case
) -> None:
    if case.flow == "entire-vm-restore":
        admin.put("/_sim/config", json={"speed": 2}).raise_for_status()  # a long restore
    run = run_deployment(
        f"{case.flow}/cancel-test",
        parameters={
            "params": {**case.params, "connection": connection.model_dump(exclude_none=True)}
        },
        timeout=0,
    )
    run_id = str(run.id)
    # the runner polls for the run, then starts a process for it: slow on a loaded machine
    poll(lambda: case.held(admin, vbr, run_id), f"what {case.flow} holds", 180)
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Cancelling(), force=True)

        def cancelled() -> bool:
            return client.read_flow_run(run.id).state.type == StateType.CANCELLED

        poll(cancelled, "the run to be cancelled")
    if case.held is running_restores:
        poll(lambda: not running_restores(admin, vbr, run_id), "the restore to be stopped")
    poll(lambda: not any_mount(admin, vbr, run_id), "the mount to be removed")


def test_a_cancellation_after_completion_leaves_what_the_run_kept(
    sim, admin: httpx.Client, connection
) -> None:
    """A cancellation that reaches a run once it has completed (its process still exiting)
    fires the hook, which must leave alone what the run kept on purpose."""
    report = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(vm="web01", then="keep", connection=connection),
    )
    assert report.verdict == "passed"
    kept = mounted(admin, None, report.flow_run_id)
    assert len(kept) == 1
    with get_client(sync_client=True) as client:
        run_id = UUID(report.flow_run_id)
        client.set_flow_run_state(run_id, Cancelling())  # not forced, as a user would
        flow_run = client.read_flow_run(run_id)
    assert flow_run.state.type == StateType.COMPLETED

    remove_what_the_run_started(vsphere_instant_recovery, flow_run, Cancelled())

    assert mounted(admin, None, report.flow_run_id) == kept
