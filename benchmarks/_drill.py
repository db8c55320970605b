"""One drill of the generated estate against the simulator, timed and counted."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from ._support import VM_SECONDS, api_requests, reset, set_restore_sessions_limit, set_speed
from ._support import write_plan as _write_plan


def ideal_seconds(vms: int, concurrency: int, speed: float) -> float:
    """What the simulator's durations and the concurrency limit allow: ``ceil(vms /
    concurrency)`` batches, each as long as one VM's start + mount + unmount at ``speed``."""
    return math.ceil(vms / concurrency) * VM_SECONDS / speed


def run_drill(
    url: str,
    workdir: Path,
    *,
    vms: int,
    concurrency: int,
    speed: float,
    workload_runs: str = "auto",
) -> dict[str, Any]:
    """Drill the first ``vms`` VMs, ``concurrency`` at once, their workloads run as
    ``workload_runs`` says; wall time, ideal, VBR calls, and how they ran."""
    from drflow.drills import DrillFailed, DrillReport, dr_drill
    from drflow.tasks import close_clients

    reset(url)
    set_speed(url, speed)
    set_restore_sessions_limit(concurrency)
    name = f"bench-{vms}-c{concurrency}"
    plan = _write_plan(workdir, url, vms, concurrency, name, workload_runs)
    before = api_requests(url)
    started = time.perf_counter()
    state = dr_drill(str(plan), return_state=True)
    wall = time.perf_counter() - started
    close_clients()  # log out: the next drill starts from a fresh client, as a new run would
    after = api_requests(url)
    outcome = state.result(raise_on_failure=False)
    report = outcome.report if isinstance(outcome, DrillFailed) else outcome
    if not isinstance(report, DrillReport):
        raise RuntimeError(f"drill {name} did not finish: {outcome}")
    passed = sum(r.outcome == "passed" for r in report.results)
    calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    calls = {k: v for k, v in sorted(calls.items()) if v}
    total = sum(calls.values())
    ideal = ideal_seconds(vms, concurrency, speed)
    phases: dict[str, list[float]] = {}
    for r in report.results:
        for phase in r.report.phases if r.report else []:
            if phase.seconds is not None:
                phases.setdefault(phase.name, []).append(phase.seconds)
    entry, leave = [], []
    for r in report.results:
        ph = r.report.phases if r.report else []
        if ph and r.started_at and r.ended_at and ph[-1].ended:
            entry.append((ph[0].started - r.started_at).total_seconds())
            leave.append((r.ended_at - ph[-1].ended).total_seconds())
    phases["(flow run start)"] = entry
    phases["(flow run end)"] = leave
    spans = [
        (r.ended_at - r.started_at).total_seconds()
        for r in report.results
        if r.started_at and r.ended_at
    ]
    as_tasks = sum(bool(r.report and r.report.task_run_id) for r in report.results)
    return {
        "vms": vms,
        "concurrency": concurrency,
        "speed": speed,
        "workload_runs": workload_runs,
        "ran_as": "task runs" if as_tasks else "flow runs",
        "ideal_s": round(ideal, 2),
        "wall_s": round(wall, 2),
        "ratio": round(wall / ideal, 3),
        "child_mean_s": round(sum(spans) / len(spans), 2) if spans else None,
        "child_ideal_s": round(VM_SECONDS / speed, 2),
        "phase_mean_s": {k: round(sum(v) / len(v), 2) for k, v in phases.items() if v},
        "passed": passed,
        "failed": [f"{r.name}: {r.reason}" for r in report.results if r.outcome != "passed"][:5],
        "vbr_calls": total,
        "calls_per_vm": round(total / vms, 2),
        "calls_by_route": calls,
    }
