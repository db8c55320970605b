"""The conventions every VBR task follows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from prefect import Task, get_run_logger, task
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
    """Retry a start (or a stop) only for failures the client did not retry itself.

    The client retries GETs and never-sent requests; a POST that may have reached VBR comes
    back here, and the task's next attempt first adopts what the first one may have started
    (a stop: first reads whether the target is already stopping or gone).
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
    stops_work: bool = False,
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """Declare a task over one VBR operation.

    Named after the operation, tagged ``vbr``, never cached (a poll must see the server's
    answer, not a stored one). Reads are retried by the client only; tasks that start work
    (``starts_work``) get task-level retries for the failures the client could not retry,
    and must adopt what an earlier attempt started before starting anything. Tasks that stop
    work (``stops_work``: unmounts) are retried the same way: they take a target already
    stopping or gone as done, so a stop that reached VBR before the failure is not repeated.
    """
    retried = starts_work or stops_work
    return task(
        name=name,
        task_run_name=run_name,
        tags={"vbr", *tags},
        cache_policy=NO_CACHE,
        persist_result=False,
        retries=2 if retried else 0,
        retry_delay_seconds=[2, 10] if retried else 0,
        retry_jitter_factor=0.5 if retried else None,
        retry_condition_fn=unretried_start_failure if retried else None,
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
    # VBR's name filter matches whole names unless wildcarded: a session about web01 may be
    # named "Quick Migration of web01"; _names() then keeps only the sessions about ``name``.
    for session in client.sessions.list(
        type_filter=list(types), name_filter=f"*{name}*", created_after_filter=since
    ):
        if _names(session.name, name) and session.state != SessionState.STOPPED:
            return session
    return None


def session_of_lost_start(
    client: VBRClient, exc: VBRError, types: Sequence[SessionType], name: str
) -> SessionModel:
    """The session a start began although its answer was lost; else ``exc`` is raised again.

    For starts that VBR can neither list nor read back by a mark: when the request reached VBR
    (a 5xx or a dropped connection after sending), the session of one of ``types`` about
    ``name`` that this flow run started is adopted instead of starting the work twice.
    """
    lost = isinstance(exc, (ServerError, VBRTransportError)) and exc.request_sent
    session = find_running_session(client, types, name, since=run_started_after()) if lost else None
    if session is None:
        raise exc
    get_run_logger().warning(
        "the answer to the start of %s was lost (%s); adopting its session %s",
        name,
        exc,
        session.id,
    )
    return session


def _names(session_name: str, name: str) -> bool:
    """Whether a session's name is about ``name`` (``web01``, ``Quick Migration of web01``)."""
    return re.search(rf"(^|[\s\[(:]){re.escape(name)}($|[\s\])])", session_name) is not None
