"""The follow-up run that resumes a recovery suspended until its scheduled switchover."""

import time
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.runtime import deployment as current_deployment
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from drflow.tasks import VBRConnection, get_client

from .engine.suspension import CONFIRM_FLOW, confirm_tag
from .engine.switchover import read_vbr_settings

RESCHEDULE_MARGIN = timedelta(minutes=2)
"""A switchover closer than this is waited for in this run rather than by a new one (workers
may start a scheduled run some seconds early)."""

PAUSED_DEADLINE = 120.0
"""Seconds to wait for the recovery run to be suspended (it schedules this run just before)."""


class SwitchoverConfirmParams(BaseModel):
    """Which suspended recovery to resume, and the switchover it waits for."""

    model_config = ConfigDict(extra="forbid")

    flow_run_id: UUID = Field(description="The suspended recovery run to resume.")
    kind: Literal["azure-vm", "file-share"] = Field(description="What was recovered.")
    mount_id: UUID = Field(description="The mount whose switchover the recovery waits for.")
    workload: str = Field(default="", description="The recovered workload (for the run name).")
    scheduled_for: AwareDatetime | None = Field(
        default=None, description="The switchover time this run was scheduled for."
    )
    connection: VBRConnection = Field(
        default_factory=VBRConnection, description="How to reach VBR; unset: environment."
    )


@flow(name=CONFIRM_FLOW, flow_run_name="switchover-confirm[{params.workload}]")
def switchover_confirm(params: SwitchoverConfirmParams) -> str:
    """Resume a recovery run suspended until its scheduled switchover, at the switchover time.

    Re-reads VBR's switchover settings first: when the operator moved the time later, schedules
    a run of itself for the new time instead (in the same deployment) and ends.
    """
    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    logger = get_run_logger()
    client = get_client(params.connection)
    while True:
        settings = read_vbr_settings(client, params.kind, params.mount_id)
        when = settings.schedule_time if str(settings.type) == "Scheduled" else None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        ahead = (when - datetime.now(UTC)) if when is not None else timedelta(0)
        if ahead > RESCHEDULE_MARGIN and current_deployment.id:
            nxt = run_deployment(
                UUID(str(current_deployment.id)),
                parameters={
                    "params": params.model_copy(update={"scheduled_for": when}).model_dump(
                        mode="json", exclude_none=True
                    )
                },
                scheduled_time=when,
                timeout=0,
                as_subflow=False,
                tags=[confirm_tag(params.mount_id)],
            )
            logger.info("the switchover moved to %s: run %s confirms it then", when, nxt.id)
            return f"rescheduled to {when.isoformat()} (run {nxt.id})"
        if ahead <= timedelta(0):
            break
        logger.info("waiting %.0fs for the switchover at %s", ahead.total_seconds(), when)
        time.sleep(min(ahead.total_seconds(), RESCHEDULE_MARGIN.total_seconds()))

    from prefect import get_client as prefect_client

    end = time.monotonic() + PAUSED_DEADLINE
    with prefect_client(sync_client=True) as prefect:
        while True:
            state = prefect.read_flow_run(params.flow_run_id).state
            if state is not None and state.is_paused():
                break
            if state is None or state.is_final() or time.monotonic() > end:
                logger.warning(
                    "recovery run %s is %s, not suspended: nothing to resume",
                    params.flow_run_id,
                    state.name if state else "unknown",
                )
                return f"not resumed: the recovery run is {state.name if state else 'unknown'}"
            time.sleep(1.0)
    resume_flow_run(params.flow_run_id)
    logger.info("resumed recovery run %s to confirm the switchover", params.flow_run_id)
    return f"resumed {params.flow_run_id}"
