"""``drflow azure``: act on an instant recovery to Microsoft Azure under way."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import typer
from prefect.settings import PREFECT_API_URL
from rich.console import Console

from drflow.console import plain_console
from drflow.flows.engine.suspension import move_confirm_runs
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import NotFound, VBRConfigError, VBRError
from drflow.vbr.models import AzureInstantVMRecoverySwitchoverType

from .common import err, fail

azure_app = typer.Typer(
    help="Instant recovery to Microsoft Azure: act on a recovery under way.",
    no_args_is_help=True,
)


@azure_app.command("reschedule")
def azure_reschedule(
    mount_id: str = typer.Argument(..., help="The Azure instant recovery mount's id in VBR."),
    when: str = typer.Argument(
        ...,
        metavar="TIME",
        help="New switchover time, ISO 8601 with a UTC offset: 2025-06-01T22:00:00+02:00.",
    ),
) -> None:
    """Move the scheduled switchover of a VM recovered to Azure (PUTs its switchover settings).

    The VBR connection comes from the DRFLOW_VBR_* environment. A recovery run suspended until
    the switchover follows: its switchover-confirm run is moved to TIME (with PREFECT_API_URL
    set), and a confirm run re-reads the settings when it starts. Exit 0 when rescheduled, 1
    when VBR refused, 2 for a mistake in the command.
    """
    try:
        mount = UUID(mount_id)
    except ValueError:
        raise fail(f"{mount_id!r} is not a mount id (a UUID)") from None
    try:
        new_time = datetime.fromisoformat(when)
    except ValueError:
        raise fail(f"TIME {when!r} is not an ISO 8601 time (2025-06-01T22:00:00+02:00)") from None
    if new_time.tzinfo is None:
        raise fail(f"TIME {when!r} has no UTC offset: add one, e.g. {when}+00:00")
    if new_time <= datetime.now(UTC):
        raise fail(f"TIME {new_time.isoformat()} is in the past: a switchover needs a future time")
    console = plain_console()
    try:
        client = get_client(VBRConnection())
        current = client.azure.get_switchover_settings(mount)
        updated = client.azure.update_switchover_settings(
            mount,
            current.model_copy(
                update={
                    "type": AzureInstantVMRecoverySwitchoverType.SCHEDULED,
                    "schedule_time": new_time,
                }
            ),
        )
    except VBRConfigError as exc:
        raise fail(str(exc)) from None
    except NotFound:
        raise fail(f"VBR has no Azure instant recovery mount {mount}", 1) from None
    except VBRError as exc:
        raise fail(f"VBR refused the new switchover time: {exc}", 1) from None
    before = current.schedule_time.isoformat() if current.schedule_time else str(current.type)
    console.print(
        f"switchover of {mount} scheduled at {updated.schedule_time} (was {before})",
        highlight=False,
    )
    _move_confirm_runs(console, mount, new_time)


def _move_confirm_runs(console: Console, mount: UUID, new_time: datetime) -> None:
    if not PREFECT_API_URL.value():
        console.print(
            "PREFECT_API_URL is not set: a suspended recovery's confirm run re-reads the new "
            "time when it starts",
            highlight=False,
        )
        return
    try:
        moved = move_confirm_runs(mount, new_time)
    except Exception as exc:  # the VBR change is made; the confirm run follows it anyway
        err.print(f"could not move the switchover-confirm run: {exc}", highlight=False)
        return
    for run_id in moved:
        console.print(f"moved switchover-confirm run {run_id} to {new_time}", highlight=False)
