"""What every recovery flow is asked: the shared part of their parameters.

Each flow takes one pydantic model (``params``) built on :class:`RecoveryParams`, so that a bad
value fails before anything is started, with a message naming the field, and the Prefect UI
shows a form with a description per field. The same models are the workloads of a recovery plan.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from drflow.checks import Check
from drflow.tasks import VBRConnection

Choice = Literal["unmount", "migrate", "keep"]
"""What happens to a verified recovery: drill (unmount), make permanent (migrate), or keep."""

Then = Literal["unmount", "migrate", "keep", "ask"]


class RestorePointPolicy(BaseModel):
    """Which restore point to recover from: the latest one unless told otherwise."""

    model_config = ConfigDict(extra="forbid")

    restore_point_id: UUID | None = Field(
        default=None, description="Recover from exactly this restore point."
    )
    before: AwareDatetime | None = Field(
        default=None,
        description="Recover from the latest point created before this time (with timezone).",
    )
    max_age_hours: float | None = Field(
        default=None,
        gt=0,
        description="RPO: refuse to recover from a point older than this many hours.",
    )

    def describe(self) -> str:
        if self.restore_point_id:
            return f"restore point {self.restore_point_id}"
        text = "latest restore point"
        if self.before:
            text += f" before {self.before.isoformat()}"
        if self.max_age_hours:
            text += f" no older than {self.max_age_hours:g}h"
        return text


class AskOptions(BaseModel):
    """How long to wait for the operator when ``then`` is ``ask``, and the default answer."""

    model_config = ConfigDict(extra="forbid")

    timeout_minutes: float = Field(
        default=60, gt=0, description="Minutes to wait for the operator's choice."
    )
    default: Choice = Field(
        default="unmount", description="What to do when nobody answers in time."
    )


class RecoveryParams(BaseModel):
    """Parameters every recovery flow shares."""

    model_config = ConfigDict(extra="forbid")

    restore_point: RestorePointPolicy = Field(
        default_factory=RestorePointPolicy, description="Which restore point to recover from."
    )
    checks: list[Check] = Field(
        default_factory=list,
        description="Workload checks (http, tcp, command), each with its own deadline.",
    )
    then: Then = Field(
        default="unmount",
        description="After verification: unmount (drill), migrate, keep, or ask the operator.",
    )
    ask: AskOptions = Field(default_factory=AskOptions, description="Used when then is 'ask'.")
    timeout_minutes: float = Field(
        default=30, gt=0, description="Minutes to wait for VBR to mount or finish a session."
    )
    outage_tolerance_minutes: float | None = Field(
        default=None,
        gt=0,
        description="How long one call to VBR may keep failing (VBR unreachable, 5xx, 429) "
        "before the recovery gives up; unset: DRFLOW_VBR_OUTAGE_TOLERANCE (default 10).",
    )
    deadline: AwareDatetime | None = Field(
        default=None,
        description="Set by a drill: its deadline. Past it, what this run holds while its "
        "decision is open is the janitor's to remove.",
    )
    connection: VBRConnection = Field(
        default_factory=VBRConnection,
        description="How to reach VBR (URL, TLS trust, Secret block name); unset: environment.",
    )

    @property
    def timeout_seconds(self) -> float:
        return self.timeout_minutes * 60
