"""Cancelling a recovery after its mount exists unmounts it (the on_cancellation hook).

The flow runs as a deployment served by a Prefect Runner (cancellation needs a process that
watches the run); the test cancels it through the API once the simulator holds its mount.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.runner import Runner
from prefect.states import Cancelling

from drflow.flows.vsphere import vsphere_instant_recovery

pytestmark = pytest.mark.flow


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(name="drflow-test-runner", query_seconds=1)
    runner.add_flow(vsphere_instant_recovery, name="cancel-test")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    yield runner
    asyncio.run_coroutine_threadsafe(runner.astop(), loop).result(timeout=30)
    thread.join(timeout=30)


def poll(condition, what: str, deadline: float = 90.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_cancel_after_mount_unmounts(sim, admin: httpx.Client, connection, runner) -> None:
    run = run_deployment(
        "vsphere-instant-recovery/cancel-test",
        parameters={
            "params": {
                "vm": "db02",
                "then": "keep",
                # a check that cannot pass before its deadline keeps the run busy after mounting
                "checks": [{"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120}],
                "connection": connection.model_dump(exclude_none=True),
            }
        },
        timeout=0,
    )

    def mounted() -> list[dict]:
        return [
            m
            for m in admin.get("/_sim/mounts").json()["mounts"]
            if str(run.id) in (m["reason"] or "") and m["state"] == "Mounted"
        ]

    poll(mounted, "the run's mount")
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(str(run.id)), Cancelling(), force=True)

        def cancelled() -> bool:
            return client.read_flow_run(run.id).state.type == StateType.CANCELLED

        poll(cancelled, "the run to be cancelled")
    poll(
        lambda: (
            not [
                m
                for m in admin.get("/_sim/mounts").json()["mounts"]
                if str(run.id) in (m["reason"] or "")
            ]
        ),
        "the mount to be removed",
    )
