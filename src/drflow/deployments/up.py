"""``drflow up``: a local Prefect server, the VBR simulator and every deployment, served."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
from rich.console import Console

from drflow.console import plain_console
from drflow.deployments import SetupError
from drflow.embedded import embedded_simulator
from drflow.env import environment


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def prefect_server(port: int, console: Console, timeout: float = 120.0) -> Iterator[str]:
    """A ``prefect server start`` (SQLite) on 127.0.0.1:``port`` for the duration of the block."""
    api = f"http://127.0.0.1:{port}/api"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter running prefect
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # The UI asks this address for the API; by default it is :4200's, not ours.
            "PREFECT_UI_API_URL": api,
            # The runs' UI links in notifications ({{ flow_run|ui_url }}) start here.
            "PREFECT_UI_URL": api.removesuffix("/api"),
        },
        # Out of the terminal's process group: Ctrl-C must not kill the server while the
        # runner still cancels the runs in progress (and their hooks clean up through it).
        # drflow up stops it last.
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise SetupError(f"prefect server exited with {process.returncode}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SetupError(f"prefect server did not answer on {api} within {timeout:.0f}s")
            time.sleep(0.5)
        console.print(f"Prefect server: {api.removesuffix('/api')}")
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _flush_to_api(timeout: float = 10.0) -> None:
    """Send the logs and events this process still queues while the API answers: at
    interpreter exit Prefect waits for them without a deadline, so draining them after the
    server stopped would hang ``drflow up`` for good."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for service in (APILogWorker, EventsWorker):
        try:
            service.drain_all(timeout=timeout)
        except Exception:  # noqa: S112 - best effort on the way out
            continue


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _signal_handlers(handlers: dict[int, Callable[[int, Any], Any]]) -> Iterator[None]:
    saved = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _graceful_ctrl_c(console: Console) -> Callable[[int, Any], None]:
    """Ctrl-C once: stop like SIGTERM does for a Prefect runner (runs in progress are
    cancelled, so their on_cancellation hooks unmount what they recovered; deployments are
    paused). Ctrl-C again: stop now."""
    pressed = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal pressed
        if pressed:
            raise KeyboardInterrupt
        pressed = True
        console.print("Stopping: cancelling the runs in progress (Ctrl-C again to force)")
        os.kill(os.getpid(), signal.SIGTERM)  # the runner's graceful shutdown

    return handler


def up(
    *,
    port: int = 4200,
    simulator_port: int = 9419,
    speed: float = 10.0,
    notify_block: str | None = None,
) -> None:
    """Start what is missing (Prefect server, simulator) and serve the deployments until Ctrl-C."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    console = plain_console()
    with ExitStack() as stack:
        # Until the runner takes SIGTERM over, SIGTERM unwinds this block (server stopped).
        stack.enter_context(_signal_handlers({signal.SIGTERM: _exit_on_sigterm}))
        api = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
        if not api:
            if not _free(port):
                raise SetupError(
                    f"port {port} is taken: set PREFECT_API_URL to that server, or --port"
                )
            api = stack.enter_context(prefect_server(port, console))
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api}))
            stack.enter_context(environment({"PREFECT_API_URL": api}))
        stack.callback(_flush_to_api)  # before the server stops
        if not os.environ.get("DRFLOW_VBR_URL"):
            sim = stack.enter_context(
                embedded_simulator(speed, port=simulator_port if _free(simulator_port) else 0)
            )
            console.print(
                f"VBR simulator: {sim.url} (x{speed:g}, password {sim.config.password!r}). No "
                "DRFLOW_VBR_URL: the deployments run against drflow's VBR SIMULATOR, not a VBR; "
                "their evidence says so"
            )
        from prefect import serve

        from drflow.deployments import runner_deployments
        from drflow.drills import ensure_concurrency_limit

        size = ensure_concurrency_limit()
        console.print(f"Global concurrency limit vbr-restore-sessions: {size}")
        if notify_block:
            from drflow.deployments.notify import ensure_automations

            for automation in ensure_automations(notify_block):
                console.print(
                    f"Automation {automation.name!r} notifies through block {notify_block!r}"
                )
        deployments = runner_deployments()
        ui = api.removesuffix("/api")
        console.print(
            f"Serving {len(deployments)} deployments. Prefect UI: [bold]{ui}[/] (Ctrl-C stops all)"
        )
        with _signal_handlers({signal.SIGINT: _graceful_ctrl_c(console)}):
            serve(*deployments, print_starting_message=False)
