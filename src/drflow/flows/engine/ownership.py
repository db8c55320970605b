"""What drflow started in VBR, who owns it, and what is to become of it.

Everything drflow starts in VBR has an **owner**, the flow run that started it, and a
**disposition**, what is to become of it:

- ``transient``: a drill's, or a recovery whose decision is still open; removed once its run is
  over (or dead, or past its drill's deadline);
- ``kept``: the operator keeps it (``then=keep``, ``ask`` answered keep, the timed default
  keep, ``dr-recover``);
- ``migrating`` / ``migrated``: on its way to production, or there;
- ``switched over``: a migration VBR has switched over;
- ``released``: cleaned up (or, with ``drflow release``, handed back for clean-up on purpose).

Two records say it, and they are not equal:

- **VBR's mark** (``drflow-run:<flow run id>`` in the object's ``reason``, or in an FCD's
  registered name) records the owner. VBR keeps it with the object, so it survives anything,
  but it is written once, at the start, and cannot record a later decision.
- **The run's own record**: flow run inputs ``drflow-disposition-<object id>-<time>`` of the
  owning run (Prefect's per-run key-value store, kept by the Prefect server: it survives the
  run and its worker). Each change is a new entry; the latest one counts, and all of them are
  the object's history (who decided, when, why). This record is **authoritative** for the
  disposition: it is the only place a decision taken after the start can be written.

The rules (:func:`judge`) never remove what they cannot prove transient: an object whose run is
still active, whose record cannot be read, whose completed run left no record, or whose run
Prefect no longer knows (unless its mark says it was started as a drill) is left, saying why.
What a run holds that VBR cannot list by mark (a file-level restore mount, a restore session) is
recorded as ``transient`` when it is started, so the hooks and the janitor can find it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from prefect import get_client
from pydantic import BaseModel, ConfigDict, Field

from .prefect_api import ride_out

logger = logging.getLogger("drflow")

RECORD_PREFIX = "drflow-disposition-"
"""Flow run input keys ``drflow-disposition-<object id>-<time>`` hold the records."""


class Disposition(StrEnum):
    """What is to become of an object drflow started (see the module docstring)."""

    TRANSIENT = "transient"
    KEPT = "kept"
    MIGRATING = "migrating"
    MIGRATED = "migrated"
    SWITCHED_OVER = "switched over"
    RELEASED = "released"


PROTECTED = frozenset(
    {Disposition.KEPT, Disposition.MIGRATING, Disposition.MIGRATED, Disposition.SWITCHED_OVER}
)
"""Dispositions nothing in drflow removes: only a person releasing it changes them."""

FINAL_RUN_STATES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})


class OwnedObject(BaseModel):
    """One object a run started in VBR, as drflow names it."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="vsphere-vm, hyperv-vm, azure-vm, fcd, file-share, ...")
    id: str = Field(description="VBR's id of it (a mount or a session).")
    name: str = Field(default="", description="What it is called (a VM, a share, disks).")
    vbr: str = Field(
        default="",
        description="The URL of the VBR server holding it (an id is unique on its server only).",
    )

    def label(self) -> str:
        return f"{self.kind} {self.name or self.id}"


class DispositionRecord(BaseModel):
    """One entry of an object's record: its disposition from ``at`` on, and who set it."""

    object: OwnedObject
    disposition: Disposition
    at: datetime
    by: str = ""
    note: str = ""

    def describe(self) -> str:
        who = f" by {self.by}" if self.by else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.disposition}{who} at {self.at:%Y-%m-%d %H:%M:%S} UTC{note}"


def record(
    run_id: UUID | str,
    obj: OwnedObject,
    disposition: Disposition,
    *,
    by: str = "",
    note: str = "",
) -> DispositionRecord:
    """Write ``disposition`` into the record of ``obj`` kept by its owning run ``run_id``.

    Raises what Prefect's client raised once its own retries are spent: a caller that cannot
    record a decision must say so (the object is then left alone by the rules, never removed).
    """
    entry = DispositionRecord(
        object=obj, disposition=disposition, at=datetime.now(UTC), by=by, note=note
    )

    def write() -> None:
        with get_client(sync_client=True) as client:
            client.create_flow_run_input(
                flow_run_id=UUID(str(run_id)),
                key=f"{RECORD_PREFIX}{obj.id}-{entry.at:%Y%m%d%H%M%S%f}".lower(),
                value=entry.model_dump_json(),
                sender="drflow",
            )

    ride_out(write, what=f"the record of {obj.label()}")
    logger.info("%s of run %s: %s", obj.label(), run_id, entry.describe())
    return entry


def history(run_id: UUID | str) -> list[DispositionRecord]:
    """Every entry of every object's record kept by the run, oldest first."""
    with get_client(sync_client=True) as client:
        found = client.filter_flow_run_input(
            flow_run_id=UUID(str(run_id)),
            key_prefix=RECORD_PREFIX,
            limit=10_000,
            exclude_keys=set(),
        )
    entries = []
    for item in found:
        try:
            entries.append(DispositionRecord.model_validate_json(item.value))
        except ValueError:  # not ours to judge: an entry written by something else
            logger.warning("run %s: unreadable disposition record %s", run_id, item.key)
    return sorted(entries, key=lambda entry: entry.at)


def latest(entries: Iterable[DispositionRecord]) -> dict[str, DispositionRecord]:
    """The current disposition of each object (by id) in a run's record."""
    current: dict[str, DispositionRecord] = {}
    for entry in sorted(entries, key=lambda entry: entry.at):
        current[entry.object.id] = entry
    return current


def records(run_id: UUID | str) -> dict[str, DispositionRecord]:
    """The current disposition of every object the run recorded (by object id)."""
    return latest(history(run_id))


@dataclass(frozen=True)
class OwnerRun:
    """What the rules need to know of the run that owns an object."""

    id: str | None
    state: str | None
    """Prefect's state type (``RUNNING``, ``COMPLETED``...); None: Prefect does not know it."""
    dead: str | None = None
    """Why a ``RUNNING`` run is taken for dead (its heartbeats stopped), if it is."""
    deadline: datetime | None = None
    """The deadline of the drill it belongs to, if any."""

    @property
    def over(self) -> bool:
        return self.state in FINAL_RUN_STATES


@dataclass(frozen=True)
class Judgement:
    """What the rules say about one object: remove it or leave it, and why."""

    remove: bool
    why: str


STOPPING_STATES = frozenset(
    {"Dismounting", "Unpublishing", "Stopping", "Stopped", "Unpublished", "Switching"}
)
"""States of an object that is already going (or gone): nothing is sent to it."""


def judge(
    state: str,
    entry: DispositionRecord | None,
    run: OwnerRun,
    *,
    now: datetime,
    started_as_drill: bool = False,
) -> Judgement:
    """Whether an object drflow started may be removed now, and why (see the module docstring).

    ``state`` is VBR's state of it, ``entry`` the latest entry of its record (None: no record),
    ``run`` its owner. ``started_as_drill``: its mark says it was started as a drill (then an
    object whose run Prefect no longer knows is still transient).
    """
    if state in STOPPING_STATES:
        return Judgement(False, f"already {state}: VBR is removing it, or did")
    if entry is not None and entry.disposition in PROTECTED:
        return Judgement(
            False, f"{entry.describe()}: release it on purpose with `drflow release` to remove it"
        )
    if run.state is None:  # and so is its record, kept by the run
        if started_as_drill:
            return Judgement(True, "its run is not known to Prefect, and it was a drill's")
        return Judgement(
            False,
            f"its run {run.id} is not known to this Prefect server: whether it was kept cannot "
            "be told (release it with `drflow release` if it is not needed)",
        )
    why = _transient_why(entry)
    if run.dead:
        return Judgement(True, f"{why}; its run is dead ({run.dead})")
    if run.over:
        if entry is None and run.state == "COMPLETED":
            return Judgement(
                False,
                "its run completed and recorded no disposition: taken as kept (release it "
                "with `drflow release` if it is not needed)",
            )
        return Judgement(True, f"{why}; its run is over ({run.state})")
    if run.deadline is not None and now > run.deadline:
        return Judgement(True, f"{why}; its drill's deadline passed at {run.deadline:%H:%M:%S} UTC")
    return Judgement(False, f"its run is {run.state}: it decides")


def _transient_why(entry: DispositionRecord | None) -> str:
    if entry is None:
        return "transient (no disposition recorded)"
    return entry.describe()
