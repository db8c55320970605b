"""A drill's slots of the global limit: handed on within the drill, given back to Prefect when
no workload of the drill takes them, and Prefect's limit is what they are counted against."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from uuid import uuid4

import pytest

from drflow.drills.slots import HeldSlots

pytestmark = pytest.mark.flow


@pytest.fixture
def limit_of_one() -> Iterator[str]:
    from prefect import get_client

    name = f"drflow-test-{uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)
        try:
            yield name
        finally:
            client.delete_global_concurrency_limit_by_name(name)


def active(name: str) -> int:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name).active_slots


def eventually_active(name: str, slots: int) -> None:
    deadline = time.monotonic() + 10
    while active(name) != slots:
        assert time.monotonic() < deadline, f"{name} kept {active(name)} active slots"
        time.sleep(0.05)


def test_a_slot_given_back_goes_to_the_drills_next_workload(limit_of_one: str) -> None:
    held = HeldSlots(limit_of_one, linger=60)
    with held.slot():
        assert active(limit_of_one) == 1
    assert active(limit_of_one) == 1  # still the drill's, for its next workload

    taken = threading.Event()

    def next_workload() -> None:
        with held.slot():  # through Prefect it would wait forever: the limit is 1, and held
            taken.set()

    thread = threading.Thread(target=next_workload, daemon=True)
    thread.start()
    assert taken.wait(10)
    thread.join(10)
    held.close()
    assert active(limit_of_one) == 0  # back with Prefect when close returns


def test_a_slot_no_workload_takes_goes_back_to_prefect(limit_of_one: str) -> None:
    held = HeldSlots(limit_of_one, linger=0.2)
    with held.slot():
        pass
    eventually_active(limit_of_one, 0)
    other = HeldSlots(limit_of_one)  # another drill gets it
    with other.slot():
        assert active(limit_of_one) == 1
    other.close()
    eventually_active(limit_of_one, 0)


def test_a_closed_drill_gives_slots_back_at_once(limit_of_one: str) -> None:
    held = HeldSlots(limit_of_one, linger=60)
    with held.slot():
        held.close()  # the drill ended (cancelled) while this workload still ran
    eventually_active(limit_of_one, 0)  # given back as the workload ends, in the background


def test_a_missing_limit_is_an_error() -> None:
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

    with pytest.raises(ConcurrencySlotAcquisitionError), HeldSlots("drflow-no-such-limit").slot():
        pytest.fail("took a slot of a limit that does not exist")


def in_thread(fn: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def test_a_workload_that_comes_while_slots_are_reserved_takes_one_of_them(
    limit_of_one: str,
) -> None:
    held = HeldSlots(limit_of_one)
    held.reserve(1)  # the first wave's slot,
    held.prefetch()  # taken while its run starts
    held.prefetch()  # (only one was reserved)
    taken = threading.Event()

    def workload() -> None:
        with held.slot():  # through Prefect it would wait forever: the reserved one is taken
            assert active(limit_of_one) == 1
            taken.set()

    in_thread(workload).join(10)
    assert taken.is_set()
    held.close()
    eventually_active(limit_of_one, 0)


def test_a_reservation_prefect_refuses_leaves_the_workload_to_meet_the_error() -> None:
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

    held = HeldSlots("drflow-no-such-limit")
    held.reserve(2)
    held.prefetch()
    held.prefetch()
    with pytest.raises(ConcurrencySlotAcquisitionError), held.slot():
        pytest.fail("took a slot of a limit that does not exist")


def test_a_workload_whose_slots_were_free_goes_on_past_the_deadline(limit_of_one: str) -> None:
    """The drill started it in time; only a wait for a slot can make it late."""
    from datetime import UTC, datetime, timedelta

    from drflow.drills.run import Slots
    from drflow.drills.slots import DeadlinePassed

    passed = datetime.now(UTC) - timedelta(seconds=1)
    held = HeldSlots(limit_of_one)
    held.reserve(1)
    held.prefetch()  # the drill's own slot, prefetched while the run started
    slots = Slots(
        *(threading.Semaphore(1) for _ in range(2)),
        held,
        *(threading.Semaphore(1) for _ in range(2)),
    )
    with slots.take(passed):
        pass
    fresh = Slots(
        *(threading.Semaphore(1) for _ in range(2)),
        HeldSlots(limit_of_one),
        *(threading.Semaphore(1) for _ in range(2)),
    )
    held.close()
    with pytest.raises(DeadlinePassed), fresh.take(passed):  # taken from Prefect: may be late
        pytest.fail("started past the deadline")
    fresh.limit.close()
