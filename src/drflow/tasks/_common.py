"""The conventions every VBR task follows.

No task is retried by Prefect. The client already retries what may be retried, for as long as
the outage tolerance or the budget allows; a start adopts what a lost answer started
(:func:`drflow.vbr.start_or_adopt`) and a stop persists until its target is gone
(:func:`drflow.vbr.stop`). What reaches Prefect is final: a 4xx, a budget spent, an ambiguous
adoption. A Prefect retry on top would only multiply the budget and hide where it went.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from prefect import Task, get_run_logger
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from drflow.vbr import Stopped, VBRClient, start_or_adopt, stop, wait_for_mount
from drflow.vbr.adoption import find_session, find_vm_mount
from drflow.vbr.api import InstantVMRecoveryAPI
from drflow.vbr.marks import mark_for
from drflow.vbr.models import RequestModel, SessionModel, SessionType, VBRModel
from drflow.vbr.mounts import MountKind, read_started
from drflow.vbr.stops import HeldBySession

from ._connection import VBRConnection, get_client

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M")
V = TypeVar("V", bound=VBRModel)

EVER = datetime.min.replace(tzinfo=UTC)
"""``earlier`` for a start found by the run's mark: whenever it was started, it is this run's."""


def run_mark() -> str:
    """The mark drflow leaves in the ``reason`` of what it starts: the flow run id.

    A start whose answer was lost finds what it started by it, and the janitor finds
    leftovers. Outside a flow run the mark is unique to the call.
    """
    return mark_for(flow_run.get_id() or uuid.uuid4())


_INLINE: ContextVar[bool] = ContextVar("drflow_tasks_inline", default=False)
_FIRST_EXECUTION: ContextVar[bool] = ContextVar("drflow_first_execution", default=False)


@contextmanager
def inline_tasks(*, once_per_execution: bool = False) -> Iterator[None]:
    """Within the block, drflow's tasks run as plain calls in the task run already under way.

    A workload that runs as one task run of a drill (``workload_runs``) is one task run, not one
    per VBR operation: Prefect's server records each task run from its events, and at hundreds
    of workloads at once that recording is what the drill would wait for. What the tasks log
    goes to the enclosing task run; what they do is unchanged (nothing here is retried by
    Prefect, see the module docstring).

    ``once_per_execution``: the caller carries out the block's work once per execution of its
    flow run (a drill, each of its workloads). On the run's first execution nothing in VBR can
    carry the run's mark for that work yet, so a start by :data:`EVER` does not look for an
    earlier one (one list call less per start); a later execution (a retried run,
    ``run_count`` above 1) looks, and adopts what the first left.
    """
    inline = _INLINE.set(True)
    first = _FIRST_EXECUTION.set(once_per_execution and flow_run.run_count <= 1)
    try:
        yield
    finally:
        _FIRST_EXECUTION.reset(first)
        _INLINE.reset(inline)


class DrflowTask(Task[P, R]):
    """A task that runs as a plain call within :func:`inline_tasks`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if _INLINE.get() and "return_state" not in kwargs and "wait_for" not in kwargs:
            return self.fn(*args, **kwargs)
        return super().__call__(*args, **kwargs)


def drflow_task(
    name: str,
    *,
    run_name: str | None = None,
    tags: tuple[str, ...] = (),
    persist_result: bool | None = None,
) -> Callable[[Callable[P, R]], DrflowTask[P, R]]:
    """Declare one of drflow's tasks: named, tagged, never cached (a poll must see the server's
    answer, not a stored one), never retried by Prefect, inlined by :func:`inline_tasks`;
    ``persist_result`` as for ``@task``."""

    def declare(fn: Callable[P, R]) -> DrflowTask[P, R]:
        return DrflowTask(
            fn=fn,
            name=name,
            task_run_name=run_name,
            tags=set(tags),
            cache_policy=NO_CACHE,
            persist_result=persist_result,
        )

    return declare


def vbr_task(
    name: str, *, run_name: str | None = None, tags: tuple[str, ...] = ()
) -> Callable[[Callable[P, R]], DrflowTask[P, R]]:
    """Declare a task over one VBR operation: a :func:`drflow_task` tagged ``vbr``, whose result
    is not persisted (see the module docstring)."""
    return drflow_task(name, run_name=run_name, tags=("vbr", *tags), persist_result=False)


def require_mark(field: str | None, mark: str, where: str = "spec.reason") -> None:
    """Refuse to start work whose ``field`` does not carry the run mark."""
    if not field or mark not in field:
        raise ValueError(f"{where} must carry the run mark so that a lost start can be adopted")


def run_started_after(client: VBRClient) -> datetime | None:
    """When this flow run began, less the client's clock skew; None outside a flow run."""
    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    started = (run.start_time or run.expected_start_time) if run is not None else None
    return started - timedelta(seconds=client.settings.clock_skew) if started else None


def start_once(
    client: VBRClient,
    start: Callable[[], Any],
    find: Callable[[datetime], T | None],
    *,
    what: str,
    then: Callable[[Any], T] | None = None,
    earlier: datetime | None = None,
) -> T:
    """``start`` (its answer made into the result by ``then``), unless an earlier run of this
    task in this flow run started it already (a run resumed after suspension runs its tasks
    again): ``find(earlier)`` when ``earlier`` is given, :data:`EVER` for work found by the
    run's mark (not looked for on the first execution of work done once per execution:
    :func:`inline_tasks`). A lost answer adopts what it started
    (:func:`drflow.vbr.start_or_adopt`)."""
    logger = get_run_logger()
    if earlier is EVER and _FIRST_EXECUTION.get():
        earlier = None  # nothing can carry the run's mark yet (see inline_tasks)
    if earlier is not None:
        existing = find(earlier)
        if existing is not None:
            logger.warning("adopting %s, started earlier in this run (%s)", what, _ids(existing))
            return existing
    if then is None:
        started = start_or_adopt(client, start, find, what=what)
    else:
        started = start_or_adopt(client, start, find, what=what, then=then)
    if started.adopted:
        logger.warning("adopting %s, whose start's answer was lost (%s)", what, _ids(started.value))
    else:
        logger.info("%s started (%s)", what, _ids(started.value))
    return started.value


def start_migration(
    client: VBRClient,
    start: Callable[[], Any],
    session_type: SessionType,
    mount_id: UUID | str,
    *,
    what: str,
    answered: bool = True,
) -> SessionModel | None:
    """Start the migration of a mount to production (``start``), or adopt the one this run
    started: the ``session_type`` session whose ``resourceId`` is the mount.

    ``start`` answers the session, unless not ``answered`` (VBR answers 204 with none): the
    session is then looked up after the start (None if VBR does not show it yet).
    """

    def session_since(since: datetime) -> SessionModel | None:
        return find_session(client, [session_type], since, resource_id=mount_id)

    earlier = run_started_after(client)
    if answered:
        return start_once(client, start, session_since, what=what, earlier=earlier)
    skew = timedelta(seconds=client.settings.clock_skew)

    def start_unanswered() -> datetime:
        sent = datetime.now(UTC) - skew
        start()
        return sent

    return start_once(
        client, start_unanswered, session_since, then=session_since, what=what, earlier=earlier
    )


def log_stopped(stopped: Stopped, what: str, *, waited: bool) -> None:
    """One line on how a stop went."""
    logger = get_run_logger()
    if stopped.before == "gone":
        logger.info("%s is gone already: nothing to stop", what)
    elif stopped.before == "going":
        logger.info("%s was being stopped already%s", what, ": now gone" if waited else "")
    else:
        logger.info("%s %s", what, "stopped" if waited else "is being stopped")


def stop_logged(
    connection: VBRConnection,
    target: MountKind[Any] | HeldBySession,
    object_id: UUID | str,
    what: str,
    *,
    wait: bool,
) -> Any:
    """Stop ``object_id`` (see :func:`drflow.vbr.stop`), log how it went as ``what``; the stop's
    answer as VBR gave it (None when none was asked for)."""
    stopped = stop(get_client(connection), target, object_id, wait=wait)
    log_stopped(stopped, what, waited=wait)
    return stopped.answer


def start_vm_instant_recovery(
    connection: VBRConnection,
    kind: MountKind[V],
    api: Callable[[VBRClient], InstantVMRecoveryAPI[V]],
    vm_name: str,
    spec: RequestModel,
    mark: str,
    *,
    what: str,
) -> V:
    """Start the instant recovery of ``vm_name`` by ``api`` (``client.vsphere``,
    ``client.hyperv``), or adopt the mount whose ``reason`` carries ``mark``: this run's,
    whenever it was started. ``spec.reason`` must carry ``mark``."""
    require_mark(spec.reason, mark)  # type: ignore[attr-defined]
    client = get_client(connection)
    return start_once(
        client,
        lambda: api(client).start_instant_recovery(spec),
        lambda _since: find_vm_mount(api(client), vm_name, mark),
        then=lambda session: read_started(client, kind, session.id),
        what=what,
        earlier=EVER,
    )


def wait_until_vm_mounted(
    connection: VBRConnection,
    kind: MountKind[M],
    mount: M,
    *,
    timeout: float,
    on_poll: Callable[[M], None] | None,
) -> M:
    """Poll (inside the calling task) until the VM of ``mount`` is ``Mounted``; log where it
    runs. A ``Failed`` mount raises ``MountFailed``; a mount that vanishes raises its
    session's failure (``SessionFailed``), else ``MountGone``."""
    ready = wait_for_mount(
        get_client(connection),
        kind,
        mount.id,  # type: ignore[attr-defined]
        session_id=mount.session_id,  # type: ignore[attr-defined]
        timeout=timeout,
        on_poll=on_poll,
    )
    get_run_logger().info(
        "%s is %s on %s",
        ready.vm_name,
        ready.state,
        ready.host_name or "its host",  # type: ignore[attr-defined]
    )
    return ready


def _ids(value: Any) -> str:
    """What identifies a started thing in the log: its id(s) and state."""
    if isinstance(value, list):
        return ", ".join(_ids(item) for item in value) or "none"
    if value is None:
        return "its session not shown yet"
    ident = getattr(value, "id", None) or getattr(value, "session_id", None)
    state = getattr(value, "state", None)
    return f"{ident}, {state}" if state is not None else str(ident)
