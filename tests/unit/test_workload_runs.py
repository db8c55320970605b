"""Which workloads of a drill run as task runs of its flow run (a plan's ``workload_runs``)."""

from __future__ import annotations

from drflow.drills.dispatch import as_task_runs
from drflow.plans import TASK_RUNS_FROM


def test_auto_runs_workloads_as_task_runs_from_the_threshold_up() -> None:
    below = {f"vm{i:03}": "vsphere" for i in range(TASK_RUNS_FROM - 1)}
    assert as_task_runs("auto", below, "drill") == set()
    at = {**below, "one-more": "hyperv"}
    assert as_task_runs("auto", at, "drill") == set(at)


def test_kinds_that_may_suspend_stay_flow_runs() -> None:
    kinds = {
        "vm": "vsphere",
        "hv": "hyperv",
        "disks": "fcd",
        "to-azure": "azure",
        "share": "file-share",
    }
    assert as_task_runs("task-runs", kinds, "drill") == {"vm", "hv", "disks"}
    assert as_task_runs("flow-runs", kinds, "drill") == set()


def test_a_recovery_runs_every_workload_as_a_flow_run() -> None:
    """What a recovery keeps is protected, when its record could not be written, by its own
    run having completed: a recovery's workloads never share the plan's run."""
    many = {f"vm{i:03}": "vsphere" for i in range(TASK_RUNS_FROM)}
    assert as_task_runs("task-runs", many, "recover") == set()
    assert as_task_runs("auto", many, "recover") == set()
