"""The automation that tells someone when a drill fails."""

from __future__ import annotations

from typing import Any

AUTOMATION_NAME = "drflow: drill failed"


def ensure_drill_failure_automation(block_name: str) -> Any:
    """Create (once) an automation that sends a notification through the notification block
    ``block_name`` (Slack, Teams, e-mail, a custom webhook, ...) whenever a ``dr-drill`` flow
    run fails or crashes. Returns the automation."""
    from prefect.automations import Automation, EventTrigger, SendNotification
    from prefect.blocks.core import Block

    try:
        return Automation.read(name=AUTOMATION_NAME)
    except ValueError:  # not there yet
        pass
    block = Block.load(block_name)
    return Automation(
        name=AUTOMATION_NAME,
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
        actions=[
            SendNotification(
                block_document_id=block._block_document_id,
                subject="DR drill failed: {{ flow_run.name }}",
                body="Flow run {{ flow_run.name }} ended {{ flow_run.state.name }}: "
                "{{ flow_run.state.message }}",
            )
        ],
    ).create()
