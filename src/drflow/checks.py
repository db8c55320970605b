"""Workload checks: is the recovered machine actually serving?

Each check has its own deadline and retry interval: it passes the first time it succeeds and
fails when its deadline passes first. No Prefect here; ``drflow.tasks.checks`` wraps it.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from functools import cache
from typing import Annotated, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline: float = Field(default=300.0, gt=0, description="Seconds before the check fails.")
    interval: float = Field(default=5.0, gt=0, description="Seconds between two tries.")


class HttpCheck(_Check):
    """An HTTP(S) GET that must answer ``expect_status`` (and contain ``body_contains``)."""

    kind: Literal["http"] = "http"
    url: str = Field(description="URL to GET; {vm} is replaced by the VM name.")
    expect_status: int = Field(default=200, description="The status that means healthy.")
    body_contains: str | None = Field(default=None, description="Text the body must contain.")
    verify_tls: bool = Field(default=True, description="Verify the workload's certificate.")

    def describe(self, vm: str) -> str:
        return f"GET {self.url.format(vm=vm)} -> {self.expect_status}"

    def attempt(self, vm: str) -> str | None:
        url = self.url.format(vm=vm)
        try:
            response = httpx.get(
                url, timeout=min(self.interval * 2, 30), verify=_tls_context(self.verify_tls)
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status_code != self.expect_status:
            return f"answered {response.status_code}, expected {self.expect_status}"
        if self.body_contains and self.body_contains not in response.text:
            return f"body does not contain {self.body_contains!r}"
        return None


@cache
def _tls_context(verify: bool) -> ssl.SSLContext:
    """httpx's TLS context for ``verify``, made once: making it loads the CA bundle (tens of
    milliseconds of CPU), and a check tries every few seconds, many workloads at once."""
    return httpx.create_ssl_context(verify=verify)


class TcpCheck(_Check):
    """A TCP connection to ``host:port`` must open."""

    kind: Literal["tcp"] = "tcp"
    host: str = Field(description="Host to connect to; {vm} is replaced by the VM name.")
    port: int = Field(gt=0, lt=65536, description="TCP port.")

    def describe(self, vm: str) -> str:
        return f"TCP {self.host.format(vm=vm)}:{self.port}"

    def attempt(self, vm: str) -> str | None:
        try:
            with socket.create_connection((self.host.format(vm=vm), self.port), timeout=5):
                return None
        except OSError as exc:
            return str(exc)


class CommandCheck(_Check):
    """A command (no shell) that must exit with ``expect_exit``, e.g. a smoke-test script."""

    kind: Literal["command"] = "command"
    command: list[str] = Field(
        min_length=1, description="Program and arguments; {vm} is replaced by the VM name."
    )
    expect_exit: int = Field(default=0, description="The exit code that means healthy.")
    attempt_timeout: float = Field(default=60, gt=0, description="Seconds one run may take.")

    def describe(self, vm: str) -> str:
        return f"$ {' '.join(part.format(vm=vm) for part in self.command)}"

    def attempt(self, vm: str) -> str | None:
        argv = [part.format(vm=vm) for part in self.command]
        try:
            done = subprocess.run(  # noqa: S603 - the operator's own check, run without a shell
                argv, capture_output=True, text=True, timeout=self.attempt_timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{type(exc).__name__}: {exc}"
        if done.returncode != self.expect_exit:
            output = (done.stderr or done.stdout).strip().splitlines()
            last = f": {output[-1][:200]}" if output else ""
            return f"exited {done.returncode}, expected {self.expect_exit}{last}"
        return None


Check = Annotated[HttpCheck | TcpCheck | CommandCheck, Field(discriminator="kind")]


class CheckResult(BaseModel):
    """The outcome of one check."""

    check: str
    passed: bool
    attempts: int
    seconds: float
    detail: str = ""


def run_check(
    check: HttpCheck | TcpCheck | CommandCheck,
    vm: str,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckResult:
    """Try ``check`` until it passes or its deadline passes."""
    start = clock()
    attempts = 0
    while True:
        attempts += 1
        problem = check.attempt(vm)
        elapsed = clock() - start
        if problem is None:
            return CheckResult(
                check=check.describe(vm), passed=True, attempts=attempts, seconds=elapsed
            )
        remaining = check.deadline - elapsed
        if remaining <= 0:
            return CheckResult(
                check=check.describe(vm),
                passed=False,
                attempts=attempts,
                seconds=elapsed,
                detail=f"still failing after {check.deadline:.0f}s: {problem}",
            )
        sleep(min(check.interval, remaining))
