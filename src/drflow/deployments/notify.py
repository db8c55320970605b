"""The automations that tell someone: a drill failed, a run waits for a decision.

Both send a notification through a Prefect notification block (Slack, Teams, e-mail, a custom
webhook, ...), named ``TYPE/NAME`` as ``prefect block ls`` lists it, and are created once, by
name: ``drflow up --notify BLOCK`` creates them, and creating them again leaves them as they
are.
"""

from __future__ import annotations

from typing import Any

from drflow.deployments import SetupError

AUTOMATION_NAME = "drflow: drill failed"
DECISION_AUTOMATION_NAME = "drflow: a run waits for a decision"


def ensure_automations(block_name: str) -> list[Any]:
    """Create (once each) every automation of this module, notifying through the notification
    block ``block_name``. Returns them."""
    return [ensure_drill_failure_automation(block_name), ensure_decision_automation(block_name)]


def ensure_drill_failure_automation(block_name: str) -> Any:
    """Create (once) an automation that sends a notification through the notification block
    ``block_name`` whenever a ``dr-drill`` flow run fails or crashes. Returns the automation."""
    from prefect.automations import EventTrigger

    return _ensure(
        AUTOMATION_NAME,
        block_name,
        description="A DR drill failed: read its drill-<plan> artifact in the Prefect UI.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.id": "prefect.flow.*",
                "prefect.resource.name": "dr-drill",
            },
            posture="Reactive",
            threshold=1,
        ),
        subject="DR drill failed: {{ flow_run.name }}",
        body="Flow run {{ flow_run.name }} ended {{ flow_run.state.name }}: "
        "{{ flow_run.state.message }}",
    )


def ensure_decision_automation(block_name: str) -> Any:
    """Create (once) an automation that sends a notification through the notification block
    ``block_name`` whenever a flow run pauses for the operator (``then=ask``, a mount kept
    until the operator is done, a Manual switchover): which run, its page in the Prefect UI
    and how to answer it. Returns the automation."""
    from prefect.automations import EventTrigger

    return _ensure(
        DECISION_AUTOMATION_NAME,
        block_name,
        description="A flow run paused for the operator: answer it in the Prefect UI (Resume) "
        "or with drflow resume.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Paused"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            posture="Reactive",
            threshold=1,
        ),
        subject="A run waits for a decision: {{ flow_run.name }}",
        body="Flow run {{ flow_run.name }} ({{ flow_run.id }}) is paused: it waits for a "
        "decision.\n"
        "Its page in the Prefect UI (press Resume there): {{ flow_run|ui_url }}\n"
        "Or answer from a terminal: drflow resume {{ flow_run.id }} CHOICE "
        "(drflow resume --list shows what it waits for and the choices it allows).",
    )


def _ensure(
    name: str, block_name: str, *, description: str, trigger: Any, subject: str, body: str
) -> Any:
    """The automation called ``name``; created, notifying through ``block_name``, if missing."""
    from prefect.automations import Automation, SendNotification
    from prefect.blocks.core import Block

    try:
        return Automation.read(name=name)
    except ValueError:  # not there yet
        pass
    if "/" not in block_name:
        raise SetupError(
            f"notification block {block_name!r}: give it as TYPE/NAME, as `prefect block ls` "
            "lists it (e.g. slack-webhook/ops, custom-webhook/ops)"
        )
    try:
        block = Block.load(block_name)
    except ValueError:
        raise SetupError(
            f"no notification block {block_name!r} on this Prefect server: create it first "
            "(Prefect UI: Blocks; e.g. Slack Webhook, Microsoft Teams Webhook, Custom Webhook)"
        ) from None
    return Automation(
        name=name,
        description=description,
        trigger=trigger,
        actions=[
            SendNotification(block_document_id=block._block_document_id, subject=subject, body=body)
        ],
    ).create()
