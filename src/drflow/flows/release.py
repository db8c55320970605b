"""Releasing a kept recovery on purpose: a person hands it back for clean-up.

Nothing in drflow removes a recovery that was kept, migrated or switched over. When one is no
longer needed, a person releases it: ``drflow release <run or object id>`` or the ``release``
flow from the Prefect UI. The release is written into the object's record (who, when, why) as
*transient*, so the janitor removes it at its next run; with ``now`` it is removed right away.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from prefect import flow, get_client, get_run_logger
from prefect.exceptions import ObjectNotFound
from pydantic import BaseModel, ConfigDict, Field

from drflow.errors import DrflowError
from drflow.tasks import VBRConnection
from drflow.tasks import get_client as vbr_client
from drflow.vbr.marks import MarkedObject, find_marked, remove

from .engine import REMOVERS, Disposition, OwnedObject, remove_recorded
from .engine.hooks import as_owned
from .engine.ownership import record, records


class ReleaseParams(BaseModel):
    """What to release, and who releases it."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(
        min_length=1,
        description="The flow run that kept it (every object it holds), or the object's VBR "
        "id (a mount or session id).",
    )
    by: str = Field(min_length=1, description="Who releases it (kept in its record).")
    note: str = Field(default="", description="Why, for the record.")
    now: bool = Field(default=False, description="Remove it now instead of at the next janitor.")
    connection: VBRConnection = Field(
        default_factory=VBRConnection, description="How to reach VBR; unset: environment."
    )


class ReleaseError(DrflowError):
    """Nothing could be released; the message says why and what to do."""


class Released(BaseModel):
    """What was released (and removed, with ``now``)."""

    released: list[str] = []
    removed: list[str] = []
    skipped: list[str] = []


def _run_exists(run_id: str) -> bool:
    try:
        UUID(run_id)
    except ValueError:
        return False
    with get_client(sync_client=True) as client:
        try:
            client.read_flow_run(UUID(run_id))
        except ObjectNotFound:
            return False
    return True


@flow(name="release", flow_run_name="release[{params.target}]")
def release(params: ReleaseParams) -> Released:
    """Release a kept recovery on purpose: record who released it and when, so that the janitor
    removes it (or remove it now). Transient objects are released as they are."""
    logger = get_run_logger()
    client = vbr_client(params.connection)
    marked = find_marked(client)
    listed: dict[str, MarkedObject] = {str(found.id): found for found in marked}
    if params.target in listed:
        found = listed[params.target]
        owners = {found.run_id() or ""}
        wanted: set[str] | None = {params.target}
    elif _run_exists(params.target):
        owners, wanted = {params.target}, None
    else:
        raise ReleaseError(
            f"{params.target} is neither an object drflow started that VBR holds nor a flow run "
            "this Prefect server knows: give the run id shown by the janitor or the report, or "
            "the object's id (and point PREFECT_API_URL at the server that ran it)"
        )
    outcome = Released()
    note = f"released by {params.by} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC" + (
        f": {params.note}" if params.note else ""
    )
    for run_id in owners:
        current = records(run_id)
        objects: dict[str, OwnedObject] = {
            str(found.id): as_owned(found) for found in marked if found.run_id() == run_id
        }
        for object_id, entry in current.items():
            if entry.disposition != Disposition.RELEASED:
                objects.setdefault(object_id, entry.object)
        for object_id, obj in objects.items():
            if wanted is not None and object_id not in wanted:
                continue
            entry = current.get(object_id)
            was = entry.disposition if entry else "no disposition recorded"
            record(run_id, obj, Disposition.TRANSIENT, by=params.by, note=note)
            logger.warning("%s (run %s, was %s) %s", obj.label(), run_id, was, note)
            outcome.released.append(f"{obj.label()} (was {was})")
            if params.now:
                if object_id in listed:
                    remove(client, listed[object_id])
                elif obj.kind in REMOVERS:
                    remove_recorded(client, obj)
                else:
                    outcome.skipped.append(f"{obj.label()}: no way to remove a {obj.kind}")
                    continue
                record(run_id, obj, Disposition.RELEASED, by=params.by, note="removed on release")
                outcome.removed.append(obj.label())
    if not outcome.released:
        raise ReleaseError(f"{params.target} holds nothing in VBR any more: nothing to release")
    return outcome
