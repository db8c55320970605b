"""``drflow resume``: answer a run that waits for the operator, found by id, name or plan.

A run waits for the operator when it paused for a form (``then=ask``'s decision, a mount kept
until the operator is done, a Manual switchover's approval). Each form's description begins
with the line that says what it waits for (:mod:`drflow.flows.engine.decision`), and a
decision's form allows only the choices possible for that recovery: ``--list`` shows both, and
an answer the form does not allow is refused here, before anything is sent.

A run is answered on the Prefect server it runs on. Without ``PREFECT_API_URL`` drflow asks
the temporary local API, which reads this machine's Prefect database: that finds the runs of
commands run here without a server, and only those.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
import yaml
from rich.markup import escape

from .common import console, fail
from .where import LOCAL_UI, run_url

CHOICES = ("unmount", "migrate", "keep")
PLAN_FLOWS = ("dr-drill", "dr-recover")
USAGE = (
    "drflow resume RUN CHOICE (RUN: a flow run id or name, e.g. 'vsphere-instant-recovery[web01]')"
    ", or drflow resume PLAN WORKLOAD CHOICE; `drflow resume --list` shows the paused runs"
)


class NotFound(Exception):
    """No run to answer; the message says what was looked for, where, and what to do."""


@dataclass
class Waiting:
    """A run paused for the operator, and what it waits for."""

    run: Any
    waits_for: str
    choices: tuple[str, ...] | None
    """The answers its form allows (None: any answer)."""
    suspended: bool = False

    @property
    def name(self) -> str:
        return str(self.run.name)

    @property
    def workload(self) -> str:
        name = self.name
        return name[name.find("[") + 1 : -1] if name.endswith("]") and "[" in name else ""

    def answers(self) -> str:
        if self.suspended:
            return "-"
        return "|".join(self.choices) if self.choices else "any (unmount)"


def resume(
    words: list[str] | None = typer.Argument(
        None,
        metavar="RUN CHOICE | PLAN WORKLOAD CHOICE",
        help="The paused run (its id, or its name: the most recent paused run of that name), or "
        "a plan (its name or file) and one of its workloads (the paused run of that workload in "
        "the plan's latest drill or recovery); then unmount, migrate or keep.",
        show_default=False,
    ),
    note: str = typer.Option("", help="Why (kept in the evidence)."),
    by: str = typer.Option("", help="Who decides (default: your user name)."),
    list_runs: bool = typer.Option(
        False, "--list", help="List the paused runs: what each waits for and how to answer."
    ),
) -> None:
    """Answer a run that waits for the operator (then=ask, a mount kept until you are done, a
    Manual switchover): the Prefect UI's Resume form does the same. Exit 0 when it was resumed,
    1 when Prefect refused, 2 for a mistake (an unknown run, an answer it does not allow).

    The run must be on the Prefect server of PREFECT_API_URL (without it: this machine's local
    Prefect database, where commands run without a server record their runs).
    """
    words = list(words or [])
    if list_runs:
        if words:
            raise fail("--list takes no RUN, PLAN or CHOICE")
        _print_list(paused_runs())
        return
    if len(words) not in (2, 3):
        raise fail(f"expected RUN CHOICE or PLAN WORKLOAD CHOICE. {USAGE}")
    choice = words[-1]
    if choice not in CHOICES:
        raise fail(f"choice must be unmount, migrate or keep, not {choice!r}")
    try:
        waiting = find_by_plan(words[0], words[1]) if len(words) == 3 else find_run(words[0])
    except NotFound as exc:
        raise fail(str(exc)) from None
    if waiting.suspended:
        raise fail(
            f"{waiting.name} ({waiting.run.id}) is suspended until its scheduled switchover "
            "(a switchover-confirm run resumes it then); to switch over at another time, "
            "`drflow azure reschedule MOUNT TIME`"
        )
    if waiting.choices is not None and choice not in waiting.choices:
        raise fail(
            f"{waiting.name} ({waiting.run.id}) accepts {' or '.join(waiting.choices)}, not "
            f"{choice} (nothing was sent). It says: {waiting.waits_for}"
        )
    approver = by or getpass.getuser()
    _resume(waiting, {"choice": choice, "approver": approver, "note": note})
    said = f': "{note}"' if note else " (no note)"
    console.print(
        f"resumed {escape(waiting.name)} ({waiting.run.id}) with {choice}, decided by "
        f"{escape(approver)}{escape(said)}",
        highlight=False,
        soft_wrap=True,
    )
    url = run_url(waiting.run.id)
    if url:
        console.print(f"follow it: {url}", highlight=False)


def _resume(waiting: Waiting, run_input: dict[str, str]) -> None:
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import resume_flow_run

    try:
        resume_flow_run(waiting.run.id, run_input=run_input)
    except FlowPauseTimeout:
        raise fail(
            f"{waiting.name} ({waiting.run.id}) waited too long: its pause is over, it can no "
            "longer be resumed (it applied its default, or failed)",
            1,
        ) from None
    except Exception as exc:  # Prefect's words (a refused answer, a run gone on meanwhile)
        refused = f"Prefect refused to resume {waiting.name} ({waiting.run.id}): {exc}"
        raise fail(refused, 1) from None


# --- finding the run ------------------------------------------------------------------------------


def where() -> str:
    """Where runs are looked for, in words."""
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    return f"on the Prefect server at {api}" if api else "in this machine's local Prefect database"


def not_here() -> str:
    """What to do when the run is not where drflow looked."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return "`drflow resume --list` shows the paused runs there"
    return (
        "PREFECT_API_URL is not set, and this database holds only the runs of commands run here "
        "without a server. A run on a Prefect server (a deployment, `drflow up`, a command run "
        "with PREFECT_API_URL) is answered on that server: `export "
        f"PREFECT_API_URL=http://SERVER:4200/api` (`drflow up` on this machine: {LOCAL_UI}/api), "
        "then run this again; `drflow resume --list` shows the paused runs there"
    )


def find_run(run: str) -> Waiting:
    """The paused run with id ``run``, or the most recent paused run named ``run``."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            run_id: UUID | None = UUID(run)
        except ValueError:
            run_id = None
        if run_id is not None:
            try:
                found = client.read_flow_run(run_id)
            except ObjectNotFound:
                raise NotFound(f"no flow run {run_id} {where()}: {not_here()}") from None
            if not _paused(found):
                state = found.state.name if found.state else "without a state"
                raise NotFound(
                    f"{found.name} ({run_id}) is {state}, not paused: it waits for nobody "
                    "(`drflow resume --list` shows the runs that do)"
                )
            return _waiting(client, found)
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[run])),
            sort=FlowRunSort.START_TIME_DESC,
            limit=50,
        )
        paused = [r for r in runs if _paused(r)]
        if not paused:
            other = f" (its runs there are {', '.join(sorted({_state(r) for r in runs}))})"
            raise NotFound(
                f"no paused run named {run!r} {where()}{other if runs else ''}: {not_here()}"
            )
        return _waiting(client, paused[0])


def find_by_plan(plan: str, workload: str) -> Waiting:
    """The paused run of ``workload`` in the latest drill or recovery of ``plan`` (its name,
    or its file)."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    name, file = _plan_name(plan)
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(PLAN_FLOWS))),
            sort=FlowRunSort.START_TIME_DESC,
            limit=200,
        )
        ours = [r for r in runs if _runs_plan(r, name, file)]
        if not ours:
            raise NotFound(f"no drill or recovery of plan {name!r} {where()}: {not_here()}")
        latest = next((r for r in ours if r.state and not r.state.is_final()), ours[0])
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[latest.id])
            ),
            sort=FlowRunSort.START_TIME_DESC,
        )
        target = _workload_run_name(latest, workload, file)
        mine = [r for r in children if str(r.name).endswith(f"[{target}]")]
        paused = [r for r in mine if _paused(r)]
        if paused:
            return _waiting(client, paused[0])
    others = [r.name for r in children if _paused(r)]
    status = f"{latest.name} ({latest.id}, {_state(latest)})"
    if not mine:
        what = f"has no run of workload {workload!r}"
    else:
        what = f"has {workload!r} as {mine[0].name} ({_state(mine[0])}), not paused"
    paused_ones = f"its paused runs: {', '.join(others)}" if others else "none is paused"
    raise NotFound(f"the latest run of plan {name!r}, {status}, {what}; {paused_ones}")


def _plan_name(plan: str) -> tuple[str, Path | None]:
    """The plan's name, and its file when ``plan`` is one (only its ``name`` is read: a plan
    whose ``${VAR}`` are not set here still names its runs)."""
    path = Path(plan)
    if not (plan.endswith((".yaml", ".yml")) or path.is_file()):
        return plan, None
    name = _name_in_file(path)
    if name is None:
        raise NotFound(f"{plan}: cannot read a plan's name from it (give the plan's name)")
    return name, path


def _runs_plan(run: Any, name: str, file: Path | None) -> bool:
    """Whether the drill or recovery ``run`` is of the plan ``name`` (its file ``file``)."""
    given = str((run.parameters or {}).get("plan") or "")
    if not given:
        return False
    path = Path(given)
    if file is not None and path.exists() and path.resolve() == file.resolve():
        return True
    return _name_in_file(path) == name if path.is_file() else path.stem == name


def _name_in_file(path: Path) -> str | None:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    return str(document.get("name")) if isinstance(document, dict) else None


def _workload_run_name(parent: Any, workload: str, file: Path | None) -> str:
    """What a workload's run is called between brackets: the name its flow recovers (a
    workload ``web`` may recover the VM ``web01``), read from the plan when it can be."""
    from drflow.flows.registry import PLAN_KINDS
    from drflow.plans import PlanError, load_plan, workload_params

    path = file or Path(str((parent.parameters or {}).get("plan") or ""))
    mode = "drill" if str(parent.name).startswith("dr-drill") else "recover"
    try:
        plan = load_plan(path)
        kind = PLAN_KINDS[plan.workload(workload).kind]
        params = kind.params.model_validate(workload_params(plan, workload, mode))
        return str(kind.strategy(params).name)
    except (PlanError, KeyError, ValueError, OSError):
        return workload


# --- what a run waits for -------------------------------------------------------------------------


def _paused(run: Any) -> bool:
    return bool(run.state and run.state.is_paused())


def _state(run: Any) -> str:
    return run.state.name if run.state else "no state"


def _waiting(client: Any, run: Any) -> Waiting:
    """What the paused ``run`` waits for and which answers its form allows."""
    state = run.state
    if state.name == "Suspended":
        return Waiting(run, "its scheduled switchover (a switchover-confirm run resumes it)",
                       None, suspended=True)  # fmt: skip
    keyset = state.state_details.run_input_keyset or {}
    description = _input(client, run.id, keyset.get("description"))
    schema = _input(client, run.id, keyset.get("schema"))
    first = str(description or "").strip().splitlines()
    waits_for = first[0] if first else "an answer (see the run's page in the Prefect UI)"
    choices = None
    if isinstance(schema, dict):
        enum = (schema.get("properties") or {}).get("choice", {}).get("enum")
        choices = tuple(str(c) for c in enum) if enum else None
    return Waiting(run, waits_for, choices)


def _input(client: Any, run_id: UUID, key: str | None) -> Any:
    """A flow run input, decoded; None when it is not there."""
    if not key:
        return None
    try:
        value = client.read_flow_run_input(run_id, key)
    except Exception:  # not there (an older run, a form without it)
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return json.loads(decoded) if isinstance(decoded, str) and decoded[:1] in "{[" else decoded


def paused_runs() -> list[Waiting]:
    """Every paused (or suspended) run, the latest first."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
            sort=FlowRunSort.START_TIME_DESC,
            limit=200,
        )
        return [_waiting(client, run) for run in runs]


def _print_list(waiting: list[Waiting]) -> None:
    """One block per run (names and commands stay whole, however narrow the terminal)."""
    from prefect.settings import PREFECT_API_URL

    if not waiting:
        console.print(f"no paused run {where()}", highlight=False)
        if not PREFECT_API_URL.value():
            console.print(not_here(), highlight=False, soft_wrap=True)
        return
    console.print(f"{len(waiting)} paused run(s) {where()}, the latest first:", highlight=False)
    now = datetime.now(UTC)
    for item in waiting:
        state = item.run.state
        until = state.state_details.pause_timeout
        lines = [
            f"[bold]{escape(item.name)}[/] ({item.run.id}), paused {_ago(now, state.timestamp)}"
            + (f", until {until:%Y-%m-%d %H:%M} UTC" if until else ""),
            f"  waits for: {escape(item.waits_for)}",
        ]
        if not item.suspended:
            lines.append(f"  answer:    drflow resume '{escape(item.name)}' {item.answers()}")
        url = run_url(item.run.id)
        if url:
            lines.append(f"  in the UI: {url}")
        for line in lines:
            console.print(line, highlight=False, soft_wrap=True)


def _ago(now: datetime, when: datetime | None) -> str:
    if when is None:
        return "-"
    from drflow.flows import human_duration

    return f"{human_duration((now - when).total_seconds())} ago"
