"""Suspending a run until its scheduled switchover, and resuming it.

A scheduled switchover may be days away. A run that belongs to a deployment then does not keep
its worker busy: it saves a checkpoint (its report and what it is waiting for) as a flow run
input, schedules a run of the ``switchover-confirm`` flow for the switchover time and suspends
(``suspend_flow_run``: the process exits). The confirm run re-reads VBR's switchover settings
when it starts, re-schedules itself if the operator moved the time later (``drflow azure
reschedule`` moves it directly), and otherwise resumes the suspended run. Prefect runs a
resumed run again from its start: the strategy finds the checkpoint and goes straight to
confirming the switchover (:class:`~.switchover.SwitchingStrategy`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from prefect import get_run_logger
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import suspend_flow_run
from prefect.runtime import deployment as current_deployment
from prefect.runtime import flow_run as current_run
from pydantic import BaseModel

from .report import RecoveryReport, artifact_key

if TYPE_CHECKING:
    from .switchover import Switching, Switchover

CONFIRM_FLOW = "switchover-confirm"
"""The flow that resumes a run suspended until its scheduled switchover."""

CHECKPOINT_KEY = "drflow-switchover-checkpoint"
"""Flow run input key of the checkpoint a suspended run resumes from."""


def confirm_tag(mount_id: UUID | str) -> str:
    """The tag of the confirm runs waiting for the switchover of one mount."""
    return f"drflow-switchover:{mount_id}"


class Checkpoint(BaseModel):
    """What a run suspended until its switchover resumes from."""

    kind: str
    mount_id: UUID
    report: RecoveryReport
    state: dict[str, str] = {}
    suspensions: int = 0


def suspend_if_far(
    switching: Switching,
    when: datetime,
    settings: Switchover,
    report: RecoveryReport,
    suspensions: int,
) -> None:
    """Suspend the run until ``when`` when it is far enough and something can resume it."""
    log = get_run_logger()
    ahead = (when - datetime.now(UTC)).total_seconds()
    if ahead <= settings.suspend_after_minutes * 60:
        return
    if not current_deployment.id:
        log.info(
            "this run is not from a deployment, so nothing could resume it if it were "
            "suspended: waiting in this process until the switchover at %s, polling sparsely",
            when.isoformat(),
        )
        return
    target = _confirm_deployment(settings.confirm_deployment)
    if target is None:
        log.warning(
            "no deployment of the %s flow: waiting in this process (and keeping its worker) "
            "until the switchover at %s; deploy %s to release the worker",
            CONFIRM_FLOW,
            when.isoformat(),
            CONFIRM_FLOW,
        )
        return
    run_id = current_run.get_id()
    checkpoint = Checkpoint(
        kind=switching.kind,
        mount_id=switching.mount_id,
        report=report,
        state=switching.state(),
        suspensions=suspensions + 1,
    )
    from prefect.deployments import run_deployment

    try:
        _save_checkpoint(checkpoint)
        confirm = run_deployment(
            target,
            parameters={
                "params": {
                    "flow_run_id": str(run_id),
                    "kind": switching.kind,
                    "mount_id": str(switching.mount_id),
                    "workload": report.workload,
                    "scheduled_for": when.isoformat(),
                    "connection": switching.connection.model_dump(mode="json", exclude_none=True),
                }
            },
            scheduled_time=when,
            timeout=0,
            as_subflow=False,
            tags=[confirm_tag(switching.mount_id)],
        )
    except Exception as exc:  # never lose the recovery over it: wait here instead
        log.warning(
            "could not hand over to a %s run (%s): waiting in this process until %s",
            CONFIRM_FLOW,
            exc,
            when.isoformat(),
        )
        clear_checkpoint()
        return
    report.details["suspended"] = (
        f"until {when.isoformat()}; {CONFIRM_FLOW} run {confirm.id} resumes it"
    )
    waiting = report.model_copy(update={"reason": f"waiting for the switchover at {when}"})
    publish_waiting(waiting)
    log.info(
        "suspending until the switchover at %s: %s run %s will resume this run",
        when.isoformat(),
        CONFIRM_FLOW,
        confirm.id,
    )
    suspend_flow_run(key=f"switchover-{switching.mount_id}-{suspensions + 1}")


def _confirm_deployment(name: str | None) -> UUID | None:
    """The deployment of the confirm flow to schedule: ``name``, or one of that flow."""
    from prefect import get_client as prefect_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    log = get_run_logger()
    with prefect_client(sync_client=True) as client:
        if name:
            try:
                return client.read_deployment_by_name(name).id
            except ObjectNotFound:
                log.warning("confirm deployment %r does not exist", name)
                return None
        found = client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[CONFIRM_FLOW]))
        )
        if not found:
            return None
        mine = client.read_deployment(UUID(str(current_deployment.id)))
        same_pool = [d for d in found if d.work_pool_name == mine.work_pool_name]
        return (same_pool or found)[0].id


def publish_waiting(report: RecoveryReport) -> None:
    """The report of a run waiting for its switchover (the final one replaces it)."""
    from prefect.artifacts import create_markdown_artifact

    text = report.markdown().replace("**FAILED**", "**WAITING FOR SWITCHOVER**", 1)
    create_markdown_artifact(
        text,
        key=artifact_key("recovery", report.workload),
        description=f"Recovery of {report.workload}: waiting for the switchover",
    )


def _save_checkpoint(checkpoint: Checkpoint) -> None:
    from prefect.input.actions import create_flow_run_input

    _delete_checkpoint()  # one of an earlier suspension of this run
    create_flow_run_input(CHECKPOINT_KEY, checkpoint.model_dump(mode="json"))


def _delete_checkpoint() -> None:
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.input.actions import delete_flow_run_input

    try:
        delete_flow_run_input(CHECKPOINT_KEY)
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code != 404:
            raise


def load_checkpoint() -> Checkpoint | None:
    """The checkpoint of this run, if it is being resumed after a suspension."""
    if not current_deployment.id:  # only a deployment run can have been suspended
        return None
    from prefect.input.actions import read_flow_run_input

    value = read_flow_run_input(CHECKPOINT_KEY)
    return Checkpoint.model_validate(value) if value else None


def clear_checkpoint() -> None:
    try:
        _delete_checkpoint()
    except Exception as exc:  # a stale checkpoint only matters if the run is re-run
        get_run_logger().warning("could not remove the switchover checkpoint: %s", exc)


def move_confirm_runs(mount_id: UUID | str, when: datetime) -> list[UUID]:
    """Move the scheduled switchover-confirm runs of a mount to ``when``; their ids.

    Used when the operator reschedules: the suspended recovery is then resumed at the new
    time, earlier or later (a confirm run that already started re-reads the settings itself).
    """
    from prefect import get_client as prefect_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Scheduled

    moved = []
    with prefect_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[confirm_tag(mount_id)]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            )
        )
        for run in runs:
            client.set_flow_run_state(run.id, Scheduled(scheduled_time=when), force=True)
            moved.append(run.id)
    return moved
