"""The operator's decision after verification: ``then=ask`` pauses the run for a choice.

Every wait for the operator pauses the run through :func:`wait_for_input` with a form (a
``RunInput``) whose description begins with one line that says what the run waits for: the
Prefect UI shows it above the form, and ``drflow resume --list`` shows that line. The decision's
form allows only the choices possible for the recovery, so the UI offers only those and Prefect
refuses any other answer.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from prefect import get_client, get_run_logger
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from prefect.states import Running
from pydantic import Field, create_model

from .params import AskOptions, Choice, Then

In = TypeVar("In", bound=RunInput)


def wait_for_input(form: type[In], *, timeout_seconds: float, key: str) -> In | None:
    """Pause the run until the operator submits ``form``; ``None`` when nobody did in time.

    On a timeout Prefect leaves the run ``Paused`` past its pause deadline, and the server then
    turns whatever state the run proposes next into ``Failed`` ("never resumed"), even when the
    flow goes on and succeeds. The run is put back to ``Running`` so that it ends on its merits.
    """
    try:
        return pause_flow_run(
            wait_for_input=form, timeout=max(1, round(timeout_seconds)), poll_interval=2, key=key
        )
    except FlowPauseTimeout:
        run_id = flow_run.get_id()
        if run_id:
            with get_client(sync_client=True) as client:
                client.set_flow_run_state(
                    run_id, Running(message="no answer in time: going on"), force=True
                )
        return None


class OperatorDecision(RunInput):
    """What to do with the recovery."""

    choice: Choice = Field(description="unmount (end the drill), migrate, or keep it running.")
    approver: str = Field(default="", description="Who decides (for the evidence).")
    note: str = Field(default="", description="Why, for the evidence.")


def decision_form(allowed: list[Choice]) -> type[OperatorDecision]:
    """The decision's form, its ``choice`` limited to ``allowed`` (in the form's schema)."""
    return create_model(
        "OperatorDecision",
        __base__=OperatorDecision,
        choice=(
            Literal[tuple(allowed)],  # type: ignore[valid-type]
            Field(description=f"{' or '.join(allowed)}: what becomes of the recovery."),
        ),
    )


def decide(
    then: Then, ask: AskOptions, *, summary: str, allowed: list[Choice], key: str
) -> OperatorDecision:
    """The choice to carry out: ``then`` itself, or the operator's answer when it is ``ask``.

    With ``ask`` the flow run pauses (``Paused`` in the Prefect UI, which shows ``summary``
    and a form); it is resumed from the UI or with ``drflow resume <run> <choice>``. When nobody
    answers within ``ask.timeout_minutes``, ``ask.default`` applies.
    """
    if then != "ask":
        return OperatorDecision(choice=then, approver="(parameters)")
    logger = get_run_logger()
    default = ask.default if ask.default in allowed else "unmount"
    logger.info(
        "waiting up to %g minutes for the operator to choose %s (default %s)",
        ask.timeout_minutes,
        "/".join(allowed),
        default,
    )
    waits = (
        f"{flow_run.name or 'This run'} waits for a decision: {' or '.join(allowed)} "
        f"(nobody answers in {ask.timeout_minutes:g} minutes: {default})."
    )
    form = decision_form(allowed).with_initial_data(
        description=f"{waits}\n\n{summary}\n\nChoose one of: {', '.join(allowed)}.",
        choice=default,
    )
    answer = wait_for_input(form, timeout_seconds=ask.timeout_minutes * 60, key=key)
    if answer is None:
        logger.warning("nobody answered in %g minutes: applying %s", ask.timeout_minutes, default)
        return OperatorDecision(choice=default, approver="(timeout)", note="no answer in time")
    if answer.choice not in allowed:
        logger.warning("%s is not possible here; applying %s", answer.choice, default)
        return OperatorDecision(choice=default, approver=answer.approver, note="invalid choice")
    logger.info("operator %s chose %s", answer.approver or "(unnamed)", answer.choice)
    return answer
