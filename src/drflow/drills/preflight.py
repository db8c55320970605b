"""The preflight of a drill or a recovery: everything that would go wrong, found before anything
starts, and reported together.

It checks, without starting anything on VBR: that VBR answers (waiting out a short outage, up
to the outage tolerance) and takes the credentials; each workload's newest restore point, which
VBR must know, within the workload's RPO; that no mount of the same workload exists already (a
leftover of a drflow run, named with the command that releases it, or someone else's); and, where
VBR lets it be told, that the user's role can do the work (listing the mounts needs the Veeam
Restore Operator or Backup Administrator role, as does every start; migrating FCDs and to Azure
needs the Veeam Backup Administrator role, as does reading ``serverInfo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drflow.flows import PLAN_KINDS
from drflow.flows.engine import VBRServer
from drflow.flows.engine.target import vbr_server
from drflow.plans import Plan
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import (
    NoRestorePoint,
    NotFound,
    Unauthorized,
    VBRClient,
    VBRError,
    latest_restore_point,
    newest_restore_points,
)
from drflow.vbr.marks import MARK_PREFIX, MarkedObject, find_marked
from drflow.vbr.models import ObjectRestorePointModel

from .report import WorkloadResult

AT_ONCE = 8
"""Restore points looked up at once (one list call per workload)."""
BULK_FROM = 10
"""VM workloads from which the preflight first reads the newest points of all in one walk."""
BULK_WITHOUT_RPO = 86400.0
"""How far back that walk goes (s) when no workload has an RPO target."""

NEEDS_ADMINISTRATOR = frozenset({"fcd", "azure"})
"""Kinds whose migration needs the Veeam Backup Administrator role."""


@dataclass(frozen=True)
class Finding:
    """Something that would go wrong: for one workload, or (``workload`` None) for all."""

    workload: str | None
    problem: str

    def describe(self) -> str:
        return f"{self.workload}: {self.problem}" if self.workload else self.problem


@dataclass
class Preflight:
    """What the preflight saw: the VBR server, what is ready, what is not."""

    vbr: VBRServer | None
    findings: list[Finding]
    notes: list[str]
    points: dict[str, ObjectRestorePointModel | VBRError] = field(default_factory=dict)
    """The newest restore point of each workload it looked up (VMs), or why it could not."""

    def newest_points(self) -> dict[str, ObjectRestorePointModel]:
        """The newest restore point of each workload whose points it could read."""
        return {
            name: point
            for name, point in self.points.items()
            if isinstance(point, ObjectRestorePointModel)
        }

    def blocked(self) -> bool:
        """VBR itself cannot be used: nothing can run."""
        return any(finding.workload is None for finding in self.findings)


def target_of(plan: Plan, name: str) -> str:
    """What the workload is called in VBR (its VM or share)."""
    params = plan.workload(name).params
    return str(params.get("vm") or params.get("share") or name)


def run_preflight(
    plan: Plan,
    connection: VBRConnection,
    results: dict[str, WorkloadResult],
    *,
    mode: str,
    params_of: Callable[[str], dict[str, object]],
) -> Preflight:
    """Check every workload of ``results`` (see the module docstring); start nothing."""
    client = get_client(connection)
    started = datetime.now(UTC)
    try:
        client.restore_points.list_page(limit=1)
    except Unauthorized as exc:
        problem = f"VBR at {client.settings.url} refused the credentials: {exc}"
        return Preflight(None, [Finding(None, problem)], [])
    except VBRError as exc:
        waited = (datetime.now(UTC) - started).total_seconds() / 60
        problem = f"VBR at {client.settings.url} unreachable for {waited:.1f} min: {exc}"
        return Preflight(None, [Finding(None, problem)], [])
    notes = [f"VBR at {client.settings.url} answers as {client.settings.username}"]
    server = vbr_server(connection)
    findings = list(_mounted_already(client, plan, results))
    points = _newest_points(client, plan, results)
    findings += _restore_points(points, results)
    findings += _roles(plan, results, server, client.settings.username, mode, params_of)
    return Preflight(server, findings, notes, points)


def _mounted_already(
    client: VBRClient, plan: Plan, results: dict[str, WorkloadResult]
) -> Iterable[Finding]:
    """A mount of the same workload exists: a drflow run's leftover, or someone else's. Mounts
    that cannot be listed (a role without restores) stop everything."""
    try:
        every: list[MarkedObject] = find_marked(client, mark="")
    except VBRError as exc:
        yield Finding(None, f"the mounts VBR holds cannot be listed: {exc}")
        return
    for name in results:
        target = target_of(plan, name)
        for found in every:
            if found.name != target:
                continue
            if MARK_PREFIX in found.reason:
                run = found.run_id()
                yield Finding(
                    name,
                    f"{target} is already mounted ({found.kind} {found.id}, {found.state}) by "
                    f"drflow run {run}: if it is not needed, release it with `drflow release "
                    f"{found.id}` (or `drflow janitor` removes it once its run is over)",
                )
            else:
                yield Finding(
                    name,
                    f"{target} is already mounted by someone else ({found.kind} {found.id}, "
                    f"{found.state}, reason {found.reason!r}): unmount it in VBR first",
                )


def _newest_points(
    client: VBRClient, plan: Plan, results: dict[str, WorkloadResult]
) -> dict[str, ObjectRestorePointModel | VBRError]:
    """The newest restore point of each VM workload, or why it cannot be read.

    From :data:`BULK_FROM` VMs up, first from one walk of the points VBR holds within the
    plan's longest RPO (fewer calls than one list per VM, unless VBR holds many more points);
    a VM without a point in it (none that recent, or one VBR does not know) is looked up alone.
    """
    names = [n for n in results if "vm" in plan.workload(n).params]
    found: dict[str, ObjectRestorePointModel] | None = None
    if len(names) >= BULK_FROM:
        rpo = max((results[n].rpo_target_seconds or 0 for n in names), default=0)
        since = datetime.now(UTC) - timedelta(seconds=rpo or BULK_WITHOUT_RPO)
        targets = {target_of(plan, n) for n in names}
        try:
            found = newest_restore_points(client, targets, since=since)
        except VBRError:  # each is looked up alone, and meets the error on its own
            found = None

    def newest(name: str) -> ObjectRestorePointModel | VBRError:
        target = target_of(plan, name)
        if found is not None and target in found:
            return found[target]
        try:
            return latest_restore_point(client, target)
        except VBRError as exc:
            return exc

    with ThreadPoolExecutor(AT_ONCE, thread_name_prefix="drflow-preflight") as pool:
        return dict(zip(names, pool.map(newest, names), strict=True))


def _restore_points(
    points: dict[str, ObjectRestorePointModel | VBRError], results: dict[str, WorkloadResult]
) -> list[Finding]:
    """Each workload's newest restore point exists (VBR knows it) and is within its RPO."""
    findings = []
    for name, point in points.items():
        result = results[name]
        if isinstance(point, NoRestorePoint | NotFound):  # a workload VBR does not know
            findings.append(Finding(name, str(point)))
            continue
        if isinstance(point, VBRError):
            findings.append(Finding(name, f"its restore points cannot be read: {point}"))
            continue
        result.rpo_seconds = round((datetime.now(UTC) - point.creation_time).total_seconds())
        if result.rpo_target_seconds is not None and not result.rpo_met:
            findings.append(
                Finding(
                    name,
                    f"newest restore point is {result.rpo_seconds / 3600:.1f}h old, RPO target "
                    f"{result.rpo_target_seconds / 3600:g}h",
                )
            )
    return findings


def _roles(
    plan: Plan,
    results: dict[str, WorkloadResult],
    server: VBRServer,
    user: str | None,
    mode: str,
    params_of: Callable[[str], dict[str, object]],
) -> list[Finding]:
    """Migrations that need the Veeam Backup Administrator role, for a user who is not one
    (VBR refused ``serverInfo``, which needs that role)."""
    if server.not_identified is None or mode == "drill":
        return []
    findings = []
    for name, result in results.items():
        if result.kind in NEEDS_ADMINISTRATOR and params_of(name).get("then") == "migrate":
            flow = PLAN_KINDS[result.kind].flow_name
            findings.append(
                Finding(
                    name,
                    f"{user} cannot migrate it: {flow} migrations need the Veeam Backup "
                    "Administrator role (VBR refused serverInfo, which needs it too)",
                )
            )
    return findings
