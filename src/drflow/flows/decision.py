"""The operator's decision after verification: ``then=ask`` pauses the run for a choice."""

from __future__ import annotations

from prefect import get_run_logger
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from .params import AskOptions, Choice, Then


class OperatorDecision(RunInput):
    """What to do with the verified recovery."""

    choice: Choice = Field(description="unmount (end the drill), migrate, or keep it running.")
    approver: str = Field(default="", description="Who decides (for the evidence).")
    note: str = Field(default="", description="Why, for the evidence.")


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
    form = OperatorDecision.with_initial_data(
        description=f"{summary}\n\nChoose one of: {', '.join(allowed)}.", choice=default
    )
    try:
        answer = pause_flow_run(
            wait_for_input=form,
            timeout=max(1, round(ask.timeout_minutes * 60)),
            poll_interval=2,
            key=key,
        )
    except FlowPauseTimeout:
        logger.warning("nobody answered in %g minutes: applying %s", ask.timeout_minutes, default)
        return OperatorDecision(choice=default, approver="(timeout)", note="no answer in time")
    if answer.choice not in allowed:
        logger.warning("%s is not possible here; applying %s", answer.choice, default)
        return OperatorDecision(choice=default, approver=answer.approver, note="invalid choice")
    logger.info("operator %s chose %s", answer.approver or "(unnamed)", answer.choice)
    return answer
