"""Start work on VBR once, even when the answer to the start is lost.

A start is a POST that VBR acts upon. When it fails after it may have reached VBR (a 5xx, a
timeout, a dropped connection: :func:`~drflow.vbr.answer_lost`), VBR may or may not have
started the work, and sending it again could start it twice. :func:`start_or_adopt` looks for
what the lost start began and adopts it; only when nothing is found, also after the request
had as long again as it was in flight to take effect, does it start again. All of it within
the outage tolerance, or the budget around it: the looks ride out VBR being unavailable.

What a start began is found where VBR keeps something that ties it to the request, never by a
session's name (a real VBR names a migration session "Quick Migration Job"):

- a mount VBR lists, by the run's mark in its ``reason`` (for FCD, in the registered disk
  names): :func:`find_vm_mount` (vSphere, Hyper-V), :func:`find_fcd_mount`,
  :func:`find_azure_mount`, :func:`find_share_mounts`;
- work VBR shows only as a session, by :func:`find_session`: its type, created after the
  request was sent (less the clock skew, ``VBRSettings.clock_skew``), and what ties it to the
  request: the related object (``resourceId``, ``parentSessionId``), the run's mark in the
  session's log (a restore's reason), or, where VBR keeps nothing of the request, being the only
  candidate (more than one raises :class:`~drflow.vbr.AmbiguousAdoption`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload
from uuid import UUID

from . import budgets
from ._exceptions import AmbiguousAdoption, VBRError
from ._retry import answer_lost
from .models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMount,
    InstantUnstructuredDataRecoveryMount,
    SessionModel,
    SessionState,
    SessionType,
    VBRModel,
    VmwareFcdInstantRecoveryMount,
)

if TYPE_CHECKING:
    from ._client import VBRClient
    from .api import InstantVMRecoveryAPI

__all__ = [
    "Started",
    "find_azure_mount",
    "find_fcd_mount",
    "find_session",
    "find_share_mounts",
    "find_vm_mount",
    "start_or_adopt",
]

logger = logging.getLogger("drflow.vbr")

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=VBRModel)

_AZURE_ENDED = (AzureInstantRecoveryMountState.STOPPING, AzureInstantRecoveryMountState.STOPPED)


@dataclass(frozen=True)
class Started(Generic[T]):
    """What a start answered, or what it had started when its answer was lost."""

    value: T
    adopted: bool
    """True when the answer was lost and ``value`` was found instead."""


@overload
def start_or_adopt(
    client: VBRClient,
    start: Callable[[], T],
    find: Callable[[datetime], T | None],
    *,
    what: str,
) -> Started[T]: ...
@overload
def start_or_adopt(
    client: VBRClient,
    start: Callable[[], R],
    find: Callable[[datetime], T | None],
    *,
    what: str,
    then: Callable[[R], T],
) -> Started[T]: ...


def start_or_adopt(
    client: VBRClient,
    start: Callable[[], Any],
    find: Callable[[datetime], Any],
    *,
    what: str,
    then: Callable[[Any], Any] | None = None,
) -> Started[Any]:
    """Run ``start`` once; when its answer is lost, adopt what ``find`` finds instead.

    ``find(since)`` returns what the lost start began (created after ``since``: when the first
    request was sent, less the clock skew), or None. ``then`` turns a start's answer into what
    ``find`` would have found (reads the mount a session started); its failures are its own,
    not a lost start. A start that failed otherwise (a 4xx, or a transient failure before the
    request left, which the client retries) raises as it is.
    """
    policy = client.retry
    clock, sleep = policy.clock, policy.sleep
    since = datetime.now(UTC) - timedelta(seconds=client.settings.clock_skew)
    with budgets.budget(budgets.call_tolerance(client.settings.outage_tolerance), clock=clock):
        restarts = 0
        while True:
            began = clock()
            try:
                answer = start()
            except VBRError as exc:
                if not answer_lost(exc):
                    raise
                lost = exc
            else:
                return Started(answer if then is None else then(answer), adopted=False)
            in_flight = clock() - began
            logger.warning(
                "the answer to the start of %s was lost (%s): looking for what it started",
                what,
                lost,
            )
            found = find(since)
            if found is None:  # the request may still be under way: give it as long again,
                # and more each time, so that a VBR refusing every start is not hammered
                pause = min(max(1.0, in_flight) * 2**restarts, max(policy.max_wait, in_flight))
                sleep(min(pause, budgets.remaining()))
                found = find(since)
            if found is not None:
                logger.warning("adopting %s, started by the request whose answer was lost", what)
                return Started(found, adopted=True)
            if budgets.remaining() <= 0:
                raise lost
            logger.warning("VBR shows nothing of the start of %s: starting it again", what)
            restarts += 1


# --- mounts VBR lists, found by the run's mark ---------------------------------------------


def find_vm_mount(api: InstantVMRecoveryAPI[M], vm_name: str, mark: str) -> M | None:
    """The instant recovery of ``vm_name`` by ``api`` (``client.vsphere``, ``client.hyperv``)
    whose ``reason`` carries ``mark``, if any."""
    for mount in api.list_mounts(vm_name_filter=vm_name):
        if mount.vm_name == vm_name and mark in (mount.spec.reason or ""):  # type: ignore[attr-defined]
            return mount
    return None


def find_fcd_mount(
    client: VBRClient, restore_point_id: UUID | str, mark: str
) -> VmwareFcdInstantRecoveryMount | None:
    """A mount of the restore point whose registered FCD names carry ``mark`` (the FCD spec has
    no ``reason``)."""
    for mount in client.fcd.list_mounts():
        if str(mount.spec.restore_point_id) == str(restore_point_id) and any(
            mark in disk.registered_fcd_name for disk in mount.spec.disks_mapping
        ):
            return mount
    return None


def find_azure_mount(
    client: VBRClient, restore_point_id: UUID | str, mark: str
) -> AzureInstantVMRecoveryMount | None:
    """A live Azure mount of the restore point whose ``reason`` carries ``mark`` (the Azure
    list has no name filter)."""
    for mount in client.azure.list_mounts():
        if (
            str(mount.spec.restore_point_id) == str(restore_point_id)
            and mark in (mount.spec.reason or "")
            and mount.state not in _AZURE_ENDED
        ):
            return mount
    return None


def find_share_mounts(
    client: VBRClient, restore_point_ids: Collection[UUID], mark: str
) -> list[InstantUnstructuredDataRecoveryMount]:
    """Published shares of the restore points whose ``reason`` carries ``mark``."""
    wanted = set(restore_point_ids)
    return [
        mount
        for mount in client.unstructured.list_share_mounts()
        if mark in (mount.spec.reason or "")
        and wanted & {option.restore_point_id for option in mount.spec.restore_options}
    ]


# --- work VBR shows as a session -----------------------------------------------------------


def find_session(
    client: VBRClient,
    types: Sequence[SessionType],
    since: datetime,
    *,
    resource_id: UUID | str | None = None,
    parent_session_id: UUID | str | None = None,
    mark: str | None = None,
    platform: str | None = None,
    running: bool = False,
) -> SessionModel | None:
    """The session of one of ``types`` created after ``since`` that a start of this client
    began, tied to it by ``resource_id`` / ``parent_session_id`` (the object the work is on)
    or by ``mark`` in its log; None when there is none.

    ``platform`` and ``running`` (not yet stopped) narrow the candidates. With nothing that
    ties a session to the start, the only candidate is it; several raise
    :class:`~drflow.vbr.AmbiguousAdoption`.
    """
    candidates = [
        session
        for session in client.sessions.list(type_filter=list(types), created_after_filter=since)
        if _created_after(session, since)
        and _same_user(session.initiated_by, client.settings.username)
        and (resource_id is None or str(session.resource_id) == str(resource_id))
        and (parent_session_id is None or str(session.parent_session_id) == str(parent_session_id))
        and (platform is None or str(session.platform_name) == platform)
        and not (running and session.state == SessionState.STOPPED)
    ]
    candidates.sort(key=lambda session: session.creation_time)
    if mark is not None:
        return next((s for s in candidates if _logs_carry(client, s.id, mark)), None)
    if resource_id is None and parent_session_id is None and len(candidates) > 1:
        kinds = "/".join(str(t) for t in types)
        raise AmbiguousAdoption(f"a {kinds} session", [str(s.id) for s in candidates])
    return candidates[0] if candidates else None


def _logs_carry(client: VBRClient, session_id: UUID, mark: str) -> bool:
    """Whether the session's log carries ``mark`` (VBR logs a restore's reason there)."""
    records = client.sessions.logs(session_id).records
    return any(mark in f"{record.title or ''} {record.description or ''}" for record in records)


def _created_after(session: SessionModel, since: datetime) -> bool:
    created = session.creation_time
    return created.tzinfo is None or created >= since  # naive: trust the server's filter


def _same_user(initiated_by: str | None, username: str | None) -> bool:
    """Whether a session was started by ``username`` (VBR may prefix a domain: ``LAB\\svc``)."""
    if not initiated_by or not username:
        return True
    return _account(initiated_by) == _account(username)


def _account(name: str) -> str:
    return name.replace("/", "\\").rsplit("\\", 1)[-1].split("@")[0].casefold()
