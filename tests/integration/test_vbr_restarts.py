"""The client over real HTTP while the simulator goes away and comes back, as a VBR server whose
services restart: a read returns, a wait completes, an unmount completes, a start whose answer
was lost is adopted and never repeated, and the session of the client survives; the outage is
recorded. The simulator's own records (``/_sim/stats``, its mounts) prove what happened.

The simulator is stopped and started again on the same port: with its state in memory
(``stop()`` then ``start()``), from its state file (``restart()`` with ``state_file``), or
afresh (``restart()`` without one: it forgot everything, tokens included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from drflow.simulator import SimulatorConfig, SimulatorServer
from drflow.vbr import (
    VBRClient,
    latest_restore_point,
    start_or_adopt,
    stop,
    wait_for_mount,
)
from drflow.vbr.adoption import find_vm_mount
from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec
from drflow.vbr.mounts import VSPHERE_VM

pytestmark = pytest.mark.integration

T = TypeVar("T")
START = "POST /api/v1/restore/instantRecovery/vSphere/vm"
UNMOUNT = "POST /api/v1/restore/instantRecovery/vSphere/vm/{mountId}/unmount"


def until(condition: Callable[[], T], what: str, deadline: float = 30.0) -> T:
    """``condition()`` once it is truthy, asked every 10 ms."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def failing(client: VBRClient, times: int = 2) -> Callable[[], bool]:
    """Whether the client has seen VBR fail ``times`` times in the outage going on."""

    def seen() -> bool:
        outage = client.outages.current
        return outage is not None and outage.failures >= times

    return seen


def in_thread(pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any, **kw: Any) -> Future[T]:
    return pool.submit(fn, *args, **kw)


def spec(client: VBRClient, vm: str, mark: str) -> InstantViVMOriginalLocationRecoverySpec:
    return InstantViVMOriginalLocationRecoverySpec(
        restore_point_id=latest_restore_point(client, vm).id,
        secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        reason=mark,
    )


def mounts_of(server: SimulatorServer, vm: str) -> list[dict[str, Any]]:
    return [m for m in server.state.mounts() if m.get("vmName") == vm]


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[SimulatorServer]:
    """A simulator that keeps its state in a file across restarts."""
    config = SimulatorConfig(speed=50, state_file=tmp_path / "vbr-state.pkl")
    with SimulatorServer(config) as server:
        yield server


def test_a_read_rides_out_an_outage_and_the_outage_is_recorded(sim, vbr_factory, pool) -> None:
    vbr = vbr_factory()
    assert list(vbr.backups.list())
    sim.stop()
    reading = in_thread(pool, vbr.restore_points.list_page, limit=5)
    until(failing(vbr), "the read to fail while the simulator is down")
    sim.start()
    assert reading.result(timeout=30).data
    [outage] = vbr.outages.records()
    assert outage.end is not None
    assert outage.failures >= 2
    assert "cannot connect" in outage.cause
    assert vbr.outages.unavailable_between(outage.start, outage.end) == outage.duration()


def test_a_wait_completes_across_a_restart(sim, vbr_factory, pool) -> None:
    vbr = vbr_factory()
    session = vbr.vsphere.start_instant_recovery(spec(vbr, "web01", "outage: wait"))
    sim.stop()
    waiting = in_thread(
        pool, wait_for_mount, vbr, VSPHERE_VM, session.id, session_id=session.id, timeout=60
    )
    until(failing(vbr), "the wait's polls to fail while the simulator is down")
    sim.start()
    mount = waiting.result(timeout=60)
    assert mount.state == "Mounted"
    stop(vbr, VSPHERE_VM, mount.id)
    assert mounts_of(sim, "web01") == []


def test_an_unmount_completes_across_a_restart(sim, vbr_factory, admin, pool) -> None:
    vbr = vbr_factory()
    session = vbr.vsphere.start_instant_recovery(spec(vbr, "web02", "outage: unmount"))
    mount = wait_for_mount(vbr, VSPHERE_VM, session.id, session_id=session.id)
    # the unmount reaches VBR, which goes down while it unmounts, before answering
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "/unmount$",
                "latency": 0.5,
                "commit_then_fail": "drop",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    unmounting = in_thread(pool, stop, vbr, VSPHERE_VM, mount.id)
    until(lambda: sim.state.requests[UNMOUNT], "the unmount to reach the simulator")
    sim.stop()  # lets the unmount in flight finish: it unmounts, then drops the answer
    until(failing(vbr), "the unmount to fail while the simulator is down")
    sim.start()
    stopped = unmounting.result(timeout=60)
    assert stopped.before == "held"
    assert mounts_of(sim, "web02") == []
    assert admin.get("/_sim/mounts").json()["mounts"] == []


def test_a_start_whose_answer_is_lost_in_a_restart_is_adopted_not_repeated(
    sim, vbr_factory, admin, pool
) -> None:
    """The start reaches VBR, which starts the recovery and goes down before answering."""
    vbr = vbr_factory(checked=False)  # the dropped answer is no exchange to check
    mark = "drflow-run:outage-start"
    recovery = spec(vbr, "app01", mark)
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "instantRecovery/vSphere/vm$",
                "latency": 0.5,
                "commit_then_fail": "drop",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    starting = in_thread(
        pool,
        start_or_adopt,
        vbr,
        lambda: vbr.vsphere.start_instant_recovery(recovery),
        lambda _since: find_vm_mount(vbr.vsphere, "app01", mark),
        what="instant recovery of app01",
    )
    until(lambda: sim.state.requests[START], "the start to reach the simulator")
    sim.stop()  # lets the start in flight finish: it starts the recovery, then drops the answer
    until(failing(vbr), "the client to look for the start while the simulator is down")
    sim.start()
    started = starting.result(timeout=60)
    assert started.adopted
    [held] = mounts_of(sim, "app01")
    assert held["id"] == str(started.value.id)
    stats = admin.get("/_sim/stats").json()
    assert stats["requests"][START] == 1
    assert stats["starts"]["InstantRecovery app01"] == 1


def test_a_start_is_adopted_from_the_state_file_of_a_restarted_vbr(kept, pool) -> None:
    from drflow.vbr import RetryPolicy, VBRSettings

    vbr = VBRClient(
        VBRSettings(url=kept.url, username="restore-operator", password="simulator"),
        retry=RetryPolicy(initial_wait=0.01, max_wait=0.05, jitter=0.0),
    )
    mark = "drflow-run:outage-restart"
    recovery = spec(vbr, "app01", mark)
    httpx.put(
        f"{kept.url}/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "instantRecovery/vSphere/vm$",
                "latency": 0.5,
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    with vbr:
        starting = in_thread(
            pool,
            start_or_adopt,
            vbr,
            lambda: vbr.vsphere.start_instant_recovery(recovery),
            lambda _since: find_vm_mount(vbr.vsphere, "app01", mark),
            what="instant recovery of app01",
        )
        until(lambda: kept.state.requests[START], "the start to reach the simulator")
        kept.restart()  # a new simulator, built from the state file the old one saved
        started = starting.result(timeout=60)
        assert started.adopted
        [held] = mounts_of(kept, "app01")
        assert held["id"] == str(started.value.id)
        assert kept.state.starts() == {"InstantRecovery app01": 1}
        assert vbr.auth.logins == 1  # the state file kept the tokens too


def test_a_session_survives_a_vbr_that_forgot_its_tokens(sim, vbr_factory, admin) -> None:
    vbr = vbr_factory()
    assert list(vbr.backups.list())
    sim.restart()  # no state file: the restarted simulator forgot every token
    assert list(vbr.backups.list())  # a 401, a new login, the call again: no error
    assert vbr.auth.logins == 2
    # a refresh token the restarted server does not know is refused: a new login, no error
    sim.restart()
    vbr.auth._token.refresh_at = 0  # as if the access token were about to expire
    assert list(vbr.backups.list())
    assert (vbr.auth.logins, vbr.auth.refreshes) == (3, 0)
    stats = admin.get("/_sim/stats").json()  # of the simulator since its restart
    assert stats["requests"]["POST /api/oauth2/token"] == 2  # the refresh refused, a login
    assert stats["tokens"]["issued"] == 1
