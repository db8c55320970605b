"""Which workloads of a drill run as task runs of its flow run (a plan's ``workload_runs``)."""

from __future__ import annotations

from drflow.drills.dispatch import as_task_runs
from drflow.plans import TASK_RUNS_FROM


def test_auto_runs_workloads_as_task_runs_from_the_threshold_up() -> None:
    below = {f"vm{i:03}": "vsphere" for i in range(TASK_RUNS_FROM - 1)}
    assert as_task_runs("auto", below, {}) == set()
    at = {**below, "one-more": "hyperv"}
    assert as_task_runs("auto", at, {}) == set(at)


def test_kinds_that_may_pause_or_suspend_stay_flow_runs() -> None:
    kinds = {
        "vm": "vsphere",
        "hv": "hyperv",
        "disks": "fcd",
        "to-azure": "azure",
        "share": "file-share",
        "asks": "vsphere",
    }
    then = {name: "unmount" for name in kinds} | {"asks": "ask"}
    assert as_task_runs("task-runs", kinds, then) == {"vm", "hv", "disks"}
    assert as_task_runs("flow-runs", kinds, then) == set()
