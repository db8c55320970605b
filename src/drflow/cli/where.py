"""Where to watch a run and where its report is, said when the run starts.

A command runs its flow in this process. The flow run is created first, so that its address in
the Prefect UI (and the artifacts and files its report will be in) can be printed before
anything happens: an operator follows a long drill in the UI while the terminal shows its
progress line.

Without ``PREFECT_API_URL`` a command runs on a temporary local Prefect API: it has no UI and
ends with the command, but it records the run in the local database (``PREFECT_HOME``), which a
``prefect server start`` on this machine serves with a UI, during the run or after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.markup import escape

LOCAL_UI = "http://127.0.0.1:4200"
"""Where ``prefect server start`` and ``drflow up`` serve the UI by default."""


def ui_url() -> str | None:
    """The Prefect UI's address: ``PREFECT_UI_URL``, else derived from ``PREFECT_API_URL``
    (Prefect's own rule); None on the temporary local API, which has no UI."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    if not PREFECT_API_URL.value():
        return None
    url = PREFECT_UI_URL.value() or str(PREFECT_API_URL.value()).removesuffix("/api")
    return url.rstrip("/")


def run_url(run_id: UUID | str) -> str | None:
    """The flow run's page in the Prefect UI (None without a UI)."""
    ui = ui_url()
    return f"{ui}/runs/flow-run/{run_id}" if ui else None


def no_ui(run_id: UUID | str | None = None) -> str:
    """What to do to see a run of the temporary local API in a UI."""
    page = f"{LOCAL_UI}/runs/flow-run/{run_id}" if run_id else LOCAL_UI
    return (
        "no Prefect UI: PREFECT_API_URL is not set, so this runs on a temporary local Prefect API "
        "(no UI, gone when the command ends) that records it in this machine's Prefect database. "
        f"To see it: `prefect server start` in another terminal (same database), then open {page}; "
        f"to run against that server, `export PREFECT_API_URL={LOCAL_UI}/api` (or use `drflow up`)."
    )


def announce(console: Console, name: str, run_id: UUID | str, report: list[str]) -> None:
    """Print where the run is (its UI page, or how to get one) and where its report will be."""
    url = run_url(run_id)
    if url:
        console.print(f"Prefect run {escape(name)}: {url}", highlight=False, soft_wrap=True)
    else:
        console.print(f"Prefect run {escape(name)} ({run_id}): {escape(no_ui(run_id))}",
                      highlight=False, soft_wrap=True)  # fmt: skip
    console.print(f"Report: {escape('; '.join(report))}", highlight=False, soft_wrap=True)


def artifacts(*keys: str) -> str:
    """``keys`` as the artifacts of the run they are (the UI's Artifacts page shows each key's
    latest; the run's page its own)."""
    return f"artifact{'s' if len(keys) > 1 else ''} {', '.join(keys)} of this run"


def run_announced(flow: Any, *args: Any, announce: Callable[[Any], None], **kwargs: Any) -> Any:
    """Run ``flow(*args, **kwargs)`` in this process and return its final state, like
    ``flow(..., return_state=True)``; ``announce(flow_run)`` is called once its run exists,
    before it starts."""
    from prefect import get_client
    from prefect.context import TagsContext
    from prefect.flow_engine import run_flow
    from prefect.states import Pending
    from prefect.utilities.callables import get_call_parameters

    parameters = get_call_parameters(flow.fn, args, kwargs)
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(
            flow,
            name=_run_name(flow, parameters),
            parameters=flow.serialize_parameters(parameters),
            tags=TagsContext.get().current_tags,
            state=Pending(),
        )
    announce(run)
    return run_flow(flow, flow_run=run, parameters=parameters, return_type="state")


def run_watched(
    console: Console, doing: str, flow: Any, *args: Any, where: list[str], **kwargs: Any
) -> Any:
    """:func:`run_announced` under the status line ``doing`` on ``console``, the run's logs
    printed above it; its run is announced with ``where`` its evidence will be."""
    from drflow.console import plain_console_logs

    with console.status(doing), plain_console_logs(above=console):
        return run_announced(
            flow,
            *args,
            announce=lambda run: announce(console, run.name or flow.name, run.id, where),
            **kwargs,
        )


def _run_name(flow: Any, parameters: dict[str, Any]) -> str | None:
    """The run's name as Prefect will give it, when its template needs no run context."""
    template = getattr(flow, "flow_run_name", None)
    if not isinstance(template, str):
        return None  # a callable reads the run's context: the engine names the run
    try:
        return template.format(**parameters)
    except (KeyError, AttributeError, IndexError, ValueError):
        return None
