"""Running the simulator over real HTTP(S) with uvicorn.

- :class:`SimulatorServer`: a context manager running the app in a background thread, for
  tests and demos (``with SimulatorServer(config, tls=True) as sim: sim.url, sim.ca_bundle``);
  ``restart()`` stops it and starts a new simulator on the same port, as a restarted VBR
  server (what it keeps is in ``config.state_file``: :mod:`drflow.simulator.persistence`).
- :func:`serve`: runs in the foreground until interrupted, for ``drflow simulator``.

Both serve with :class:`_Server`, uvicorn's server made a
:class:`~drflow.simulator.outage.Listener`: an outage in refuse mode closes its listening
socket and connections, and it listens again on the same address when the outage ends.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

import uvicorn
from starlette.types import ASGIApp

from .app import create_app
from .clock import Clock
from .config import SimulatorConfig
from .state import Simulator
from .tls import TLSMaterial, generate_self_signed

_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return _bind_address(family, (host, port))


def _bind_address(family: socket.AddressFamily, address: tuple[object, ...]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux. Without it, the response body (a second
    # small write after the headers) waits for the client's delayed ACK: ~40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(scheme: str, host: str, port: int) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - only to print a usable address
        host = "127.0.0.1"
    if host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server on given sockets, telling a thread when it accepts connections, and able
    to stop listening for a while (an outage in refuse mode)."""

    def __init__(self, config: uvicorn.Config, sim: Simulator) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.sim = sim
        self._loop: asyncio.AbstractEventLoop | None = None
        self._address: tuple[socket.AddressFamily, tuple[object, ...]] | None = None
        self._dark: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            assert sockets, "the simulator's server listens on the sockets it is given"
            self._loop = asyncio.get_running_loop()
            self._address = (sockets[0].family, sockets[0].getsockname())
            self.sim.outages.listener = self
            self.ready.set()

    def go_dark(self, seconds: float) -> None:
        """Stop listening now, and listen again ``seconds`` later (from any thread; on the
        server's own loop, the listening socket is closed before this returns)."""
        assert self._loop is not None
        try:
            here = asyncio.get_running_loop() is self._loop
        except RuntimeError:  # another thread
            here = False
        if here:
            self._go_dark(seconds)
        else:
            self._loop.call_soon_threadsafe(self._go_dark, seconds)

    def _go_dark(self, seconds: float) -> None:
        listening, self.servers = self.servers, []
        for server in listening:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # closes it once its answer, if any, is out
        self._dark = asyncio.get_running_loop().create_task(self._listen_again(seconds))

    async def _listen_again(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        assert self._address is not None
        family, address = self._address
        while not self.should_exit:
            try:
                sock = _bind_address(family, address)
            except OSError:  # the port is briefly held by the closing socket
                await asyncio.sleep(0.05)
                continue
            server = await asyncio.get_running_loop().create_server(
                self._protocol, sock=sock, ssl=self.config.ssl, backlog=self.config.backlog
            )
            self.servers.append(server)
            return

    def _protocol(self, _loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
        """A connection's protocol, as uvicorn makes them."""
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
            _loop=_loop,
        )


def _served(sim: Simulator, app: ASGIApp) -> ASGIApp:
    """The app, saving the simulator's state before its answers when it has a state file."""
    return sim.state_file.wrap(app) if sim.state_file is not None else app


def _uvicorn_config(app, tls: TLSMaterial | None, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        access_log=log_level in ("debug", "trace"),
        ssl_certfile=str(tls.cert_path) if tls else None,
        ssl_keyfile=str(tls.key_path) if tls else None,
        timeout_graceful_shutdown=2,
    )


class SimulatorServer:
    """The simulator on ``host:port`` (port 0: a free one) in a background thread.

    ``.url`` is ``http(s)://127.0.0.1:<port>``; with ``tls=True`` a self-signed certificate is
    generated (into ``tls_dir`` or a temporary directory removed on exit) and ``.ca_bundle``
    (its PEM path) and ``.fingerprint`` (SHA-256, ``AB:CD:...``) say how to trust it.
    ``.state`` is the live :class:`~drflow.simulator.state.Simulator` for introspection.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        clock: Clock | None = None,
        tls_dir: Path | None = None,
        log_level: str = "warning",
        startup_timeout: float = 15.0,
    ) -> None:
        self.config = config or SimulatorConfig()
        self.host = host
        self.port = port
        self.tls = tls
        self.clock = clock
        self.tls_dir = tls_dir
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        self.url: str = ""
        self.tls_material: TLSMaterial | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.app = create_app(self.config, clock)
        self.state: Simulator = self.app.sim

    @property
    def fingerprint(self) -> str | None:
        return self.tls_material.fingerprint if self.tls_material else None

    @property
    def ca_bundle(self) -> Path | None:
        return self.tls_material.cert_path if self.tls_material else None

    def start(self) -> SimulatorServer:
        if self._thread is not None:
            raise RuntimeError("the simulator server is already running")
        if self.tls and (self.tls_material is None or not self.tls_material.cert_path.exists()):
            directory = self.tls_dir
            if directory is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="drflow-sim-tls-")
                directory = Path(self._tmp.name)
            self.tls_material = generate_self_signed(directory)
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.url = _url("https" if self.tls else "http", self.host, self.port)
        self._server = _Server(
            _uvicorn_config(_served(self.state, self.app), self.tls_material, self.log_level),
            self.state,
        )
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"drflow-simulator-{self.port}",
            daemon=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        self._thread.start()
        try:
            while not self._server.ready.wait(0.05):
                if not self._thread.is_alive():
                    raise RuntimeError("the simulator server stopped during start-up")
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the simulator did not start within {self.startup_timeout} s"
                    )
        except BaseException:
            self.stop()
            sock.close()
            raise
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout=5)
        self._server = self._thread = None
        if self.state.state_file is not None:
            self.state.state_file.save()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def restart(self, downtime: float = 0.0) -> SimulatorServer:
        """Stop, then serve a new simulator (built as at start-up: from ``config.state_file``
        when it is set, else afresh) on the same port, same TLS certificate and URL, refusing
        connections for ``downtime`` seconds in between, as a restarting server does."""
        back = time.monotonic() + downtime
        tmp, self._tmp = self._tmp, None  # keep the certificate across the restart
        self.stop()
        self._tmp = tmp
        self.app = create_app(self.config, self.clock)
        self.state = self.app.sim
        time.sleep(max(0.0, back - time.monotonic()))
        return self.start()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    config: SimulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 9419,
    tls: bool = False,
    tls_dir: Path | None = None,
    log_level: str = "info",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> None:
    """Run the simulator in the foreground until interrupted (Ctrl-C).

    ``out`` (stdout) gets the banner; ``err`` (stderr) the warning when ``host`` is not a
    loopback address.
    """
    out = out or sys.stdout
    config = config or SimulatorConfig()
    app = create_app(config)
    material = None
    tmp = None
    if tls:
        if tls_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="drflow-sim-tls-")
            tls_dir = Path(tmp.name)
        material = generate_self_signed(tls_dir)
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    url = _url("https" if tls else "http", host, port)
    users = ", ".join(f"{name} ({role.value})" for name, role in config.users.items())
    print(f"drflow VBR simulator (REST API {', '.join(config.api_versions)}) at {url}", file=out)
    print(f"  users: {users}", file=out)
    demo_password = SimulatorConfig.model_fields["password"].default
    if config.password == demo_password:
        print(f"  password: {demo_password}  (the simulator's demo password)", file=out)
    else:
        print("  password: the one given with --password (not shown)", file=out)
    print(f"  speed: x{config.speed:g}, access tokens live {config.token_ttl} s", file=out)
    print(f"  estate: {config.estate}", file=out)
    if config.faults:
        print(f"  fault rules: {len(config.faults)} (GET {url}/_sim/faults)", file=out)
    print(
        f"  admin API: {url}/_sim/stats, {url}/_sim/faults, {url}/_sim/outage, {url}/_sim/reset",
        file=out,
    )
    if config.state_file is not None:
        print(f"  state file: {config.state_file} (kept across restarts)", file=out)
    if material is not None:
        print(f"  TLS certificate (CA bundle): {material.cert_path}", file=out)
        print(f"  SHA-256 fingerprint: {material.fingerprint}", file=out)
    if not _is_loopback(host):
        print(
            f"WARNING: listening on {host}, reachable from other machines. The simulator has "
            "no real security: a published password, no rate limiting, and an unauthenticated "
            "admin API (/_sim) that can reset or break it. Use it only on trusted networks.",
            file=err or sys.stderr,
            flush=True,
        )
    out.flush()
    sim = app.sim
    server = _Server(_uvicorn_config(_served(sim, app), material, log_level), sim)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        if sim.state_file is not None:
            sim.state_file.save()
        if tmp is not None:
            tmp.cleanup()
