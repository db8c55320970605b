"""Readiness of a plan: could it be recovered now? Checked without starting anything on VBR.

Readiness is the preflight of a recovery (:mod:`.preflight`: VBR answers and takes the
credentials, the user's role where VBR lets it be told, each VM's newest restore point within
its RPO, no leftover or foreign mount of a workload; a failover's needs, which include a
drill's) plus what a drill would only find out later:

- the restore point each workload's recovery would use, as its strategy selects it (its
  platform, the plan's restore point policy, the operation it starts), exists, allows that
  operation (VBR's ``allowedOperations``) and is within the RPO: for the kinds the preflight
  does not look up (file shares), and for a VM whose newest restore point does not allow it;
- its checks' templates resolve (``{vm}`` is the one placeholder; the plan loader expanded
  ``${VAR}`` already) into an http(s) URL, a host, or a program this machine has;
- the global concurrency limit ``vbr-restore-sessions`` exists, is active, and lets a restore
  session run.

VBR sees reads only: a token, restore points, mounts and ``serverInfo``. The verdict, per
workload and for the plan, each with its reasons: the ``readiness-<plan>`` artifacts (markdown,
and a table that ``drflow history`` reads) and, when asked, a JSON file.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field, computed_field

from drflow.checks import CommandCheck, HttpCheck, TcpCheck
from drflow.errors import DrflowError
from drflow.flows import PLAN_KINDS, VBRServer, human_duration
from drflow.flows.engine import Strategy, artifact_key
from drflow.plans import Plan, PlanError, load_plan, workload_params
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRClient, VBRError, select_restore_point
from drflow.vbr.models import ObjectRestorePointModel

from .preflight import run_preflight
from .run import LIMIT_NAME, workload_result


class WorkloadReadiness(BaseModel):
    """One workload: ready or not, why, and what was looked at."""

    name: str
    kind: str
    target: str = Field(description="What VBR calls it (its VM, its share).")
    operation: str | None = Field(
        default=None, description="What its recovery starts on the restore point, if VBR says."
    )
    restore_point_id: str | None = None
    restore_point_time: datetime | None = None
    rpo_seconds: float | None = Field(
        default=None, description="Age of the restore point its recovery would use."
    )
    rpo_target_seconds: float | None = None
    checks: list[str] = Field(default=[], description="Its checks, as they would run.")
    problems: list[str] = []

    @computed_field
    @property
    def ready(self) -> bool:
        return not self.problems

    def uses(self, point: ObjectRestorePointModel) -> None:
        """Record the restore point its recovery would use."""
        self.restore_point_id = str(point.id)
        self.restore_point_time = point.creation_time
        self.rpo_seconds = round((datetime.now(UTC) - point.creation_time).total_seconds())


class ReadinessReport(BaseModel):
    """A plan's readiness: the VBR it looked at, plan-wide problems, and each workload."""

    plan: str
    flow_run_id: str | None = None
    vbr_url: str
    vbr: VBRServer | None = None
    """The VBR it ran against (None: it could not be identified)."""
    checked_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    notes: list[str] = Field(default=[], description="What was found as it should be.")
    problems: list[str] = Field(default=[], description="What stops the whole plan.")
    workloads: list[WorkloadReadiness] = []

    @computed_field
    @property
    def ready(self) -> bool:
        return not self.problems and all(w.ready for w in self.workloads)

    @computed_field
    @property
    def reason(self) -> str:
        if self.ready:
            return f"all {len(self.workloads)} workloads ready"
        waiting = [w.name for w in self.workloads if not w.ready]
        return "; ".join(self.problems + ([f"not ready: {', '.join(waiting)}"] if waiting else []))

    def against(self) -> str:
        return self.vbr.describe() if self.vbr else f"VBR at {self.vbr_url} (not identified)"

    def write_json(self, path: str | Path) -> Path:
        """The machine-readable verdict, written where the operator asks."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        return target

    def markdown(self) -> str:
        verdict = "READY" if self.ready else "NOT READY"
        lines = [
            f"# Readiness of plan `{self.plan}`: **{verdict}**",
            "",
            f"- Against: {self.against()}",
            f"- Checked {self.checked_at:%Y-%m-%d %H:%M:%S} UTC, without starting anything",
            f"- {self.reason}",
            *[f"- {note}" for note in self.notes],
            *[f"- **{problem}**" for problem in self.problems],
            "",
            "| Workload | Kind | In VBR | Ready | Restore point (age, RPO target) | Operation | "
            "Why not |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for w in self.workloads:
            point = (
                f"`{w.restore_point_id}` ({human_duration(w.rpo_seconds)}, "
                f"{human_duration(w.rpo_target_seconds)})"
                if w.restore_point_id
                else "-"
            )
            lines.append(
                f"| {w.name} | {w.kind} | {w.target} | {'ready' if w.ready else '**NOT READY**'} "
                f"| {point} | {w.operation or '-'} | {'; '.join(w.problems)} |"
            )
        return "\n".join(lines)

    def table(self) -> list[dict[str, Any]]:
        """One row per workload, for the history (``drflow history``)."""
        return [
            {
                "workload": w.name,
                "kind": w.kind,
                "ready": w.ready,
                "reason": "; ".join(w.problems),
                "rpo_seconds": w.rpo_seconds,
                "rpo_target_seconds": w.rpo_target_seconds,
                "plan_ready": self.ready,
                "plan_reason": self.reason,
                "vbr_url": self.vbr.url if self.vbr else self.vbr_url,
                "vbr_id": self.vbr.vbr_id if self.vbr else None,
                "simulator": self.vbr.simulator if self.vbr else None,
            }
            for w in self.workloads
        ]


class NotReady(DrflowError):
    """The plan is not ready; ``report`` says why."""

    def __init__(self, report: ReadinessReport) -> None:
        super().__init__(f"plan {report.plan} is not ready: {report.reason}")
        self.report = report


@flow(name="readiness", flow_run_name="readiness[{plan}]")
def readiness(plan: str, report_path: str | None = None) -> ReadinessReport:
    """Check that a plan could be recovered now, starting nothing on VBR; fail when it could
    not.

    Args:
        plan: Path of the plan file (YAML), relative to the working directory.
        report_path: Also write the JSON verdict there.
    """
    try:
        loaded = load_plan(plan)
    except PlanError as exc:
        raise ValueError(str(exc)) from None
    report = check_readiness(loaded)
    report.flow_run_id = str(flow_run.get_id() or "") or None
    logger = get_run_logger()
    for problem in report.problems:
        logger.error("%s", problem)
    for workload in report.workloads:
        for problem in workload.problems:
            logger.error("%s: %s", workload.name, problem)
    key = artifact_key("readiness", loaded.name)
    verdict = "ready" if report.ready else "not ready"
    create_markdown_artifact(
        report.markdown(), key=key, description=f"readiness of {loaded.name}: {verdict}"
    )
    create_table_artifact(
        report.table(), key=f"{key}-table", description=f"readiness of {loaded.name}: per workload"
    )
    if report_path:
        report.write_json(report_path)
    if not report.ready:
        raise NotReady(report)
    return report


def check_readiness(plan: Plan) -> ReadinessReport:
    """Every check of the module docstring, for every workload of ``plan``; starts nothing."""
    connection = VBRConnection.model_validate(plan.vbr.connection())
    client = get_client(connection)
    names = [w.name for _, w in plan.workloads()]
    params = {n: workload_params(plan, n, "recover") for n in names}
    strategies = {n: _strategy(plan, n, params[n]) for n in names}
    results = {n: workload_result(plan, n) for n in names}
    report = ReadinessReport(plan=plan.name, vbr_url=client.settings.url)
    for name in names:
        strategy = strategies[name]
        workload = WorkloadReadiness(
            name=name,
            kind=plan.workload(name).kind,
            target=strategy.name,
            operation=strategy.operation.value if strategy.operation else None,
            rpo_target_seconds=results[name].rpo_target_seconds,
        )
        workload.checks, workload.problems = _checks(strategy)
        report.workloads.append(workload)
    _concurrency_limit(report)
    seen = run_preflight(plan, connection, results, mode="recover", params_of=params.__getitem__)
    report.vbr = seen.vbr
    report.notes += seen.notes
    if seen.blocked():
        [problem] = [f.problem for f in seen.findings if f.workload is None]
        report.problems.append(problem)
        for workload in report.workloads:
            workload.problems.append("not checked in VBR: VBR could not be used")
        return report
    by_name = {w.name: w for w in report.workloads}
    for finding in seen.findings:
        by_name[str(finding.workload)].problems.append(finding.problem)
    for name, workload in by_name.items():
        newest = seen.points.get(name)
        if isinstance(newest, VBRError):
            continue  # the preflight said why
        rpo = results[name].rpo_target_seconds
        if newest is not None and _allows(newest, strategies[name]):
            workload.uses(newest)  # the preflight held it to the RPO
        else:
            workload.problems += _usable_point(client, strategies[name], newest, workload, rpo)
    return report


def _strategy(plan: Plan, name: str, params: dict[str, Any]) -> Strategy[Any, Any]:
    """How the workload's recovery would go (its name in VBR, platform, operation, checks)."""
    kind = PLAN_KINDS[plan.workload(name).kind]
    return kind.strategy(kind.params.model_validate(params))


def _allows(point: ObjectRestorePointModel, strategy: Strategy[Any, Any]) -> bool:
    return strategy.operation is None or strategy.operation in point.allowed_operations


def _usable_point(
    client: VBRClient,
    strategy: Strategy[Any, Any],
    newest: ObjectRestorePointModel | None,
    workload: WorkloadReadiness,
    rpo: float | None,
) -> list[str]:
    """The restore point the recovery would select: it exists, allows the operation, and is
    within the RPO (``newest``: the newest point, which does not allow it)."""
    policy = strategy.params.restore_point
    try:
        point = select_restore_point(
            client,
            strategy.name,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age=timedelta(hours=policy.max_age_hours) if policy.max_age_hours else None,
            platform=strategy.platform,
            operation=strategy.operation,
        )
    except VBRError as exc:
        if newest is None:
            return [str(exc)]
        allowed = ", ".join(op.value for op in newest.allowed_operations) or "nothing"
        return [
            f"{exc} (its newest restore point, from {newest.creation_time:%Y-%m-%d %H:%M} UTC, "
            f"allows {allowed})"
        ]
    workload.uses(point)
    if rpo is None or workload.rpo_seconds is None or workload.rpo_seconds <= rpo:
        return []
    what = f"allowing {strategy.operation.value} " if strategy.operation else ""
    return [
        f"the newest restore point {what}is {workload.rpo_seconds / 3600:.1f}h old, RPO target "
        f"{rpo / 3600:g}h"
    ]


def _checks(strategy: Strategy[Any, Any]) -> tuple[list[str], list[str]]:
    """The workload's checks as they would run, and what keeps any of them from running."""
    target = strategy.check_target
    described, problems = [], []
    for number, check in enumerate(strategy.params.checks, 1):
        try:
            described.append(check.describe(target))
        except (KeyError, IndexError, ValueError) as exc:
            unknown = f"{{{exc.args[0]}}}" if isinstance(exc, KeyError) else str(exc)
            problems.append(
                f"check {number} ({check.kind}): its template does not resolve ({unknown}): "
                "{vm} is the only placeholder"
            )
            continue
        problem = _unusable(check, target)
        if problem:
            problems.append(f"check {number} ({check.kind}): {problem}")
    return described, problems


def _unusable(check: HttpCheck | TcpCheck | CommandCheck, target: str) -> str | None:
    """What makes a check whose template resolved unable to run, if anything."""
    if isinstance(check, HttpCheck):
        url = check.url.format(vm=target)
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return f"{url} is not a URL: {exc}"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return f"{url} is not an http(s) URL with a host"
        return None
    if isinstance(check, TcpCheck):
        host = check.host.format(vm=target)
        return None if host.strip() else "its host is empty"
    program = check.command[0].format(vm=target)
    return None if shutil.which(program) else f"{program} is not a program on this machine"


def _concurrency_limit(report: ReadinessReport) -> None:
    """The global limit every drill and recovery takes a slot of exists and lets one run."""
    from prefect import get_client as prefect_client
    from prefect.exceptions import ObjectNotFound

    with prefect_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(LIMIT_NAME)
        except ObjectNotFound:
            report.problems.append(
                f"the global concurrency limit {LIMIT_NAME} does not exist in Prefect: create "
                f"it (`prefect gcl create {LIMIT_NAME} --limit 10`), sized for what VBR can run"
            )
            return
    if limit.active is False:
        report.problems.append(
            f"the global concurrency limit {LIMIT_NAME} is inactive: recoveries would not be "
            f"limited (`prefect gcl enable {LIMIT_NAME}`)"
        )
    elif limit.limit < 1:
        report.problems.append(
            f"the global concurrency limit {LIMIT_NAME} allows no restore session at all"
        )
    else:
        report.notes.append(f"global concurrency limit {LIMIT_NAME}: {limit.limit} sessions")
