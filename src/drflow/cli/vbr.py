"""``drflow vbr``: what the target VBR holds, to find the ids other commands take.

``restore-points`` lists the restore points of every workload (or of one), ``mounts`` every
mount the client can list (instant recoveries of vSphere and Hyper-V VMs, to Azure, FCDs,
published file shares) with the drflow run that owns it, read from its mark as the janitor
reads it. The VBR is chosen as for a drill: ``--connection.url``, else ``DRFLOW_VBR_URL``;
drflow's simulator only with ``--simulator``. An unreachable VBR is waited for
:data:`OUTAGE_TOLERANCE` (or ``DRFLOW_VBR_OUTAGE_TOLERANCE``), then the command exits 1.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from drflow.console import plain_console
from drflow.env import environment
from drflow.flows import human_duration
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import NotFound, VBRClient, VBRError
from drflow.vbr.marks import MarkedObject, find_marked
from drflow.vbr.models import ObjectRestorePointModel
from drflow.vbr.mounts import FILE_SHARE

from .common import (
    SPEED,
    check_connection,
    check_simulator,
    err,
    fail,
    simulator_flag,
    vbr_target,
)

vbr_app = typer.Typer(
    help="What the VBR server holds: restore points and mounts, with their ids.",
    no_args_is_help=True,
)

URL = typer.Option(None, "--connection.url", help="VBR REST API URL (default: DRFLOW_VBR_URL).")
SIMULATOR = simulator_flag("List drflow's VBR simulator (the configured one, else embedded).")
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


OUTAGE_TOLERANCE = "1m"
"""How long a listing waits for an unreachable VBR, unless DRFLOW_VBR_OUTAGE_TOLERANCE says:
an operator looking for an id wants an answer, not a recovery's patience."""


@contextmanager
def _vbr(what: str, url: str | None, *, simulator: bool, speed: float) -> Iterator[VBRClient]:
    """A client of the VBR a command lists, chosen as for a drill (exit 2 on bad settings)."""
    tolerance = os.environ.get("DRFLOW_VBR_OUTAGE_TOLERANCE", OUTAGE_TOLERANCE)
    # the notice of an embedded simulator goes to stderr: --json keeps stdout for the JSON
    with (
        environment({"DRFLOW_VBR_OUTAGE_TOLERANCE": tolerance}),
        vbr_target(what, url, simulator=simulator, speed=speed, notice=err),
    ):
        connection = VBRConnection(url=url)
        check_connection(what, connection)
        check_simulator(what, connection, simulator=simulator)
        yield get_client(connection)


@vbr_app.command("restore-points")
def restore_points(
    name: str | None = typer.Argument(
        None, metavar="NAME", help="Only this workload's (VM, share, bucket, tenant...)."
    ),
    url: str | None = URL,
    simulator: bool = SIMULATOR,
    speed: float = SPEED,
    as_json: bool = AS_JSON,
) -> None:
    """List the restore points VBR holds, newest first per workload: workload, platform,
    backup, restore point id, creation time and age. Exit 1 when NAME has none (the closest
    names are suggested) or VBR cannot be read."""
    with _vbr("list restore points", url, simulator=simulator, speed=speed) as client:
        try:
            points = _points(client, name)
            backups = {backup.id: backup.name for backup in client.backups.list()}
        except VBRError as exc:
            raise fail(f"VBR's restore points cannot be read: {exc}", 1) from None
    points.sort(key=lambda p: (p.name.lower(), -p.creation_time.timestamp()))
    now = datetime.now(UTC)
    rows = [
        {
            "workload": point.name,
            "platform": str(point.platform_name),
            "backup": backups.get(point.backup_id, str(point.backup_id)),
            "restore_point_id": str(point.id),
            "created": point.creation_time.isoformat(),
            "age_hours": round((now - point.creation_time).total_seconds() / 3600, 2),
        }
        for point in points
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"restore points of {escape(name)}" if name else "restore points")
    for column in ("workload", "platform", "backup", "restore point id", "created (UTC)", "age"):
        table.add_column(column, no_wrap=column in ("restore point id", "created (UTC)"))
    for row, point in zip(rows, points, strict=True):
        table.add_row(
            escape(row["workload"]),
            row["platform"],
            escape(row["backup"]),
            row["restore_point_id"],
            f"{point.creation_time.astimezone(UTC):%Y-%m-%d %H:%M}",
            human_duration((now - point.creation_time).total_seconds()),
        )
    plain_console().print(table)  # COLUMNS as of now


def _points(client: VBRClient, name: str | None) -> list[ObjectRestorePointModel]:
    """Every restore point, or ``name``'s; exit 1 naming the closest names when it has none."""
    if name is None:
        return list(client.restore_points.list())
    points = [p for p in client.restore_points.list(name_filter=name) if p.name == name]
    if points:
        return points
    known = sorted({point.name for point in client.restore_points.list()})
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    close += [k for k in known if name.lower() in k.lower() and k not in close][: 3 - len(close)]
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "no name is close"
    raise fail(
        f"VBR has no restore point of {name!r}: {hint} (`drflow vbr restore-points` lists "
        "every workload)",
        1,
    )


@vbr_app.command("mounts")
def mounts(
    url: str | None = URL,
    simulator: bool = SIMULATOR,
    speed: float = SPEED,
    as_json: bool = AS_JSON,
) -> None:
    """List every mount VBR holds that its API can list (instant recoveries of vSphere and
    Hyper-V VMs and to Azure, FCDs, published file shares): kind, mount id, workload, state and
    the drflow run that owns it (from its mark), or its reason when it is not drflow's.
    File-level restore and Entra ID mounts cannot be listed through VBR's API."""
    with _vbr("list mounts", url, simulator=simulator, speed=speed) as client:
        try:
            found = find_marked(client, mark="")
            rows = [_mount_row(client, mount) for mount in found]
        except VBRError as exc:
            raise fail(f"VBR's mounts cannot be read: {exc}", 1) from None
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="mounts", caption=None if rows else "VBR holds no mount")
    for column in ("kind", "mount id", "workload", "state", "drflow run (owner)"):
        table.add_column(column, no_wrap=column == "mount id")
    for row in rows:
        owner = row["drflow_run"] or f"not drflow's (reason: {row['reason'] or '-'})"
        table.add_row(row["kind"], row["id"], escape(row["workload"]), row["state"], escape(owner))
    plain_console().print(table)  # COLUMNS as of now


def _mount_row(client: VBRClient, mount: MarkedObject) -> dict[str, Any]:
    """One mount as the command shows it; a file share by its share (its restore point's name,
    VBR's mount names no share)."""
    workload = mount.name
    if mount.kind == FILE_SHARE.name:
        try:
            options = FILE_SHARE.get(client, mount.id).spec.restore_options
            workload = ", ".join(
                client.restore_points.get(o.restore_point_id).name for o in options
            )
        except NotFound:  # unpublished since it was listed
            pass
    return {
        "kind": mount.kind,
        "id": str(mount.id),
        "workload": workload,
        "state": mount.state,
        "drflow_run": mount.run_id(),
        "reason": mount.reason,
    }
