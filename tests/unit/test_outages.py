"""Outages: recorded per client, logged once and then sparingly, never once per attempt."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.unit.support import TOKEN

from drflow.vbr import Outage, Outages, RetryPolicy, VBRClient, VBRSettings
from drflow.vbr.outages import format_duration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EMPTY_PAGE = {"data": [], "pagination": {"total": 0, "count": 0, "skip": 0, "limit": 200}}


class Clock:
    """Monotonic seconds and the wall-clock time they stand for; moved by ``sleep``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.now)

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def outages(clock: Clock) -> Outages:
    return Outages("http://vbr.test:9419", clock=clock, now=clock.wall)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "drflow.vbr" and r.levelno >= logging.WARNING
    ]


def test_a_minute_long_outage_is_a_handful_of_lines_not_one_per_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """VBR refuses connections for 60 s; one read rides it out, retrying every few seconds."""
    clock = Clock()
    attempts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        attempts.append(clock.now)
        if clock.now < 60:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, json=EMPTY_PAGE)

    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p"),
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(jitter=0.0, clock=clock, sleep=clock.sleep),
    )
    client.outages = outages(clock)
    caplog.set_level(logging.DEBUG, logger="drflow.vbr")

    assert client.backups.list_page().pagination.total == 0

    lines = warnings_of(caplog)
    assert len(attempts) >= 10
    assert len(lines) <= 4, lines
    assert lines[0].startswith("VBR at http://vbr.test:9419 unavailable for 7.5s (")
    assert "connection refused" in lines[0]
    assert any("still unavailable after" in line for line in lines[1:-1])
    assert lines[-1] == "VBR at http://vbr.test:9419 answers again after 1m06s"
    [outage] = client.outages.records()
    assert (outage.start, outage.end) == (T0, T0 + timedelta(seconds=65.5))
    assert outage.failures == len(attempts) - 1
    assert "connection refused" in outage.cause


def test_a_blip_is_recorded_but_not_logged_as_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    record = outages(clock)
    caplog.set_level(logging.DEBUG, logger="drflow.vbr")
    record.failed("GET /api/v1/backups -> 503")
    clock.sleep(0.5)
    record.answered()
    assert warnings_of(caplog) == []
    assert record.records() == [
        Outage(T0, T0 + timedelta(seconds=0.5), "GET /api/v1/backups -> 503", 1)
    ]


def test_many_threads_failing_make_one_outage() -> None:
    clock = Clock()
    record = outages(clock)
    threads = [threading.Thread(target=record.failed, args=("refused",)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert record.current == Outage(T0, None, "refused", 20)
    clock.sleep(30)
    record.answered()
    record.answered()  # answers after it closed change nothing
    assert [o.duration() for o in record.records()] == [timedelta(seconds=30)]
    assert record.current is None


def test_time_unavailable_between_two_moments() -> None:
    clock = Clock()
    record = outages(clock)
    for start, length in ((10, 20), (100, 5)):  # 12:00:10-12:00:30 and 12:01:40-12:01:45
        clock.now = start
        record.failed("refused")
        clock.sleep(length)
        record.answered()
    clock.now = 200
    record.failed("refused")  # still going on at 12:03:20 + 10 s
    clock.sleep(10)

    def at(seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)

    assert record.unavailable_between(at(0), at(300)) == timedelta(seconds=20 + 5 + 10)
    assert record.unavailable_between(at(20), at(102)) == timedelta(seconds=10 + 2)
    assert record.unavailable_between(at(40), at(90)) == timedelta()
    assert record.unavailable_between(at(205)) == timedelta(seconds=5)  # until now


def test_errors_that_are_answers_close_an_outage() -> None:
    """A 404 is VBR answering: the outage before it is over."""
    clock = Clock()
    answers = iter([httpx.Response(503), httpx.Response(404, json={"errorCode": "NotFound"})])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        return next(answers)

    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p"),
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(jitter=0.0, clock=clock, sleep=clock.sleep),
    )
    client.outages = outages(clock)
    with pytest.raises(Exception, match="404"):
        client.backups.get("00000000-0000-0000-0000-000000000001")
    [outage] = client.outages.records()
    assert outage.end == T0 + timedelta(seconds=0.5)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.42, "0.4s"), (7.5, "7.5s"), (42, "42s"), (65, "1m05s"), (3723, "1h02m03s")],
)
def test_durations_read_as_people_write_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
