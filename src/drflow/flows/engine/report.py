"""The evidence a recovery leaves behind: a report, as a return value and as artifacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from drflow.checks import CheckResult
from drflow.errors import DrflowError

from .ownership import Disposition, DispositionRecord

Verdict = Literal["passed", "failed"]


class VBRServer(BaseModel):
    """The VBR server a run talked to: evidence names its target."""

    url: str
    vbr_id: str | None = None
    name: str | None = None
    build_version: str | None = None
    platform: str | None = None
    simulator: bool = False
    """The drflow VBR simulator answered, not a real VBR."""
    not_identified: str | None = None
    """Why ``serverInfo`` could not be read (its fields are then unknown)."""

    def describe(self) -> str:
        what = "the drflow VBR SIMULATOR" if self.simulator else "VBR"
        about = ", ".join(
            part
            for part in (
                self.name,
                f"build {self.build_version}" if self.build_version else "",
                self.platform or "",
                f"vbrId {self.vbr_id}" if self.vbr_id else "",
            )
            if part
        )
        if self.not_identified:
            about = f"not identified: {self.not_identified}"
        return f"{what} at {self.url}" + (f" ({about})" if about else "")


class Phase(BaseModel):
    """One step of a recovery, with when it started and ended."""

    name: str
    started: datetime
    ended: datetime | None = None

    @property
    def seconds(self) -> float | None:
        return (self.ended - self.started).total_seconds() if self.ended else None


class RecoveryReport(BaseModel):
    """What happened to one workload: the evidence of a recovery or a drill."""

    workload: str
    flow_run_id: str | None = None
    """The run that recovered it: its own flow run, or the drill's when it ran as a task run."""
    task_run_id: str | None = None
    """Its task run in the drill's flow run, when it ran as one (see :mod:`.handoff`)."""
    then: str
    verdict: Verdict = "failed"
    reason: str = ""
    kind: str = ""
    """The flow that recovered it (``vsphere-instant-recovery``...)."""
    vbr: VBRServer | None = None
    restore_point_id: str | None = None
    restore_point_time: datetime | None = None
    restore_point_age_seconds: float | None = None
    requested_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    verified_at: datetime | None = None
    rto_seconds: float | None = None
    session_ids: list[str] = []
    mount_id: str | None = None
    phases: list[Phase] = []
    checks: list[CheckResult] = []
    choice: str | None = None
    decided_by: str | None = None
    cleaned_up: bool | None = None
    """True: what the run held was released; False: its clean-up is pending (the janitor
    finishes it); None: there was nothing to release (kept, or VBR ended it)."""
    objects: list[DispositionRecord] = []
    """What the run started in VBR, each with its disposition when the run ended."""
    vbr_unavailable_seconds: float | None = None
    """How long VBR did not answer while the run needed it (outages it rode out)."""
    details: dict[str, str] = {}

    def begin(self, name: str) -> Phase:
        phase = Phase(name=name, started=datetime.now(UTC))
        self.phases.append(phase)
        return phase

    def end(self, phase: Phase) -> None:
        phase.ended = datetime.now(UTC)

    def verified(self, *, rto: bool = True) -> None:
        """The workload is recovered and passed its checks; ``rto``: measure the RTO (a mount
        only handed to the operator has none)."""
        self.verified_at = datetime.now(UTC)
        if rto:
            self.rto_seconds = round((self.verified_at - self.requested_at).total_seconds(), 1)

    def outcome(self) -> str:
        """One line: what became of it, in words that do not claim more than was checked."""
        if self.reason:
            return self.reason
        if self.verified_at is None:  # verified_at: it got that far (the verdict comes last)
            return "not recovered"
        if self.checks:
            count = len(self.checks)
            return f"recovered and verified ({count} check{'s' if count > 1 else ''} passed)"
        if self.rto_seconds is None:  # a mount handed to the operator: nothing recovered to time
            return "mounted for the operator (no checks)"
        return "recovered (no checks)"

    def cleanup(self) -> str:
        """What became of what the run held: cleaned up, pending, kept, or nothing held."""
        pending = [r.object.label() for r in self.objects if r.disposition == Disposition.TRANSIENT]
        if pending:
            return "cleanup pending: " + ", ".join(pending)
        kept = [
            f"{r.object.label()} {r.disposition}"
            for r in self.objects
            if r.disposition != Disposition.RELEASED
        ]
        if kept:
            return "; ".join(kept)
        if self.objects:
            return "cleaned up"
        return "nothing held"

    def markdown(self) -> str:
        age = human_duration(self.restore_point_age_seconds)
        rto = human_duration(self.rto_seconds)
        lines = [
            f"# Recovery of `{self.workload}`: **{self.verdict.upper()}**",
            "",
            f"- Against: {self.vbr.describe() if self.vbr else 'VBR (not identified)'}",
            f"- Outcome: {self.outcome()}",
            f"- Decision after verification: `{self.choice or self.then}`"
            + (f" (by {self.decided_by})" if self.decided_by else ""),
            f"- RTO (request to verified): {rto}",
            f"- Restore point: `{self.restore_point_id}` from {self.restore_point_time} "
            f"(age {age})",
            f"- VBR sessions: {', '.join(f'`{s}`' for s in self.session_ids) or 'none'}",
            f"- What it holds in VBR: {self.cleanup()}",
        ]
        if self.vbr_unavailable_seconds:
            lines.append(
                f"- VBR unavailable during the run: {human_duration(self.vbr_unavailable_seconds)}"
                " (ridden out)"
            )
        lines += [
            "",
            "| Phase | Started (UTC) | Seconds |",
            "| --- | --- | --- |",
        ]
        for phase in self.phases:
            seconds = "" if phase.seconds is None else f"{phase.seconds:.1f}"
            lines.append(f"| {phase.name} | {phase.started:%H:%M:%S} | {seconds} |")
        if self.objects:
            lines += ["", "| Object in VBR | Id | Disposition |", "| --- | --- | --- |"]
            lines += [
                f"| {r.object.label()} | `{r.object.id}` | {r.describe()} |" for r in self.objects
            ]
        if self.details:
            lines += ["", "| Detail | Value |", "| --- | --- |"]
            lines += [f"| {name} | {value} |" for name, value in self.details.items()]
        if self.checks:
            lines += [
                "",
                "| Check | Result | Attempts | Seconds | Detail |",
                "| --- | --- | --- | --- | --- |",
            ]
            for check in self.checks:
                result = "passed" if check.passed else "FAILED"
                lines.append(
                    f"| {check.check} | {result} | {check.attempts} | {check.seconds:.1f} | "
                    f"{check.detail} |"
                )
        return "\n".join(lines)

    def table(self) -> list[dict[str, str]]:
        """One row per phase, JSON-friendly, for a table artifact."""
        return [
            {
                "workload": self.workload,
                "phase": phase.name,
                "started": phase.started.isoformat(),
                "ended": phase.ended.isoformat() if phase.ended else "",
                "seconds": "" if phase.seconds is None else f"{phase.seconds:.1f}",
                "verdict": self.verdict,
            }
            for phase in self.phases
        ]


class RecoveryFailed(DrflowError):
    """A recovery did not reach the verdict ``passed``; ``report`` says what happened."""

    def __init__(self, report: RecoveryReport) -> None:
        super().__init__(f"recovery of {report.workload} failed: {report.reason}")
        self.report = report

    def __reduce__(self) -> tuple[type[RecoveryFailed], tuple[RecoveryReport]]:
        # Pickled as the failed result of a deployment run, read back by the drill.
        return type(self), (self.report,)


def human_duration(seconds: float | None) -> str:
    """``3725`` → ``1h 02m``; ``None`` → ``-``."""
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    return f"{hours // 24}d {hours % 24}h"


def artifact_key(*parts: str) -> str:
    """An artifact key from free text: lowercase letters, digits and dashes only."""
    text = "-".join(parts).lower()
    key = "".join(c if c.isalnum() and c.isascii() else "-" for c in text)
    while "--" in key:
        key = key.replace("--", "-")
    return key.strip("-")
