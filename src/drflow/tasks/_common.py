"""The conventions every VBR task follows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.states import State

from drflow.vbr import ServerError, VBRClient, VBRError, VBRTransportError
from drflow.vbr._retry import IDEMPOTENT_METHODS
from drflow.vbr.marks import mark_for
from drflow.vbr.models import SessionModel, SessionState, SessionType

P = ParamSpec("P")
R = TypeVar("R")


def run_mark() -> str:
    """The mark drflow leaves in the ``reason`` of what it starts: the flow run id.

    A retry finds what an earlier attempt started by it, and the janitor finds leftovers.
    Outside a flow run the mark is unique to the call.
    """
    return mark_for(flow_run.get_id() or uuid.uuid4())


def unretried_start_failure(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a start only for failures the client did not retry itself.

    The client retries GETs and never-sent requests; a POST that may have reached VBR comes
    back here, and the task's next attempt first adopts what the first one may have started.
    """
    try:
        state.result()
    except VBRError as exc:
        if isinstance(exc, (ServerError, VBRTransportError)) and exc.request_sent:
            return getattr(exc, "method", "POST").upper() not in IDEMPOTENT_METHODS
        return False
    except Exception:
        return False
    return False


def vbr_task(
    name: str,
    *,
    run_name: str | None = None,
    starts_work: bool = False,
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """Declare a task over one VBR operation.

    Named after the operation, tagged ``vbr``, never cached (a poll must see the server's
    answer, not a stored one). Reads are retried by the client only; tasks that start work
    (``starts_work``) get task-level retries for the failures the client could not retry,
    and must adopt what an earlier attempt started before starting anything.
    """
    return task(
        name=name,
        task_run_name=run_name,
        tags={"vbr", *tags},
        cache_policy=NO_CACHE,
        persist_result=False,
        retries=2 if starts_work else 0,
        retry_delay_seconds=[2, 10] if starts_work else 0,
        retry_jitter_factor=0.5 if starts_work else None,
        retry_condition_fn=unretried_start_failure if starts_work else None,
    )


CLOCK_SKEW = timedelta(minutes=5)
"""How far VBR's clock may be behind Prefect's when looking for sessions of this run."""


def require_mark(field: str | None, mark: str, where: str = "spec.reason") -> None:
    """Refuse to start work whose ``field`` does not carry the run mark."""
    if not field or mark not in field:
        raise ValueError(f"{where} must carry the run mark so that a retry can adopt")


def run_started_after() -> datetime | None:
    """When this flow run began (less :data:`CLOCK_SKEW`); None outside a flow run."""
    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    if run is None:
        return None
    started = run.start_time or run.expected_start_time
    return started - CLOCK_SKEW if started is not None else None


def find_running_session(
    client: VBRClient,
    types: Sequence[SessionType],
    name: str,
    *,
    since: datetime | None = None,
) -> SessionModel | None:
    """A session of one of ``types`` about ``name``, not yet stopped, created after ``since``.

    ``since`` is normally :func:`run_started_after`, so that only work this flow run started is
    adopted.
    """
    for session in client.sessions.list(
        type_filter=list(types), name_filter=name, created_after_filter=since
    ):
        if _names(session.name, name) and session.state != SessionState.STOPPED:
            return session
    return None


def _names(session_name: str, name: str) -> bool:
    """Whether a session's name is about ``name`` (``web01``, ``Quick Migration of web01``)."""
    return re.search(rf"(^|[\s\[(:]){re.escape(name)}($|[\s\])])", session_name) is not None
