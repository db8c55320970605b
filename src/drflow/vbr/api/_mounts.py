"""What the groups of mount operations share: read a mount, wait for a state, wait until gone.

Waits of one client share their reads where the group's list filters by mount id (vSphere's
``mountIdFilter``): every thread waiting on a mount of that group is answered by one list call
of all the mounts being waited for (:class:`SharedReads`), so a drill of N workloads costs one
call per poll, not N. Each wait polls at intervals that follow the time already waited
(:data:`FOLLOW_SHARE` of it, at least ``poll_initial``), on ticks of a third of
``poll_initial`` (:data:`TICKS_PER_POLL`): one list answers every wait that polls at a tick,
and between its own polls a wait wakes up to every list that has its mount. Waits that began
on different ticks thus list in turn, and each sees the others' lists: the more waits, the
sooner each one sees its mount change, at no more than three lists a second (with the default
``poll_initial`` of 1 s); a wait on its own polls as often as it would alone.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar
from uuid import UUID

from .._exceptions import MountFailed, NotFound
from .._waiting import Backoff, poll, wait_for_state
from ..models import InstantRecoveryMountState
from ._base import API

M = TypeVar("M")

FOLLOW_SHARE = 0.05
"""Shared waits poll after this share of the time already waited (within the backoff bounds)."""
TICKS_PER_POLL = 3
"""Shared waits poll on ticks of ``poll_initial / TICKS_PER_POLL``: lists of waits that began
on different ticks fall in between each other's polls, and every wait sees every list."""
IDS_PER_LIST = 100
"""Mount ids per list call (keeps the query string short of server limits)."""


class SharedReads(Generic[M]):
    """Fresh views of the mounts being waited for, shared by every thread of one client.

    A thread asks for a mount; when no list started less than ``max_age`` seconds before it
    asked, it lists every watched mount itself (``read_many``) and the threads that ask
    meanwhile take that answer.
    """

    def __init__(
        self, read_many: Callable[[Sequence[str]], Iterable[M]], id_of: Callable[[M], Any]
    ):
        self._read_many = read_many
        self._id_of = id_of
        self._cond = threading.Condition()
        self._watched: Counter[str] = Counter()
        self._listing = False
        self._asked: frozenset[str] = frozenset()
        self._answer: dict[str, M] | BaseException = {}
        self._started = float("-inf")
        self._lists = 0  # lists answered so far

    @contextmanager
    def watching(self, mount_id: str) -> Iterator[None]:
        """Include ``mount_id`` in every list while the block runs."""
        with self._cond:
            self._watched[mount_id] += 1
        try:
            yield
        finally:
            with self._cond:
                self._watched[mount_id] -= 1
                if self._watched[mount_id] <= 0:
                    del self._watched[mount_id]

    def fresh(self, mount_id: str, max_age: float) -> bool:
        """Whether a list that started at most ``max_age`` s ago has ``mount_id``'s answer."""
        with self._cond:
            return mount_id in self._asked and self._started >= time.monotonic() - max_age

    def wait_for_list(self, mount_id: str, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a list that has ``mount_id`` in it to be answered;
        whether one was (its answer is then :meth:`latest`)."""
        with self._cond:
            lists = self._lists
            return self._cond.wait_for(
                lambda: self._lists != lists and mount_id in self._asked, timeout
            )

    def latest(self, mount_id: str) -> M | None:
        """The watched mount as the latest list answered it (None: not listed)."""
        with self._cond:
            return self._take(mount_id)

    def read(self, mount_id: str, max_age: float) -> M | None:
        """The watched mount as listed at most ``max_age`` s before this call; None: not listed."""
        asked = time.monotonic()
        with self._cond:
            while not (mount_id in self._asked and self._started >= asked - max_age):
                if not self._listing:
                    self._listing = True
                    ids = sorted({*self._watched, mount_id})
                    break
                self._cond.wait()
            else:
                return self._take(mount_id)
        started = time.monotonic()
        answer: dict[str, M] | BaseException
        try:
            answer = {
                str(self._id_of(mount)): mount
                for chunk in range(0, len(ids), IDS_PER_LIST)
                for mount in self._read_many(ids[chunk : chunk + IDS_PER_LIST])
            }
        except Exception as exc:  # the threads that take this answer raise it too
            answer = exc
        except BaseException:  # interrupted, no answer: another thread lists
            with self._cond:
                self._listing = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._listing = False
            self._asked, self._answer, self._started = frozenset(ids), answer, started
            self._lists += 1
            self._cond.notify_all()
            return self._take(mount_id)

    def _take(self, mount_id: str) -> M | None:
        if isinstance(self._answer, BaseException):
            raise self._answer
        return self._answer.get(mount_id)


class _Reader(NamedTuple, Generic[M]):
    """How a wait reads its mount, and sleeps between its polls."""

    read: Callable[[], M]
    sleep: Callable[[float], None]


class MountsAPI(API, Generic[M]):
    """Operations on mounts kept at ``{path}/{mountId}`` (vSphere, Hyper-V, FCD, ...)."""

    path: ClassVar[str]
    mount_model: ClassVar[type[Any]]
    noun: ClassVar[str]
    ready: ClassVar[Collection[object]] = (InstantRecoveryMountState.MOUNTED,)
    failed: ClassVar[Collection[object]] = (InstantRecoveryMountState.FAILED,)

    def get_mount(self, mount_id: UUID | str) -> M:
        """One mount (the group's ``Get...Mount`` operation)."""
        return self._client.request("GET", f"{self.path}/{mount_id}", model=self.mount_model)

    def current(self, mount_id: UUID | str) -> M:
        """The mount as of now, or as the waits of this client listed it at most
        ``poll_initial`` seconds ago (no call at all right after a wait); else ``get_mount``.
        ``NotFound`` when it does not exist (any more)."""
        with self._reader(mount_id, self._backoff(None), at_tick=False) as reader:
            return reader.read()

    def read_started(self, mount_id: UUID | str) -> M:
        """A mount just started, as the next list of the waits shows it (the first poll of a
        wait on it: no call of its own while other waits poll); else ``get_mount``."""
        if self._shared is None:
            return self.get_mount(mount_id)
        try:
            with self._reader(mount_id, self._backoff(None)) as reader:
                return reader.read()
        except NotFound:  # not listed yet: ask for it by id
            return self.get_mount(mount_id)

    def list_by_ids(self, mount_ids: Sequence[UUID | str]) -> Iterable[M] | None:
        """The mounts among ``mount_ids`` that exist, listed at once; None when the group's
        list cannot filter by mount id (its waits then read each mount on its own)."""
        return None

    @property
    def _shared(self) -> SharedReads[M] | None:
        shared = self.__dict__.get("_shared_reads")
        if shared is None and type(self).list_by_ids is not MountsAPI.list_by_ids:
            shared = self.__dict__.setdefault(
                "_shared_reads",
                SharedReads(lambda ids: self.list_by_ids(ids) or (), lambda m: m.id),
            )
        return shared

    @contextmanager
    def _reader(
        self, mount_id: UUID | str, backoff: Backoff, *, at_tick: bool = True
    ) -> Iterator[_Reader[M]]:
        """How a wait reads the mount: from the shared reads when there are, else a GET.

        A shared wait (``at_tick``) takes its first read at the next tick, with the others,
        unless a list of this tick already has the mount; between its own polls it wakes up
        to every list that has its mount (another wait's poll) and takes that answer. A
        single read (``current``) takes a list up to ``poll_initial`` old, else lists at once.
        """
        shared = self._shared
        if shared is None:
            yield _Reader(lambda: self.get_mount(mount_id), time.sleep)
            return
        key = str(mount_id)
        max_age = (backoff.tick or backoff.initial) / 2 if at_tick else backoff.initial
        joining = at_tick and backoff.tick is not None
        news = False

        def sleep(seconds: float) -> None:
            nonlocal news
            news = shared.wait_for_list(key, seconds)

        def read() -> M:
            nonlocal joining, news
            if joining and not shared.fresh(key, max_age):
                sleep(max(0.0, backoff.next_tick(time.monotonic()) - time.monotonic()))
            joining = False
            mount = shared.latest(key) if news else shared.read(key, max_age=max_age)
            news = False
            if mount is None:
                raise NotFound(
                    status_code=404,
                    method="GET",
                    path=f"{self.path}?mountIdFilter={key}",
                    error_code="NotFound",
                    message=f"{self.noun} {key} is not listed (any more)",
                )
            return mount

        with shared.watching(key):
            yield _Reader(read, sleep)

    def _backoff(self, backoff: Backoff | None) -> Backoff:
        chosen = backoff or self._client.backoff
        if self._shared is not None and chosen.share is None:
            return chosen.following(FOLLOW_SHARE, tick=chosen.initial / TICKS_PER_POLL)
        return chosen

    def describe_failure(self, mount: M) -> MountFailed:
        """The error for a mount that reached a failed state."""
        return MountFailed(f"{self.noun} {getattr(mount, 'id', '')}", _error_message(mount))

    def wait_for_mount(
        self,
        mount_id: UUID | str,
        *,
        session_id: UUID | str | None = None,
        until: Collection[object] | None = None,
        timeout: float = 1800.0,
        backoff: Backoff | None = None,
        on_poll: Callable[[M], None] | None = None,
    ) -> M:
        """Poll the mount until its state is in ``until`` (default: ready).

        A failed state raises :class:`~drflow.vbr.MountFailed`. A mount that disappears while
        waited for means its session ended: with ``session_id`` the session's failure
        (``SessionFailed``) is raised, otherwise ``NotFound``.
        """
        wanted = set(self.ready if until is None else until)
        chosen = self._backoff(backoff)
        try:
            with self._reader(mount_id, chosen) as reader:
                return wait_for_state(
                    reader.read,
                    lambda mount: mount.state,
                    until=wanted,
                    fail=set(self.failed) - wanted,
                    failed=self.describe_failure,
                    timeout=timeout,
                    backoff=chosen,
                    what=f"{self.noun} {mount_id}",
                    on_poll=on_poll,
                    sleep=reader.sleep,
                )
        except NotFound:
            if session_id is None:
                raise
            self._client.sessions.wait(session_id, timeout=timeout)
            raise

    def wait_until_gone(
        self, mount_id: UUID | str, *, timeout: float = 600.0, backoff: Backoff | None = None
    ) -> None:
        """Poll until the mount no longer exists (after an unmount or a migration)."""
        chosen = self._backoff(backoff)
        with self._reader(mount_id, chosen) as reader:

            def gone() -> bool:
                try:
                    reader.read()
                except NotFound:
                    return True
                return False

            poll(
                gone,
                bool,
                timeout=timeout,
                backoff=chosen,
                what=f"{self.noun} {mount_id} to go away",
                sleep=reader.sleep,
            )


def _error_message(mount: object) -> str | None:
    return getattr(mount, "error_message", None)
