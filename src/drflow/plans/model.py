"""A recovery plan: which workloads to recover, in what order, how fast, and how to check them.

Written as YAML (see ``plans/`` in the repository); validated here. A workload is one kind of
:data:`drflow.flows.PLAN_KINDS` (``kind``) with that kind's flow parameters written inline, plus
what the plan adds: a unique name, dependencies, and RPO/RTO targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drflow.checks import Check
from drflow.flows import PLAN_KINDS
from drflow.vbr import normalize_url

PlanKind = Literal[tuple(PLAN_KINDS)]  # type: ignore[valid-type]
"""The kinds of :data:`drflow.flows.PLAN_KINDS`, as the plan model checks them."""

PLAN_FIELDS = frozenset({"name", "kind", "depends_on", "rpo_hours", "rto_minutes"})


class Credentials(BaseModel):
    """Where the VBR credentials are kept; never in the plan file itself."""

    model_config = ConfigDict(extra="forbid")

    secret_block: str | None = Field(
        default=None, description="Prefect Secret block holding {username, password}."
    )
    environment: bool = Field(
        default=False, description="Read DRFLOW_VBR_USERNAME / DRFLOW_VBR_PASSWORD."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Credentials:
        if bool(self.secret_block) == self.environment:
            raise ValueError(
                "name exactly one source: secret_block: <block name>, or environment: true"
            )
        return self


class VBRTarget(BaseModel):
    """The VBR server the plan recovers from."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="VBR REST API URL (else DRFLOW_VBR_URL).")
    api_version: str | None = Field(default=None, description="x-api-version.")
    ca_bundle: Path | None = Field(default=None, description="PEM file to trust the server.")
    fingerprint: str | None = Field(default=None, description="SHA-256 certificate pin.")
    credentials: Credentials = Field(default_factory=lambda: Credentials(environment=True))

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None:
            normalize_url(value)  # refused here, with the plan's line; kept as written
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_secrets_in_the_file(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("username", "password", "token", "refresh_token"):
                if key in data:
                    raise ValueError(
                        f"{key} does not belong in a plan file: keep credentials in a Prefect "
                        "Secret block (credentials.secret_block) or the environment "
                        "(credentials.environment: true)"
                    )
        return data

    def connection(self) -> dict[str, Any]:
        """The ``connection`` parameter of every workload's flow."""
        out: dict[str, Any] = {
            "url": self.url,
            "api_version": self.api_version,
            "ca_bundle": str(self.ca_bundle) if self.ca_bundle else None,
            "fingerprint": self.fingerprint,
            "credentials_block": self.credentials.secret_block,
        }
        return {k: v for k, v in out.items() if v is not None}


class Defaults(BaseModel):
    """Values every workload gets unless it says otherwise."""

    model_config = ConfigDict(extra="forbid")

    rpo_hours: float | None = Field(default=None, gt=0, description="Default RPO target.")
    rto_minutes: float | None = Field(default=None, gt=0, description="Default RTO target.")
    timeout_minutes: float | None = Field(default=None, gt=0)
    checks: list[Check] = Field(
        default_factory=list, description="Checks of every workload that has none of its own."
    )


class Workload(BaseModel):
    """One workload of the plan: its kind, its flow's parameters, its targets and dependencies."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: PlanKind = Field(description="The kind of workload (the registry's plan kinds).")
    depends_on: list[str] = Field(default_factory=list)
    rpo_hours: float | None = Field(default=None, gt=0)
    rto_minutes: float | None = Field(default=None, gt=0)

    @property
    def flow_name(self) -> str:
        return PLAN_KINDS[self.kind].flow_name

    @property
    def params(self) -> dict[str, Any]:
        """The flow parameters written inline (everything that is not a plan field)."""
        return dict(self.model_extra or {})


class Group(BaseModel):
    """Workloads recovered together; groups run one after another."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    max_parallel: int | None = Field(default=None, ge=1)
    workloads: list[Workload] = Field(min_length=1)


WorkloadRuns = Literal["auto", "flow-runs", "task-runs"]
"""How a drill's workloads appear in Prefect when they run in the drill's own process."""

TASK_RUNS_FROM = 50
"""``workload_runs: auto`` runs the workloads as task runs from this many up."""


class Plan(BaseModel):
    """A recovery plan."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    vbr: VBRTarget = Field(default_factory=VBRTarget)
    defaults: Defaults = Field(default_factory=Defaults)
    max_parallel: int = Field(default=4, ge=1, description="Workloads recovered at once.")
    workload_runs: WorkloadRuns = Field(
        default="auto",
        description="How each workload of a drill appears in Prefect: flow-runs, a child flow "
        "run each; task-runs, a task run each of the drill's flow run, lighter for Prefect at "
        f"hundreds of VMs; auto, task runs from {TASK_RUNS_FROM} workloads up. Kinds whose "
        "switchover may suspend (Azure, file shares) and every workload of a recovery stay "
        "flow runs.",
    )
    deadline_minutes: float = Field(
        default=240, gt=0, description="Past this, the drill stops, cleans up and fails."
    )
    sample: int | None = Field(
        default=None, ge=1, description="Rehearse only a random N of the workloads each drill."
    )
    fail_run_on_failed_drill: bool = Field(
        default=True, description="A failed drill fails its flow run."
    )
    on_preflight_failure: Literal["abort", "skip"] = Field(
        default="abort",
        description="abort: any preflight finding starts nothing; skip: the workloads it "
        "concerns, and those that depend on them, are skipped and the rest run.",
    )
    outage_tolerance_minutes: float | None = Field(
        default=None,
        gt=0,
        description="How long one call to VBR may keep failing before a workload gives up "
        "(default: DRFLOW_VBR_OUTAGE_TOLERANCE, 10 minutes).",
    )
    groups: list[Group] = Field(min_length=1)

    def workloads(self) -> list[tuple[Group, Workload]]:
        return [(group, workload) for group in self.groups for workload in group.workloads]

    def workload(self, name: str) -> Workload:
        for _, workload in self.workloads():
            if workload.name == name:
                return workload
        raise KeyError(name)


__all__ = ["Credentials", "Defaults", "Group", "Plan", "Workload"]
