"""The evidence of a drill (or a recovery) of a whole plan."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from drflow.flows import RecoveryReport, VBRServer, human_duration

Outcome = Literal["passed", "failed", "skipped"]


class WorkloadResult(BaseModel):
    """One workload of the plan, as the drill saw it."""

    name: str
    kind: str
    outcome: Outcome = "skipped"
    reason: str = ""
    flow_run_id: str | None = None
    """The run that recovered it: its own, or the drill's when it ran as a task run of it."""
    task_run_id: str | None = None
    """Its task run in the drill's run, when it ran as one (``workload_runs``)."""
    rto_seconds: float | None = None
    rto_target_seconds: float | None = None
    rpo_seconds: float | None = None
    rpo_target_seconds: float | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    report: RecoveryReport | None = None

    @property
    def cleanup(self) -> str:
        """What became of what its run held in VBR (``cleanup pending: ...`` when it is left
        to the janitor)."""
        return self.report.cleanup() if self.report else "nothing started"

    @property
    def rto_met(self) -> bool | None:
        if self.rto_seconds is None or self.rto_target_seconds is None:
            return None
        return self.rto_seconds <= self.rto_target_seconds

    @property
    def rpo_met(self) -> bool | None:
        if self.rpo_seconds is None or self.rpo_target_seconds is None:
            return None
        return self.rpo_seconds <= self.rpo_target_seconds


class DrillReport(BaseModel):
    """A plan's drill (or recovery): per-workload results and the verdict."""

    plan: str
    mode: str
    flow_run_id: str | None = None
    vbr: VBRServer | None = None
    """The VBR it ran against: evidence names its target."""
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    ended_at: datetime | None = None
    verdict: Literal["passed", "failed"] = "failed"
    reason: str = ""
    sample: list[str] | None = None
    preflight: list[str] = []
    findings: list[str] = Field(
        default=[], description="What the preflight found wrong, before anything started."
    )
    vbr_unavailable_seconds: float | None = None
    results: list[WorkloadResult] = []
    definition: dict[str, Any] | None = Field(
        default=None, description="The plan as it ran (its file, variables expanded)."
    )

    def finish(self) -> None:
        self.ended_at = datetime.now(UTC)
        failed = [r for r in self.results if r.outcome != "passed"]
        if not self.reason and failed:
            self.reason = f"{len(failed)} of {len(self.results)} workloads did not pass"
        self.verdict = "failed" if failed or self.reason else "passed"

    def write_json(self, path: str | Path) -> Path:
        """The machine-readable report (for other tools), written where the operator asks."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.evidence())
        return target

    def evidence(self) -> bytes:
        """The JSON evidence, byte for byte as ``write_json``, the ``<mode>-<plan>-json``
        artifact and the HTML report hold it (so one SHA-256 names it everywhere)."""
        return self.model_dump_json(indent=2).encode()

    def table(self) -> list[dict[str, str | float | None]]:
        return [
            {
                "workload": r.name,
                "kind": r.kind,
                "outcome": r.outcome,
                "rto": human_duration(r.rto_seconds),
                "rto_target": human_duration(r.rto_target_seconds),
                "rpo": human_duration(r.rpo_seconds),
                "rpo_target": human_duration(r.rpo_target_seconds),
                "reason": r.reason,
                "rto_seconds": r.rto_seconds,
                "rpo_seconds": r.rpo_seconds,
                "rto_target_seconds": r.rto_target_seconds,
                "rpo_target_seconds": r.rpo_target_seconds,
                "decided_by": r.report.decided_by if r.report else None,
                "cleanup": r.cleanup,
                "flow_run_id": r.flow_run_id or "",
                "task_run_id": r.task_run_id or "",
                "vbr_url": self.vbr.url if self.vbr else None,
                "vbr_id": self.vbr.vbr_id if self.vbr else None,
                "simulator": self.vbr.simulator if self.vbr else None,
            }
            for r in self.results
        ]

    def markdown(self) -> str:
        duration = (
            human_duration((self.ended_at - self.started_at).total_seconds())
            if self.ended_at
            else "-"
        )
        lines = [
            f"# {self.mode.capitalize()} of plan `{self.plan}`: **{self.verdict.upper()}**",
            "",
            f"- Against: {self.vbr.describe() if self.vbr else 'VBR (not identified)'}",
            f"- Started {self.started_at:%Y-%m-%d %H:%M:%S} UTC, took {duration}",
            f"- {self.reason or 'every workload recovered within its targets'}",
        ]
        if self.vbr_unavailable_seconds:
            lines.append(
                f"- VBR was unavailable for {human_duration(self.vbr_unavailable_seconds)} "
                "during the drill (ridden out)"
            )
        pending = [
            f"{r.name}: {r.cleanup}"
            for r in self.results
            if r.cleanup.startswith("cleanup pending")
        ]
        if pending:
            lines.append("- Left to the janitor: " + "; ".join(pending))
        if self.sample is not None:
            lines.append(f"- Sample rehearsed this time: {', '.join(self.sample)}")
        if self.preflight or self.findings:
            lines += ["", "## Preflight", *[f"- {item}" for item in self.preflight]]
            lines += [f"- **{finding}**" for finding in self.findings]
        lines += [
            "",
            "| Workload | Kind | Outcome | RTO (target) | RPO (target) | In VBR | Reason |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in self.results:
            lines.append(
                f"| {r.name} | {r.kind} | {_mark(r.outcome)} | "
                f"{human_duration(r.rto_seconds)} ({human_duration(r.rto_target_seconds)}) | "
                f"{human_duration(r.rpo_seconds)} ({human_duration(r.rpo_target_seconds)}) | "
                f"{r.cleanup} | {r.reason} |"
            )
        for r in self.results:
            if r.report is not None:
                lines += ["", f"## {r.name}", "", r.report.markdown().split("\n", 1)[1]]
        return "\n".join(lines)


def _mark(outcome: str) -> str:
    return {"passed": "passed", "failed": "**FAILED**", "skipped": "skipped"}[outcome]
