"""Helpers of the end-to-end tests: child processes that are always stopped, a real Prefect
server, polling with deadlines and the Prefect REST API."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tests.prefect_database import server_env

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def project_deployments() -> dict[tuple[str, str], dict[str, Any]]:
    """The deployments of ``prefect.yaml`` by (flow name, deployment name)."""
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
    return {(load_flow_from_entrypoint(d["entrypoint"]).name, d["name"]): d for d in spec}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(prefect_home: Path, api_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child process: this one without any PREFECT_* / DRFLOW_* setting
    of the developer's shell (a profile, a Cloud key, a real VBR), plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DRFLOW_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Child:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path, cwd: Path = REPO):
        self.args = args
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() reaches its children too
        )
        self.pid = self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def group_alive(self) -> bool:
        """Any process left in the child's process group (the child or one it started)."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """``sig`` to the whole group, then SIGKILL to what is left after ``timeout``, and to
        what it had started in sessions of their own (a worker's flow-run processes)."""
        others = descendants(self.pid) if self.running() else set()
        try:
            if self.group_alive():
                self.signal_group(sig)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if self.process.poll() is not None and not self.group_alive():
                        break
                    time.sleep(0.1)
                if self.group_alive():
                    self.signal_group(signal.SIGKILL)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            for pid in others:
                if alive(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        finally:
            self._out.close()


def run_cli(
    args: list[str], env: Mapping[str, str], timeout: float = 180.0, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; fail the test with its output when it fails."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


def prefect_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


def poll(
    probe: Callable[[], T | None],
    timeout: float,
    what: str,
    interval: float = 0.5,
    alive: Child | None = None,
) -> T:
    """``probe()`` until it returns something truthy; AssertionError after ``timeout``, or as
    soon as ``alive`` (a process the wait depends on) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if alive is not None and not alive.running():
            raise AssertionError(
                f"{what}: {alive.args[2:5]} exited {alive.process.returncode}\n{alive.tail()}"
            )
        if time.monotonic() > deadline:
            log = f"\n{alive.tail()}" if alive is not None else ""
            raise AssertionError(f"{what}: not within {timeout:.0f}s{log}")
        time.sleep(interval)


def healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI timeout, ``kill``) raises KeyboardInterrupt in the block: pytest then
    runs the fixtures' finalizers, which stop the child processes (they live in their own
    sessions, so nothing else would)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave the handler as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def prefect_server(
    home: Path, timeout: float = 180.0, database_url: str | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """``prefect server start`` on a free port, its database SQLite in ``home`` or the one at
    ``database_url`` (``postgresql+asyncpg://...``); yields the API URL and the environment
    for child processes that use it. Always stopped on exit."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = child_env(home, api)
    database = _database(home, database_url)
    server = Child(
        prefect_cli("server", "start", "--host", "127.0.0.1", "--port", str(port)),
        {**env, "PREFECT_UI_API_URL": api, **database},
        home / "server.log",
    )
    try:
        poll(lambda: healthy(api), timeout, f"Prefect server health at {api}", alive=server)
        yield api, env
    finally:
        server.stop()


@contextmanager
def api_of_this_process(api: str) -> Iterator[None]:
    """This process's Prefect API is ``api`` while it lasts. Prefect's events worker is one
    per process whatever the API, sending to the API it started with: it is drained and
    stopped as this begins and before it ends, or the events sent here would go to the API
    before, and every event of the tests this process runs next (task runs' states among
    them) to a server that is gone."""
    from prefect.events.worker import EventsWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    EventsWorker.drain_all(timeout=15)
    with temporary_settings({PREFECT_API_URL: api}):
        try:
            yield
        finally:
            EventsWorker.drain_all(timeout=15)


def _database(home: Path, database_url: str | None) -> dict[str, str]:
    """A server's database settings: PostgreSQL at ``database_url``, else SQLite in ``home``,
    a copy of a migrated database (:mod:`tests.prefect_database`)."""
    if database_url:
        return {"PREFECT_API_DATABASE_CONNECTION_URL": database_url}
    return server_env(home)


def deploy_project(env: Mapping[str, str], pool: str) -> dict[str, float]:
    """A process work pool and every deployment of prefect.yaml, as an administrator would
    create them; returns how long each step took."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    run_cli(prefect_cli("work-pool", "create", pool, "--type", "process"), env)
    timings["work-pool create"] = time.monotonic() - started
    started = time.monotonic()
    run_cli(prefect_cli("--no-prompt", "deploy", "--all"), env)
    timings["deploy --all"] = time.monotonic() - started
    return timings


def process_worker(env: Mapping[str, str], pool: str, name: str, log: Path, *args: str) -> Child:
    """``prefect worker start`` for ``pool`` under ``name`` (the name its events carry)."""
    return Child(prefect_cli("worker", "start", "--pool", pool, "--name", name, *args), env, log)


class PostgresUnavailable(Exception):
    """PostgreSQL is not installed and cannot be installed here; the message says why."""


def postgres_bindir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``: Debian's newest /usr/lib/postgresql/N/bin, or
    the PATH's."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def install_postgres(timeout: float = 900.0) -> float:
    """Install Debian's ``postgresql`` package unless PostgreSQL is already there; return the
    seconds it took (0 when installed). PostgresUnavailable says why it cannot. Tests that
    ask at once (pytest-xdist workers) install it one after the other."""
    with _exclusive(Path(tempfile.gettempdir()) / "drflow-install-postgres.lock"):
        return _install_postgres(timeout)


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    import fcntl

    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install_postgres(timeout: float) -> float:
    if postgres_bindir() is not None:
        return 0.0
    if shutil.which("apt-get") is None:
        raise PostgresUnavailable("PostgreSQL is not installed and there is no apt-get here")
    sudo: list[str] = []
    if os.geteuid() != 0:
        ok = (
            shutil.which("sudo")
            and subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode
            == 0
        )
        if not ok:
            raise PostgresUnavailable(
                "PostgreSQL is not installed, and this user is not root and has no "
                "password-less sudo to apt-get install it"
            )
        sudo = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    started = time.monotonic()
    result = None
    for attempt in ([], [*sudo, "apt-get", "update"]):
        try:
            if attempt:  # the package lists may be missing or stale: refresh them once
                subprocess.run(attempt, env=env, capture_output=True, timeout=timeout, check=False)
            result = subprocess.run(
                install, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise PostgresUnavailable(f"apt-get took more than {timeout:.0f}s") from None
        if result.returncode == 0 and postgres_bindir() is not None:
            return time.monotonic() - started
    assert result is not None
    raise PostgresUnavailable(
        f"apt-get install postgresql failed (exit {result.returncode}): "
        f"{(result.stderr or result.stdout).strip()[-500:]}"
    )


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free port of 127.0.0.1 (``initdb`` in a temporary
    directory, as the ``postgres`` user when run as root: PostgreSQL refuses to run as root);
    yields the URL of its database ``prefect`` for Prefect. Always stopped and removed."""
    bindir = postgres_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (initdb not found)")
    user: str | None = None
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(
                "running as root and there is no postgres user to run PostgreSQL as"
            ) from None
        user = "postgres"
    top = Path(tempfile.mkdtemp(prefix="drflow-pg-"))
    data, port = top / "data", free_port()
    if user:
        shutil.chown(top, user)

    def run(*args: str) -> None:
        result = subprocess.run(
            [str(bindir / args[0]), *args[1:]],
            user=user,
            cwd=top,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            log = (top / "postgres.log").read_text() if (top / "postgres.log").exists() else ""
            raise AssertionError(f"{' '.join(args)}: {result.stdout}{result.stderr}{log}")

    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {top} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # a test: speed
    )
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run("pg_ctl", "-D", str(data), "-l", str(top / "postgres.log"), "-o", options, "-w",
            "-t", "60", "start")  # fmt: skip
        try:
            run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect")
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(top, ignore_errors=True)


class PrefectAPI:
    """The few REST calls the tests assert on."""

    def __init__(self, api: str) -> None:
        self.http = httpx.Client(base_url=api, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _json(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, f"{response.request.url}: {response.text}"
        return response.json()

    def _send(self, method: str, path: str, body: Any | None = None) -> Any:
        # SQLite under load answers 503 "database is locked"; Prefect's own client retries too.
        for wait in (0.5, 1, 2, 4, 8, 0):
            response = self.http.request(method, path, json=body)
            if response.status_code not in (429, 503) or not wait:
                return self._json(response)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Any:
        return self._send("GET", path)

    def post(self, path: str, body: Any | None = None) -> Any:
        return self._send("POST", path, body or {})

    def deployment(self, flow: str, name: str) -> dict[str, Any]:
        return self.get(f"/deployments/name/{flow}/{name}")

    def flow_run(self, run_id: str) -> dict[str, Any]:
        return self.get(f"/flow_runs/{run_id}")

    def flow_runs(self, **flow_runs: Any) -> list[dict[str, Any]]:
        return self.post("/flow_runs/filter", {"flow_runs": flow_runs, "limit": 200})

    def logs(self, run_id: str) -> list[dict[str, Any]]:
        return self.post(
            "/logs/filter",
            {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC", "limit": 200},
        )

    def workers_of(self, run_ids: list[str]) -> dict[str, str]:
        """Flow run id -> name of the worker that submitted it (its events
        ``prefect.worker.submitted-flow-run``)."""
        body = {"filter": {"event": {"name": ["prefect.worker.submitted-flow-run"]}}, "limit": 50}
        page = self.post("/events/filter", body)
        events = page["events"]
        while page.get("next_page"):  # 50 a page at most
            page = self._json(self.http.get(page["next_page"]))
            events += page["events"]
        found: dict[str, str] = {}
        for event in events:
            for related in event["related"]:
                run_id = related["prefect.resource.id"].removeprefix("prefect.flow-run.")
                if related.get("prefect.resource.role") == "flow-run" and run_id in run_ids:
                    found[run_id] = event["resource"]["prefect.resource.name"]
        return found

    def artifacts(self, run_id: str, key: str | None = None) -> list[dict[str, Any]]:
        artifacts: dict[str, Any] = {"flow_run_id": {"any_": [run_id]}}
        if key:
            artifacts["key"] = {"any_": [key]}
        return self.post("/artifacts/filter", {"artifacts": artifacts})


TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every process (Linux /proc)."""
    out: dict[int, int] = {}
    if not Path("/proc/self/stat").exists():  # not Linux: nothing to find
        return out
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def descendants(pid: int) -> set[int]:
    """Every process started by ``pid``, directly or not, alive now."""
    children: dict[int, list[int]] = {}
    for child, parent in _ppids().items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def restartable_prefect_server(
    home: Path, database_url: str | None = None
) -> tuple[Callable[[], Child], str, dict[str, str]]:
    """How to start ``prefect server start`` on one port again and again (a server restarted
    on the same address and database), its API URL, and the environment of its clients."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = child_env(home, api)
    database = _database(home, database_url)

    def start() -> Child:
        server = Child(
            prefect_cli("server", "start", "--host", "127.0.0.1", "--port", str(port)),
            {**env, "PREFECT_UI_API_URL": api, **database},
            home / "server.log",
        )
        poll(lambda: healthy(api), 180, f"Prefect server health at {api}", alive=server)
        return server

    return start, api, env


def drill_through_a_prefect_outage(
    home: Path, outage: float, database_url: str | None = None
) -> dict[str, Any]:
    """``drflow drill`` of four VMs (two groups) against a simulator, its Prefect server killed
    once the first VM is mounted and started again ``outage`` seconds later (same port and
    database). What the drill, the simulator and Prefect's API then say."""
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    start, api, env = restartable_prefect_server(home, database_url)
    plan = home / "outage.yaml"
    plan.write_text(
        "name: prefect-outage\n"
        "vbr: {url: '${DRFLOW_VBR_URL}'}\n"
        "max_parallel: 2\n"
        "groups:\n"
        "  - {name: first, workloads: [{name: db01, kind: vsphere, vm: db01},"
        " {name: app01, kind: vsphere, vm: app01}]}\n"
        "  - {name: then, workloads: [{name: web01, kind: vsphere, vm: web01},"
        " {name: web02, kind: vsphere, vm: web02}]}\n"
    )
    server = start()
    try:
        with SimulatorServer(SimulatorConfig(speed=20)) as sim:
            report = home / "report.json"
            drill_env = {
                **env,
                "DRFLOW_VBR_URL": sim.url,
                "DRFLOW_VBR_USERNAME": "administrator",
                "DRFLOW_VBR_PASSWORD": "simulator",
                "DRFLOW_VBR_POLL_INITIAL": "0.2",
                "COLUMNS": "200",
            }
            drill = Child(
                [
                    *(sys.executable, "-c", "from drflow.cli import main; main()", "drill"),
                    *(str(plan), "--simulator", "--report", str(report)),
                ],
                drill_env,
                home / "drill.log",
            )
            try:
                poll(
                    lambda: httpx.get(f"{sim.url}/_sim/mounts").json()["mounts"],
                    120,
                    "a VM of the drill to be mounted",
                    interval=0.1,
                    alive=drill,
                )
                server.stop(signal.SIGKILL)
                killed = time.monotonic()
                time.sleep(outage)  # the outage itself: nothing to wait for but time
                server = start()
                back = time.monotonic() - killed
                drill.process.wait(timeout=300)
                after = time.monotonic() - killed - back
                print(f"Prefect back after {back:.0f}s; the drill ended {after:.0f}s later")
            finally:
                drill.stop()
            stats = httpx.get(f"{sim.url}/_sim/stats").json()
            left = httpx.get(f"{sim.url}/_sim/mounts").json()["mounts"]
        prefect = PrefectAPI(api)
        try:
            runs = poll(  # the states recorded while the server was away catch up
                lambda: (
                    (found := prefect.flow_runs())
                    and all(r["state_type"] == "COMPLETED" for r in found)
                    and found
                ),
                120,
                "every flow run to be Completed in Prefect",
                interval=1,
            )
            tasks = poll(
                lambda: (
                    (found := prefect.post("/task_runs/filter", {"limit": 200}))
                    and all(t["state_type"] == "COMPLETED" for t in found)
                    and found
                ),
                120,
                "every task run to be Completed in Prefect",
                interval=1,
            )
        finally:
            prefect.close()
        return {
            "exit": drill.process.returncode,
            "log": drill.tail(80),
            "report": json.loads(report.read_text()) if report.exists() else None,
            "left": left,
            "stats": stats,
            "runs": runs,
            "tasks": tasks,
            "outage": back,
            "after": after,
        }
    finally:
        server.stop()
