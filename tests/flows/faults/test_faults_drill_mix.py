"""A drill of 20 vSphere VMs while one request in five fails, with five seeds.

The simulator serves a generated estate (``SimulatorConfig(estate_vms=20)``: ``vm00001`` ...
``vm00020``) at speed 200; the plan recovers all 20 at once (``max_parallel`` 20, the global
limit of restore sessions set to 20 while it runs), checks each guest and unmounts it. Every
request to the API fails with a probability of 20 %, split evenly over 500, 502, 503, 504,
429 and dropped connections; on top, one start in five is carried out by VBR with its answer
lost (``commit_then_fail``: a 500 or a dropped connection; the third and the tenth always),
which the drill must adopt, not repeat. The simulator's seed draws which requests fail (in
the order the drill's threads send them): five seeds, five different mixes, taken in turn by
the two ways a drill's workloads run in Prefect (:data:`RUNS`).

Every workload must pass; nothing may be left mounted or held; no VM may be started twice
(neither two instant recovery sessions of one VM, nor one run's mark on two starts); every
retry had a fault for cause. The client's pauses between tries are shortened as VBR's
durations are (:data:`BACKOFF`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.flows.faults.support import (
    EVERY_ROUTE,
    START_ROUTES,
    Scenario,
    drill_client,
    kind_duplicates,
    named,
    outcomes,
    run_drill,
    set_faults,
    stats,
)

from drflow.simulator.config import SimulatorConfig
from drflow.simulator.estate import generated_vm_name
from drflow.simulator.server import SimulatorServer
from drflow.vbr import RetryPolicy

pytestmark = [pytest.mark.flow, pytest.mark.faults]

VMS = 20
SPEED = 200
SEEDS = [1, 2, 3, 4, 5]
RUNS = {seed: "flow-runs" if seed % 2 else "task-runs" for seed in SEEDS}
"""How each seed's drill runs its workloads: as child flow runs (what ``auto`` chooses for 20
VMs) with three mixes, as task runs with two. The VBR client, where faults are met, is the
same either way; each seed's mix once each way would double the suite's heaviest test."""
FAULT_RATE = 0.20
FAULTS: list[dict[str, Any]] = [
    {"status": 500},
    {"status": 502},
    {"status": 503},
    {"status": 504},
    {"status": 429, "retry_after": 1},
    {"drop_connection": True},
]
"""The faults of the mix, in equal shares of :data:`FAULT_RATE`."""
SECONDS_PER_DRILL = 150.0
"""A drill that takes longer is held by something (a retry or a wait that does not end when
it should). Measured on a 2-core machine: 33-41 s with the machine otherwise quiet (the same
drill without faults: 30 s, mostly Prefect's), 47-83 s while other test runs load it."""
BACKOFF = {"initial_wait": 0.1, "max_wait": 2.0, "jitter": 0.1}
"""The client's waits between tries, five times shorter than by default (0.5 s doubling up to
10 s, plus up to 0.5 s): as the simulator's speed shortens VBR's durations, this shortens the
client's pauses; what is retried, and for how long at most, is unchanged. At 20 % faults some
call fails four or five times in a row in most drills, which the default backoff makes a
16 s pause of one workload."""


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """A simulator of the generated estate, its fault decisions drawn with the seed."""
    config = SimulatorConfig(estate_vms=VMS, speed=SPEED, seed=request.param)
    with SimulatorServer(config) as server:
        yield server


@pytest.fixture
def sessions_limit() -> Iterator[None]:
    """The global limit of restore sessions sized for every VM at once, as before after."""
    from prefect import get_client

    from drflow.drills import LIMIT_NAME, ensure_concurrency_limit

    before = ensure_concurrency_limit()
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, VMS)
    try:
        yield
    finally:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, before)


def fault_mix(rate: float) -> list[dict[str, Any]]:
    """Rules failing ``rate`` of every request, split evenly over :data:`FAULTS`, and
    losing the answer of ``rate`` of the starts of instant recovery (VBR carries them out),
    the third and the tenth start's always (a 500, a dropped connection)."""
    start = f"^{START_ROUTES['vsphere']}$"
    rules: list[dict[str, Any]] = [  # whatever the draws: the 3rd and the 10th start
        {"method": "POST", "path": start, "commit_then_fail": "500", "skip": 2, "max_count": 1},
        {"method": "POST", "path": start, "commit_then_fail": "drop", "skip": 9, "max_count": 1},
    ]
    rules += [
        {"method": "POST", "path": start, "commit_then_fail": how, "error_rate": rate / 2}
        for how in ("500", "drop")
    ]
    remaining = 1.0
    for fault in FAULTS:  # each rule sees only what the ones before it let through
        share = rate / len(FAULTS)
        rules.append({"path": EVERY_ROUTE, "error_rate": share / remaining, **fault})
        remaining -= share
    return rules


def generated_plan(directory: Path, url: str) -> str:
    """A drill plan of every VM of the generated estate, all at once, each guest checked."""
    plan = {
        "name": f"generated-{VMS}",
        "vbr": {"url": url},
        "max_parallel": VMS,
        "defaults": {
            "rpo_hours": 26,
            "rto_minutes": 30,
            "timeout_minutes": 10,
            "checks": [
                {
                    "kind": "http",
                    "url": f"{url}/_sim/guests/{{vm}}/health",
                    "deadline": 30,
                    "interval": 0.1,
                }
            ],
        },
        "groups": [
            {
                "name": "all",
                "workloads": [
                    {"name": vm, "kind": "vsphere", "vm": vm}
                    for vm in (generated_vm_name(i) for i in range(1, VMS + 1))
                ],
            }
        ],
    }
    path = directory / f"generated-{VMS}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


@pytest.mark.parametrize(
    ("sim", "workload_runs"),
    list(RUNS.items()),
    ids=[f"seed-{seed}-{runs}" for seed, runs in RUNS.items()],
    indirect=True,
)
def test_drill_of_generated_vms_under_a_fault_mix(
    sim: SimulatorServer,
    admin: httpx.Client,
    connection,
    sessions_limit: None,
    tmp_path: Path,
    workload_runs: str,
) -> None:
    path = generated_plan(tmp_path, sim.url)
    seed = admin.get("/_sim/config").json()["seed"]
    client = drill_client(path)  # the process-wide client of the plan's VBR: the drill's
    client.retry = RetryPolicy(**BACKOFF)
    measured = Scenario(
        named(f"fault-mix-{FAULT_RATE:.0%}/generated-{VMS}/seed-{seed}", workload_runs),
        admin,
        client,
    )
    set_faults(admin, fault_mix(FAULT_RATE))
    began = time.monotonic()

    report, _ = run_drill(path, workload_runs)
    seconds = time.monotonic() - began
    measured.drilled(report)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert outcomes(report) == {generated_vm_name(i): "passed" for i in range(1, VMS + 1)}
    figures = measured.finish()
    after = stats(admin)
    assert kind_duplicates(after) == {}, "a run's mark was carried by two starts"
    assert after["workloads"]["vsphere"]["starts"] == VMS
    assert figures.starts == VMS  # one instant recovery session per VM
    injected = figures.faults
    for kind in ("commit_then_fail:500", "commit_then_fail:drop", "status:429", "drop"):
        assert injected.get(kind, 0) > 0, f"no {kind} in the mix: {injected}"
    assert seconds < SECONDS_PER_DRILL, f"the drill took {seconds:.0f}s: something held it"
