"""Helpers the flow tests share: run a flow, wait for a paused run, poll, read the simulator."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def mounts(admin: httpx.Client) -> list[dict]:
    """Every mount the simulator holds now (of any kind)."""
    return admin.get("/_sim/mounts").json()["mounts"]


def mounts_of_run(admin: httpx.Client, run_id: object) -> list[dict]:
    """The mounts whose mark names the flow run ``run_id``."""
    return [m for m in mounts(admin) if str(run_id) in (m.get("reason") or "")]


def run_flow(flow: Any, params: Any) -> Any:
    """The flow's return value, or the exception it failed with (``RecoveryFailed``)."""
    state = flow(params, return_state=True)
    return state.result(raise_on_failure=False)


def run_in_background(flow: Any, params: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Start the flow in a thread; return (thread, holder) where holder gets the outcome."""
    holder: dict[str, Any] = {}

    def target() -> None:
        holder["outcome"] = run_flow(flow, params)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, holder


def poll(condition: Callable[[], T], what: str, deadline: float = 90.0, interval: float = 0.1) -> T:
    """``condition()`` once it is truthy (tried every ``interval`` seconds); fails when
    ``deadline`` seconds pass first."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def wait_for_paused_run(
    flow_name: str | None = None, *, since: datetime | None = None, deadline_s: float = 60.0
) -> str:
    """The id of a paused run (of ``flow_name``, created after ``since``), polled from the API."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateName,
    )

    run_filter = FlowRunFilter(
        state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"])),
        start_time=FlowRunFilterStartTime(after_=since) if since else None,
    )
    flow_filter = FlowFilter(name=FlowFilterName(any_=[flow_name])) if flow_name else None
    with get_client(sync_client=True) as client:

        def paused() -> str | None:
            runs = client.read_flow_runs(flow_filter=flow_filter, flow_run_filter=run_filter)
            return str(runs[0].id) if runs else None

        return poll(paused, f"a paused run of {flow_name or 'any flow'}", deadline_s)


def now() -> datetime:
    return datetime.now(UTC)


def artifact(key: str, flow_run_id: str) -> str | None:
    """The data of the latest artifact ``key`` of a flow run (markdown text, table JSON)."""
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)]),
            )
        )
    return str(max(found, key=lambda a: a.created).data) if found else None


def artifact_since(key: str, since: datetime) -> str | None:
    """The data of the newest artifact ``key`` created after ``since``, whichever run made it
    (for a run whose id the test does not know yet)."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    found = [a for a in found if a.created and a.created >= since]
    return str(max(found, key=lambda a: a.created).data) if found else None


def run_logs(flow_run_id: str) -> list[str]:
    """The messages a flow run (and its tasks) logged so far; logs arrive in batches: poll."""
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(flow_run_id)]))
        )
    return [log.message for log in logs]


def sim_requests(admin: httpx.Client) -> dict[str, int]:
    """How many VBR API requests the simulator answered, per ``METHOD path`` (its own admin
    API left out)."""
    requests = admin.get("/_sim/stats").json()["requests"]
    return {key: count for key, count in requests.items() if " /_sim/" not in key}


def run_state(flow_run_id: object) -> Any:
    """The current state of a flow run, read from the API."""
    from uuid import UUID

    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(str(flow_run_id))).state


def cancel_run(flow_run_id: object, deadline: float = 60.0) -> None:
    """Cancel a deployment run through the API and wait until it is ``Cancelled``."""
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelling

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(str(flow_run_id)), Cancelling(), force=True)
    poll(
        lambda: run_state(flow_run_id).type == StateType.CANCELLED,
        "the run to be cancelled",
        deadline,
    )


def runner_processes(runner: Any) -> set[str]:
    """Ids of the flow runs a Runner has a process for now."""
    return {str(run_id) for run_id in runner._process_manager._process_map}


def wait_until_idle(runner: Any, deadline: float = 30.0) -> None:
    """Wait until a Runner runs no flow run process: a process still exiting when the runner
    stops is killed, and its run's on_cancellation hooks fire (removing what it kept)."""
    poll(lambda: not runner._process_manager._process_map, "the runner to be idle", deadline)
