"""Waits of one client share their reads of mounts the kind's list can filter by id.

vSphere's list filters by mount id (``mountIdFilter``): every thread waiting on a vSphere mount
is answered by one list call of all the mounts being waited for (:class:`SharedReads`), so a
drill of N workloads costs one call per poll, not N. Each wait polls at intervals that follow
the time already waited (:data:`FOLLOW_SHARE` of it, at least ``poll_initial``), on ticks of a
third of ``poll_initial`` (:data:`TICKS_PER_POLL`): one list answers every wait that polls at a
tick, and between its own polls a wait wakes up to every list that has its mount. Waits that
began on different ticks thus list in turn, and each sees the others' lists: the more waits,
the sooner each one sees its mount change, at no more than three lists a second (with the
default ``poll_initial`` of 1 s); a wait on its own polls as often as it would alone.

Kinds whose list cannot filter by id are read one mount at a time (``kind.get``).
"""

from __future__ import annotations

import operator
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from ._exceptions import NotFound
from .polling import Backoff

if TYPE_CHECKING:
    from ._client import VBRClient
    from .mounts import MountKind

__all__ = [
    "FOLLOW_SHARE",
    "IDS_PER_LIST",
    "TICKS_PER_POLL",
    "Reader",
    "SharedReads",
    "reader",
    "shared_reads",
    "wait_backoff",
]

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
    meanwhile take that answer. A list that fails is no answer: its error goes to the thread
    that listed (whose budget it ran out of), and the next thread to ask lists itself.
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
        self._answer: dict[str, M] = {}
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
            return self._answer.get(mount_id)

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
                return self._answer.get(mount_id)
        started = time.monotonic()
        try:
            answer = {
                str(self._id_of(mount)): mount
                for chunk in range(0, len(ids), IDS_PER_LIST)
                for mount in self._read_many(ids[chunk : chunk + IDS_PER_LIST])
            }
        except BaseException:
            with self._cond:
                self._listing = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._listing = False
            self._asked, self._answer, self._started = frozenset(ids), answer, started
            self._lists += 1
            self._cond.notify_all()
            return answer.get(mount_id)


_registry: weakref.WeakKeyDictionary[VBRClient, dict[str, SharedReads[Any]]] = (
    weakref.WeakKeyDictionary()
)
_registry_lock = threading.Lock()


def shared_reads(client: VBRClient, kind: MountKind[M]) -> SharedReads[M] | None:
    """The shared reads of ``kind``'s mounts for ``client``; None when its list cannot filter
    by mount id (each wait then reads its own mount)."""
    list_by_ids = kind.list_by_ids
    if list_by_ids is None:
        return None
    with _registry_lock:
        of_client = _registry.setdefault(client, {})
        shared = of_client.get(kind.name)
        if shared is None:
            owner = weakref.ref(client)  # the registry must not keep a closed client alive

            def read_many(ids: Sequence[str]) -> Iterable[M]:
                alive = owner()
                if alive is None:
                    raise RuntimeError("the VBR client of these shared reads is gone")
                return list_by_ids(alive, ids)

            shared = of_client[kind.name] = SharedReads(read_many, operator.attrgetter("id"))
        return shared


def wait_backoff(client: VBRClient, kind: MountKind[Any], backoff: Backoff | None) -> Backoff:
    """The backoff of a wait on a ``kind`` mount: on shared ticks when its reads are shared."""
    chosen = backoff or client.backoff
    if kind.list_by_ids is not None and chosen.share is None:
        return chosen.following(FOLLOW_SHARE, tick=chosen.initial / TICKS_PER_POLL)
    return chosen


class Reader(NamedTuple, Generic[M]):
    """How a wait reads its mount (None: it does not exist, or no longer), and sleeps
    between its polls."""

    read: Callable[[], M | None]
    sleep: Callable[[float], None]


@contextmanager
def reader(
    client: VBRClient,
    kind: MountKind[M],
    mount_id: UUID | str,
    backoff: Backoff,
    *,
    at_tick: bool = True,
) -> Iterator[Reader[M]]:
    """How a wait reads the mount: from the shared reads when there are, else a GET.

    A shared wait (``at_tick``) takes its first read at the next tick, with the others,
    unless a list of this tick already has the mount; between its own polls it wakes up
    to every list that has its mount (another wait's poll) and takes that answer. A
    single read (``at_tick=False``) takes a list up to ``poll_initial`` old, else lists at once.
    """
    shared = shared_reads(client, kind)
    if shared is None:

        def get() -> M | None:
            try:
                return kind.get(client, mount_id)
            except NotFound:
                return None

        yield Reader(get, time.sleep)
        return
    key = str(mount_id)
    max_age = (backoff.tick or backoff.initial) / 2 if at_tick else backoff.initial
    joining = at_tick and backoff.tick is not None
    news = False

    def sleep(seconds: float) -> None:
        nonlocal news
        news = shared.wait_for_list(key, seconds)

    def read() -> M | None:
        nonlocal joining, news
        if joining and not shared.fresh(key, max_age):
            sleep(max(0.0, backoff.next_tick(time.monotonic()) - time.monotonic()))
        joining = False
        mount = shared.latest(key) if news else shared.read(key, max_age=max_age)
        news = False
        return mount

    with shared.watching(key):
        yield Reader(read, sleep)
