"""The plan-level flows: ``dr-drill`` rehearses a plan, ``dr-recover`` carries it out.

How a plan is carried out (preflight, order, limits, evidence): :mod:`.run`.
"""

import logging
from typing import Any

from prefect import flow

from drflow.errors import DrflowError
from drflow.flows.engine import release_for_run, remove_what_the_children_started
from drflow.plans import Plan, PlanError, load_plan
from drflow.tasks import VBRConnection

from .dispatch import Dispatch
from .report import DrillReport
from .run import run_plan


def _load(plan: str) -> Plan:
    try:
        return load_plan(plan)
    except PlanError as exc:
        raise ValueError(str(exc)) from None


def remove_what_the_plan_started(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_cancellation`` / ``on_crashed`` hook of ``dr-drill``: the clean-up of every
    workload's run, its child flow runs' and its own (workloads that ran as its task runs mark
    what they start with its id)."""
    remove_what_the_children_started(flow, flow_run, state)
    try:
        plan = load_plan(str((flow_run.parameters or {}).get("plan")))
    except PlanError as exc:  # it was loaded when the run began: edited since?
        logging.getLogger("drflow").error(
            "run %s ended %s, but its plan cannot be read (%s): the janitor cleans up",
            flow_run.id,
            state.name,
            exc,
        )
        return
    release_for_run(flow_run, state, VBRConnection.model_validate(plan.vbr.connection()))


class DrillFailed(DrflowError):
    """The drill's verdict is failed; ``report`` has the details."""

    def __init__(self, report: DrillReport) -> None:
        super().__init__(f"{report.mode} of {report.plan} failed: {report.reason}")
        self.report = report


@flow(
    name="dr-drill",
    flow_run_name="dr-drill[{plan}]",
    on_cancellation=[remove_what_the_plan_started],
    on_crashed=[remove_what_the_plan_started],
)
def dr_drill(
    plan: str,
    report_path: str | None = None,
    seed: int | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str | None = None,
) -> DrillReport:
    """Rehearse a recovery plan: recover every workload isolated, verify it, always release it.

    Args:
        plan: Path of the plan file (YAML), relative to the working directory.
        report_path: Also write the JSON report there.
        seed: Seed of the random sample (plans with `sample`); default: the flow run id.
        dispatch: `in-process`: every workload runs in this flow run's process;
            `deployments`: each runs as a run of its flow's deployment, on any worker of
            that deployment's work pool (scale-out).
        deployment: With `dispatch: deployments`, the name of the workload flows'
            deployments (`vsphere-instant-recovery/<deployment>`, ...); default: each kind's
            own deployment in prefect.yaml.
    """
    loaded = _load(plan)
    report = run_plan(loaded, "drill", seed=seed, dispatch=dispatch, deployment=deployment)
    if report_path:
        report.write_json(report_path)
    if report.verdict != "passed" and loaded.fail_run_on_failed_drill:
        raise DrillFailed(report)
    return report


@flow(
    name="dr-recover",
    flow_run_name="dr-recover[{plan}]",
    on_crashed=[remove_what_the_children_started],
)
def dr_recover(
    plan: str,
    workloads: list[str] | None = None,
    report_path: str | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str | None = None,
) -> DrillReport:
    """Recover a plan for real (a failover): production networks, every workload kept (or
    migrated where the plan says `then: migrate`), nothing that succeeded is released.

    Args:
        plan: Path of the plan file (YAML).
        workloads: Only these workloads (default: all).
        report_path: Also write the JSON report there.
        dispatch: `in-process` or `deployments`, as for `dr-drill`.
        deployment: With `dispatch: deployments`, the workload flows' deployment name.
    """
    loaded = _load(plan)
    if workloads:
        known = {w.name for _, w in loaded.workloads()}
        unknown = sorted(set(workloads) - known)
        if unknown:
            raise ValueError(
                f"workloads: {', '.join(unknown)} not in plan {loaded.name} "
                f"(it has {', '.join(sorted(known))})"
            )
    report = run_plan(loaded, "recover", only=workloads, dispatch=dispatch, deployment=deployment)
    if report_path:
        report.write_json(report_path)
    if report.verdict != "passed":
        raise DrillFailed(report)
    return report
