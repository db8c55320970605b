"""``drflow simulator`` listens on 127.0.0.1 unless told otherwise, and warns on stderr when it
is told to listen elsewhere (it has a published password and an unauthenticated admin API).

The command runs in a subprocess; its output is polled until the banner is complete, then the
process is terminated.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.security, pytest.mark.integration]

STARTED = re.compile(r"admin API: (https?)://([^:/]+):(\d+)/_sim/stats")


class Running:
    """A ``drflow simulator`` process whose stdout and stderr go to files."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.out, self.err = tmp_path / "out.txt", tmp_path / "err.txt"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from drflow.simulator.cli import main; main()", *args],
                stdout=out,
                stderr=err,
            )

    def banner(self, deadline: float = 60.0) -> re.Match[str]:
        """The banner's admin API line, once the simulator printed it and answers on it."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            match = STARTED.search(self.out.read_text())
            if match and _answers(int(match.group(3))):
                return match
            assert self.process.poll() is None, self.err.read_text()
            time.sleep(0.05)
        raise AssertionError(f"not started within {deadline} s: {self.err.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


PASSWORD = f"canary-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def simulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    """Both started at once (each takes seconds to import): on the default address, and on
    every address with a password of its own."""
    started = {
        "default": Running(tmp_path_factory.mktemp("default"), "--port", "0"),
        "everywhere": Running(
            tmp_path_factory.mktemp("everywhere"),
            *("--port", "0", "--host", "0.0.0.0", "--password", PASSWORD),  # noqa: S104
        ),
    }
    yield started
    for running in started.values():
        running.stop()


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            addresses.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return addresses


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
def test_binds_to_loopback_by_default_and_says_nothing(simulators) -> None:
    running = simulators["default"]
    scheme, host, port = running.banner().groups()

    assert (scheme, host) == ("http", "127.0.0.1")
    assert listening_addresses(int(port)) == {"127.0.0.1"}
    assert "WARNING" not in running.err.read_text() + running.out.read_text()


def test_warns_on_stderr_when_bound_elsewhere_and_hides_a_chosen_password(simulators) -> None:
    running = simulators["everywhere"]
    port = running.banner().group(3)

    errors = running.err.read_text()
    assert "WARNING: listening on 0.0.0.0, reachable from other machines" in errors
    assert "unauthenticated admin API" in errors
    assert "WARNING" not in running.out.read_text()  # on stderr, where warnings belong
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(int(port)) == {"0.0.0.0"}  # noqa: S104
    assert PASSWORD not in running.out.read_text() + errors
