"""How one kind of workload plugs into the recovery engine (:mod:`.run`).

The engine owns what every recovery shares: the report, its phases and progress, the time
budget, the run's mark, what the run holds in VBR and its disposition, clean-up and publishing.
A :class:`Strategy` says what is particular to one kind: how its restore point is chosen, how it
is started (adopting an earlier attempt), when it is ready, what VBR's view says is wrong with
it, and how it is released or made permanent.

How a recovery ends is one of three ``ending`` s:

- ``decide``: an instant recovery. After verification ``then`` (or the operator, with ``ask``)
  decides: unmount it (a drill), migrate it (:meth:`Strategy.migrate`) or keep it.
- ``hand over``: a mount handed to the operator (file-level restore, Entra ID). It is kept for
  ``keep_minutes`` or until the operator says done, then released, always.
- ``final``: a restore. Its session's result is final: nothing is held once it has ended.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypeVar

from drflow.tasks import select_restore_point
from drflow.vbr.models import ObjectRestorePointModel
from drflow.vbr.models.backups import PlatformType, RestorePointOperation

from . import handoff
from .ownership import Disposition, OwnedObject
from .params import Choice, RecoveryParams

if TYPE_CHECKING:
    from .evidence import Progress
    from .report import RecoveryReport

P = TypeVar("P", bound=RecoveryParams)
H = TypeVar("H")

Ending = Literal["decide", "hand over", "final"]


class Strategy(ABC, Generic[P, H]):
    """One kind of workload, as the engine recovers it; ``H`` is what a start gives back (a
    mount, a session) and the engine holds until it is released or kept."""

    ending: ClassVar[Ending] = "decide"
    start_phase: ClassVar[str] = "recover"
    """The report's name of the phase from the start until the workload is ready."""
    release_phase: ClassVar[str] = "unmount"
    """The report's name of the phase that releases what the run holds."""
    listable: ClassVar[bool] = True
    """VBR lists what :meth:`start` starts with its mark, so the janitor finds it without a
    record; otherwise it is recorded as transient the moment it exists."""
    checks_state: ClassVar[bool] = True
    """:meth:`problems` reads VBR's view of the workload: there is always a verify phase."""
    handover_key: ClassVar[str] = "mount"
    """``hand over`` ending: the artifact for the operator is ``<handover_key>-<name>``."""
    title: ClassVar[str] = "mounted"
    """``hand over`` ending: the artifact's heading, "`<name>` is <title>"."""
    platform: ClassVar[PlatformType | None] = None
    operation: ClassVar[RestorePointOperation | None] = None

    def __init__(self, params: P) -> None:
        self.params = params
        self.report: RecoveryReport | None = None
        """The run's report, set by the engine before anything starts (for added evidence)."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The workload's name in its backup (what restore points and reports are called)."""

    @property
    def check_target(self) -> str:
        """What ``{vm}`` means in the workload checks."""
        return self.name

    def select_point(self, report: RecoveryReport) -> ObjectRestorePointModel:
        """The restore point, by the shared policy (``params.restore_point``); in a drill, the
        newest its preflight read when that is the one the policy wants."""
        policy = self.params.restore_point
        return select_restore_point(
            self.params.connection,
            self.name,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age_hours=policy.max_age_hours,
            platform=self.platform,
            operation=self.operation,
            newest=handoff.newest_point(),
        )

    @abstractmethod
    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> H:
        """Start the recovery (or adopt what an earlier attempt of this run started), marked
        with ``mark``; record its ids in ``report``."""

    @abstractmethod
    def owned(self, held: H) -> OwnedObject:
        """What the run holds in VBR once ``held`` exists."""

    @abstractmethod
    def wait_ready(self, held: H, progress: Progress) -> H:
        """Wait until the workload is up (a restore: until its session ended); raise when VBR
        says it failed."""

    def finished(self, held: H) -> bool:
        """Whether VBR no longer holds anything for ``held`` (a restore whose session ended)."""
        return False

    def prepare(self, held: H, report: RecoveryReport, progress: Progress) -> None:
        """What has to happen before verification (an operator's sign-in); nothing by default."""

    def problems(self, held: H) -> list[str]:
        """What VBR's own view says is wrong with a ready workload (state, error message)."""
        return []

    @abstractmethod
    def release(self, held: H) -> None:
        """Unmount or stop it, and wait until VBR no longer holds it (gone already is fine)."""

    def migrate(self, held: H, report: RecoveryReport) -> Disposition:
        """Make the recovery permanent; record session ids in ``report``. Returns where it
        stands: migrated, switched over, or still migrating (a switchover left to VBR)."""
        raise NotImplementedError(f"{type(self).__name__} cannot migrate")

    def choices(self) -> list[Choice]:
        """What ``then`` or the operator may choose after verification."""
        return ["unmount", "keep"]

    def resume(self) -> tuple[RecoveryReport, H] | None:
        """The report and holding of this run when it resumes after a suspension (a scheduled
        switchover); None for a fresh start."""
        return None

    def finish_migration(self, held: H, report: RecoveryReport) -> Disposition:
        """Complete a migration a suspended run was waiting for; where it stands then."""
        raise NotImplementedError(f"{type(self).__name__} does not suspend")

    def hand_over(self, held: H, report: RecoveryReport) -> tuple[dict[str, str], list[str]]:
        """``hand over`` ending: the details and how-to-use lines published for the operator."""
        return {}, []

    def describe_end(self, held: H, report: RecoveryReport) -> None:
        """Add the final view of the workload to the evidence (best effort)."""


def mount_problems(state: object, error_message: str | None, ready: str = "Mounted") -> list[str]:
    """Problems of a mount that should be ``ready``."""
    problems = []
    if str(state) != ready:
        problems.append(f"mount is {state}, not {ready}")
    if error_message:
        problems.append(f"VBR reports: {error_message}")
    return problems


def reason(flow_name: str, then: str, mark: str) -> str:
    """The ``reason`` drflow gives VBR: the flow, whether it is a drill, and the run's mark."""
    intent = "drill" if then == "unmount" else "recovery"
    return f"drflow {flow_name} {intent} [{mark}]"


def started_as_drill(reason_text: str) -> bool:
    """Whether a ``reason`` written by :func:`reason` says the object was started as a drill."""
    head = reason_text.split("[", 1)[0].split()
    return "drill" in head
