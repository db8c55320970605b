"""Migration with a switchover, shared by instant recovery to Azure and of file shares.

After ``then=migrate`` VBR copies the recovered workload to production storage, then switches
it over: at once (``Auto``), when the operator says so (``Manual``: the run pauses for an
approval, then calls switchover) or at a given time (``Scheduled``). The run confirms the
switchover from VBR's view (the switchover session's result).

A scheduled switchover may be days away: a deployment run suspends until then and is resumed
for it (:mod:`.suspension`). Outside a deployment (plain Python, ``drflow run``) nothing could
resume a suspended run, so the run waits in its own process, polling sparsely until the time.
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self, TypeVar
from uuid import UUID

from prefect import get_run_logger
from prefect.input import RunInput
from prefect.runtime import deployment as current_deployment
from prefect.runtime import flow_run as current_run
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from drflow.tasks import VBRConnection, get_client, vbr_task
from drflow.vbr import MountFailed, VBRClient, VBRError, WaitTimeout

from .decision import wait_for_input
from .mount import MountStrategy
from .ownership import Disposition
from .params import RecoveryParams
from .report import RecoveryReport, artifact_key
from .suspension import clear_checkpoint, load_checkpoint, suspend_if_far

logger = logging.getLogger("drflow")

SwitchoverType = Literal["Auto", "Manual", "Scheduled"]

SPARSE_POLL_SECONDS = 60.0
"""Longest wait between two looks at VBR while a scheduled switchover is still ahead: an
operator who moves the time (``drflow azure reschedule``) is followed within this."""

RESUMED = "resumed"
"""Validation context key: the run resumes from a checkpoint (a past schedule is expected)."""


# --- parameters ------------------------------------------------------------------------------


class Switchover(BaseModel):
    """When a migrated workload switches over to its migrated copy, and how the run waits."""

    model_config = ConfigDict(extra="forbid")

    type: SwitchoverType = Field(
        default="Auto",
        description="Auto: as soon as the data is migrated; Manual: when the operator approves "
        "(the run pauses); Scheduled: at schedule_time.",
    )
    schedule_time: AwareDatetime | None = Field(
        default=None,
        description="When a Scheduled switchover happens (ISO 8601 with a UTC offset; in the "
        "future). Move it later with `drflow azure reschedule`.",
    )
    approval_timeout_minutes: float = Field(
        default=240, gt=0, description="Manual: minutes to wait for the operator's approval."
    )
    approval_default: Literal["switchover", "wait"] = Field(
        default="wait",
        description="Manual, nobody answered in time: switch over anyway, or leave the "
        "workload waiting for a switchover in VBR.",
    )
    suspend_after_minutes: float = Field(
        default=10,
        ge=0,
        description="Scheduled, in a deployment run: suspend the run (releasing its worker) "
        "when the switchover is further away than this; a switchover-confirm run resumes it.",
    )
    confirm_deployment: str | None = Field(
        default=None,
        description="Deployment ('flow/deployment') of switchover-confirm that resumes the "
        "suspended run; unset: any deployment of that flow.",
    )

    @field_validator("schedule_time")
    @classmethod
    def _in_the_future(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        resumed = bool((info.context or {}).get(RESUMED))
        if value is not None and not resumed and value <= datetime.now(UTC):
            raise ValueError(
                f"{value.isoformat()} is in the past; a scheduled switchover needs a time in "
                "the future"
            )
        return value

    @model_validator(mode="after")
    def _time_goes_with_scheduled(self) -> Self:
        if self.type == "Scheduled" and self.schedule_time is None:
            raise ValueError("switchover type Scheduled needs schedule_time")
        if self.type != "Scheduled" and self.schedule_time is not None:
            raise ValueError(f"schedule_time is only used with type Scheduled, not {self.type}")
        return self

    def describe(self) -> str:
        if self.type == "Scheduled" and self.schedule_time is not None:
            return f"Scheduled at {self.schedule_time.isoformat()}"
        return self.type


class SwitchoverApproval(RunInput):
    """The operator's answer to a Manual switchover."""

    switchover: bool = Field(
        default=True,
        description="Switch over now (false: leave the workload waiting for a switchover).",
    )
    approver: str = Field(default="", description="Who approves (for the evidence).")
    note: str = Field(default="", description="Why, for the evidence.")
    choice: str | None = Field(
        default=None,
        description="Instead of switchover, as `drflow resume <run> migrate|keep` answers: "
        "migrate switches over, anything else leaves the workload waiting.",
    )

    @model_validator(mode="after")
    def _choice_answers(self) -> Self:
        if self.choice:
            self.switchover = self.choice == "migrate"
        return self


# --- one migration under way -----------------------------------------------------------------


Phase = Literal["migrating", "ready", "switching", "switched", "ended"]


@dataclass(frozen=True)
class Status:
    """Where a migration stands, in VBR's words (``detail``)."""

    phase: Phase
    detail: str = ""


@dataclass(frozen=True)
class VBRSchedule:
    """The switchover settings VBR holds now (the operator may have changed them)."""

    type: str
    time: datetime | None = None


class Switching(ABC):
    """How one workload migrates and switches over; subclassed per workload."""

    kind: str
    """``azure-vm`` or ``file-share``: what the confirm flow reads settings of."""

    def __init__(self, connection: VBRConnection, mount_id: UUID, what: str) -> None:
        self.connection = connection
        self.mount_id = mount_id
        self.what = what

    @property
    def client(self) -> VBRClient:
        return get_client(self.connection)

    @abstractmethod
    def start(self, settings: Switchover) -> list[str]:
        """Start the migration with ``settings`` (adopting one under way); new session ids."""

    @abstractmethod
    def status(self) -> Status:
        """Where the migration stands now."""

    def schedule(self) -> VBRSchedule:
        settings = read_vbr_settings(self.client, self.kind, self.mount_id)
        return VBRSchedule(str(settings.type), _aware(settings.schedule_time))

    @abstractmethod
    def switch_now(self) -> list[str]:
        """Ask VBR to switch over now; session ids to add to the evidence."""

    def session_ids(self) -> list[str]:
        """Every session of the migration and switchover, for the evidence."""
        return []

    def switched_at(self) -> datetime | None:
        """When VBR switched the workload over (its session's end), once it has."""
        return None

    def state(self) -> dict[str, str]:
        """What a resumed run needs besides the mount id (kept in the checkpoint)."""
        return {}


def read_vbr_settings(client: VBRClient, kind: str, mount_id: UUID | str) -> Any:
    """The switchover settings VBR holds for a mount of ``kind``."""
    if kind == "azure-vm":
        return client.azure.get_switchover_settings(mount_id)
    if kind == "file-share":
        return client.unstructured.get_share_switchover_settings(mount_id)
    raise ValueError(f"unknown kind of switchover {kind!r}")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@vbr_task("wait-for-switchover", run_name="wait-for-switchover[{switching.what}]")
def wait_for_switchover(
    switching: Switching, *, until: frozenset[str], timeout: float, stop_for_manual: bool = True
) -> Status:
    """Poll the migration until its phase is in ``until``, inside this one task.

    While a scheduled switchover is ahead, polls sparsely (at the scheduled time, at most every
    :data:`SPARSE_POLL_SECONDS`), re-reading the settings so that a moved time is followed; the
    deadline is ``timeout`` seconds after the later of now and the scheduled time. With
    ``stop_for_manual``, returns a migrated workload waiting for a Manual switchover (the caller
    asks the operator). A migration that ends without a switchover raises ``MountFailed``.
    """
    log = get_run_logger()
    backoff = switching.client.backoff
    intervals = backoff.intervals()
    limit = datetime.now(UTC) + timedelta(seconds=timeout)
    seen: tuple[str, str] | None = None
    while True:
        status = switching.status()
        if status.phase in until:
            return status
        if status.phase == "ended":
            raise MountFailed(f"migration of {switching.what}", status.detail)
        schedule = switching.schedule()
        if stop_for_manual and status.phase == "ready" and schedule.type == "Manual":
            return status
        now = datetime.now(UTC)
        wait = next(intervals)
        if schedule.type == "Scheduled" and schedule.time is not None:
            limit = max(limit, schedule.time + timedelta(seconds=timeout))
            if schedule.time > now and status.phase in ("migrating", "ready"):
                # nothing happens before the scheduled time but an operator's change
                wait = max(wait, min((schedule.time - now).total_seconds(), SPARSE_POLL_SECONDS))
                intervals = backoff.intervals()
        if (status.phase, schedule.type) != seen:
            seen = (status.phase, schedule.type)
            log.info("%s: %s (switchover %s)", switching.what, status.phase, schedule.type)
        remaining = (limit - now).total_seconds()
        if remaining <= 0:
            raise WaitTimeout(
                f"gave up waiting for the switchover of {switching.what} ({status.phase})",
                last=status,
            )
        time.sleep(min(wait, remaining))


# --- migrate, then confirm the switchover ----------------------------------------------------


def migrate_and_switch(
    switching: Switching, settings: Switchover, report: RecoveryReport, *, timeout: float
) -> Disposition:
    """Start the migration, then confirm the switchover (see :func:`confirm_switchover`)."""
    log = get_run_logger()
    if (
        settings.type == "Scheduled"
        and settings.schedule_time is not None
        and settings.schedule_time <= datetime.now(UTC) + timedelta(seconds=1)
    ):
        log.warning(
            "the scheduled switchover time %s has passed: switching over as soon as migrated",
            settings.schedule_time.isoformat(),
        )
        report.details["switchover requested"] = f"{settings.describe()} (passed: Auto)"
        settings = settings.model_copy(update={"type": "Auto", "schedule_time": None})
    else:
        report.details["switchover requested"] = settings.describe()
    _add(report, switching.start(settings))
    log.info("migration of %s started (switchover %s)", switching.what, settings.describe())
    return confirm_switchover(switching, settings, report, timeout=timeout)


def confirm_switchover(
    switching: Switching,
    settings: Switchover,
    report: RecoveryReport,
    *,
    timeout: float,
    suspensions: int = 0,
) -> Disposition:
    """Wait until VBR has switched the workload over, whatever the switchover type now is;
    ``switched over``, or ``migrating`` when the operator left the switchover to VBR.

    VBR's settings are re-read (the operator may change them while the run waits): Manual asks
    the operator and then switches over; Scheduled far ahead suspends a deployment run.
    """
    log = get_run_logger()
    while True:
        schedule = switching.schedule()
        if schedule.type == "Scheduled" and schedule.time is not None:
            suspend_if_far(switching, schedule.time, settings, report, suspensions)
        status = wait_for_switchover(switching, until=frozenset({"switched"}), timeout=timeout)
        if status.phase == "switched":
            break
        approval = _ask_approval(switching, settings, report)
        if not approval:
            report.details["switchover"] = "not approved: it waits for a switchover in VBR"
            log.warning("%s left waiting for a manual switchover", switching.what)
            _add(report, switching.session_ids())
            return Disposition.MIGRATING
        _add(report, switching.switch_now())
        wait_for_switchover(
            switching, until=frozenset({"switched"}), timeout=timeout, stop_for_manual=False
        )
        break
    _add(report, switching.session_ids())
    report.details["switchover"] = f"switched over ({schedule.type})"
    when = switching.switched_at()
    if when is not None:
        report.details["switched over at"] = f"{when:%Y-%m-%d %H:%M:%S} UTC (VBR)"
    try:  # as the operator left it (they may have moved it meanwhile)
        final = switching.schedule()
    except VBRError as exc:  # evidence only: the switchover happened
        log.warning("could not read the final switchover settings: %s", exc)
    else:
        if final.type == "Scheduled" and final.time is not None:
            report.details["switchover scheduled for"] = f"{final.time:%Y-%m-%d %H:%M:%S} UTC"
    log.info("%s has been switched over", switching.what)
    return Disposition.SWITCHED_OVER


def _ask_approval(switching: Switching, settings: Switchover, report: RecoveryReport) -> bool:
    """Pause for the operator's approval of a Manual switchover; True to switch over now."""
    log = get_run_logger()
    minutes = settings.approval_timeout_minutes
    log.info(
        "%s is migrated: waiting up to %g minutes for the operator to approve the switchover",
        switching.what,
        minutes,
    )
    form = SwitchoverApproval.with_initial_data(
        description=f"{switching.what} is migrated and waits for a manual switchover.\n\n"
        f"{report.markdown()}\n\nApprove to switch over now; `switchover: false` leaves it "
        "waiting in VBR.",
        switchover=True,
    )
    answer = wait_for_input(
        form,
        timeout_seconds=minutes * 60,
        key=artifact_key("switchover", str(switching.mount_id)),
    )
    if answer is None:
        default = settings.approval_default
        log.warning("nobody approved the switchover in %g minutes: %s", minutes, default)
        report.details["switchover approved by"] = f"(timeout: {default})"
        return default == "switchover"
    report.details["switchover approved by"] = (answer.approver or "(unnamed)") + (
        f": {answer.note}" if answer.note else ""
    )
    log.info(
        "operator %s %s the switchover",
        answer.approver or "(unnamed)",
        "approved" if answer.switchover else "declined",
    )
    return answer.switchover


def _add(report: RecoveryReport, session_ids: list[str]) -> None:
    for session_id in session_ids:
        if session_id not in report.session_ids:
            report.session_ids.append(session_id)


# --- the strategies ------------------------------------------------------------------------

P = TypeVar("P", bound=RecoveryParams)


class SwitchingStrategy(MountStrategy[P, Any]):
    """A strategy whose migration ends in a switchover (and whose run may be suspended until
    it, then resumed from a checkpoint)."""

    @abstractmethod
    def switching(self, mount_id: UUID, state: dict[str, str] | None = None) -> Switching:
        """The migration of the mount ``mount_id`` (``state`` from a checkpoint)."""

    @abstractmethod
    def load(self, mount_id: UUID) -> Any:
        """The mount as VBR shows it now."""

    def migrate(self, held: Any, report: RecoveryReport) -> Disposition:
        """Migrate the mount, then switch over as ``params.switchover`` says."""
        return migrate_and_switch(
            self.switching(held.id),
            self.params.switchover,
            report,
            timeout=self.params.timeout_seconds,
        )

    def resume(self) -> tuple[RecoveryReport, Any] | None:
        checkpoint = load_checkpoint()
        if checkpoint is None:
            return None
        self.checkpoint = checkpoint
        return checkpoint.report, self.load(checkpoint.mount_id)

    def finish_migration(self, held: Any, report: RecoveryReport) -> Disposition:
        checkpoint = self.checkpoint
        try:
            return confirm_switchover(
                self.switching(checkpoint.mount_id, checkpoint.state),
                self.params.switchover,
                report,
                timeout=self.params.timeout_seconds,
                suspensions=checkpoint.suspensions,
            )
        finally:
            clear_checkpoint()


def accept(model: type[P], params: Any) -> P:
    """The flow's parameters as ``model``, validated (flows take them unvalidated by Prefect).

    Flows with a scheduled switchover validate their parameters themselves: a run resumed
    after the scheduled time would otherwise be refused by Prefect for its past time.
    """
    if isinstance(params, model):
        return params
    if isinstance(params, BaseModel):
        params = params.model_dump(mode="json", exclude_unset=True)
    resumed = bool(current_deployment.id) and _has_checkpoint()
    return model.model_validate(params, context={RESUMED: resumed})


def _has_checkpoint() -> bool:
    try:
        return load_checkpoint() is not None
    except Exception:  # no API to ask: validate as a fresh start
        return False


def run_name(flow_name: str, field: str) -> Callable[[], str]:
    """A ``flow_run_name`` callable: ``flow[<params.field>]``, for params as model or dict."""

    def name() -> str:
        params = (current_run.parameters or {}).get("params")
        value = params.get(field) if isinstance(params, dict) else getattr(params, field, None)
        return f"{flow_name}[{value or '?'}]"

    return name
