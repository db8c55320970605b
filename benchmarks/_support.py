"""What the benchmarks share: the machine, a simulator process, Prefect, plans, tables, JSON."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"

USERNAME = "restore-operator"
PASSWORD = "simulator"  # the simulator's documented demo password

# Seconds at speed 1 of the generated estate's operations (drflow.simulator.estate.Durations):
# start (session Starting) + mount (until Mounted) + unmount (Dismounting until gone).
START_S, MOUNT_S, UNMOUNT_S = 2.0, 20.0, 5.0
VM_SECONDS = START_S + MOUNT_S + UNMOUNT_S
CLIENT_RETRIES = 10


def prepare_environment(home: Path | None = None) -> Path:
    """Environment of a benchmark process, set before Prefect is imported.

    A temporary Prefect server of its own (``PREFECT_HOME`` in a temp dir unless given),
    offline, heartbeats as deployed (Prefect's default), Prefect's client retrying 503s
    ``CLIENT_RETRIES`` times, VBR credentials for the simulator.
    """
    home = home or Path(tempfile.mkdtemp(prefix="drflow-bench-prefect-"))
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # SQLite answers 503 "database is locked" under bursts of hundreds of flow runs; five
    # retries (Prefect's default) are not always enough on a busy 2-core machine.
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", str(CLIENT_RETRIES))
    os.environ["DRFLOW_VBR_USERNAME"] = USERNAME
    os.environ["DRFLOW_VBR_PASSWORD"] = PASSWORD
    return Path(os.environ["PREFECT_HOME"])


def prefect_database() -> str:
    """Which database the benchmarks' Prefect server keeps its state in."""
    url = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL", "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


@contextlib.contextmanager
def postgres_for_prefect(choice: str) -> Iterator[str]:
    """Point the Prefect servers of the processes started in the block at a throw-away
    PostgreSQL cluster (``choice`` "postgresql", or "auto" when PostgreSQL is installed), as
    docs/scale-out.md advises for large drills; else SQLite, Prefect's default. Yields which.

    SQLite serialises Prefect's writes: under a drill's bursts it answers 503 ("database is
    locked"), and Prefect's client waits 2, 4, 8... s before trying again, which the
    profile of benchmark 1 shows as seconds added to the start of a workload's flow run.
    """
    from tests.e2e.support import PostgresUnavailable, postgres_bindir, postgres_cluster

    if choice == "sqlite" or (choice == "auto" and postgres_bindir() is None):
        yield "sqlite"
        return
    try:
        with postgres_cluster() as url:
            os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = url
            try:
                yield "postgresql"
            finally:
                del os.environ["PREFECT_API_DATABASE_CONNECTION_URL"]
    except PostgresUnavailable as exc:
        if choice == "postgresql":
            raise
        print(f"PostgreSQL unavailable ({exc}); Prefect keeps its state in SQLite", flush=True)
        yield "sqlite"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024**2, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "prefect": version("prefect"),
        "httpx": version("httpx"),
        "pydantic": version("pydantic"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def simulator(vms: int, speed: float = 1.0) -> Iterator[str]:
    """A simulator of ``vms`` generated VMs in its own process (its CPU is not ours); its URL."""
    port = _free_port()
    code = "from drflow.simulator.cli import main; main()"
    args = ["--port", str(port), "--vms", str(vms), "--speed", str(speed)]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/_sim/stats", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the simulator did not start on {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def set_speed(url: str, speed: float) -> None:
    httpx.put(f"{url}/_sim/config", json={"speed": speed}).raise_for_status()


def reset(url: str) -> None:
    httpx.post(f"{url}/_sim/reset").raise_for_status()


def api_requests(url: str) -> dict[str, int]:
    """Requests the simulator answered under ``/api``, per "METHOD /template"."""
    counts = httpx.get(f"{url}/_sim/stats").json()["requests"]
    return {k: v for k, v in counts.items() if k.split(" ", 1)[1].startswith("/api")}


def write_plan(
    directory: Path, url: str, vms: int, concurrency: int, name: str, workload_runs: str = "auto"
) -> Path:
    """A drill plan over the first ``vms`` generated VMs, ``concurrency`` at once, unmounted
    after VBR's own verification (no workload checks: the benchmark measures orchestration),
    its workloads run as ``workload_runs`` says."""
    from drflow.plans.model import Plan
    from drflow.simulator.estate import generated_vm_name

    plan = Plan.model_validate(
        {
            "name": name,
            "vbr": {"url": url},
            "max_parallel": concurrency,
            "workload_runs": workload_runs,
            "defaults": {"rpo_hours": 26, "rto_minutes": 60, "timeout_minutes": 60},
            "groups": [
                {
                    "name": "all",
                    "workloads": [
                        {"name": vm, "kind": "vsphere", "vm": vm}
                        for vm in (generated_vm_name(i) for i in range(1, vms + 1))
                    ],
                }
            ],
        }
    )
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan.model_dump(mode="json", exclude_defaults=True)))
    return path


def set_restore_sessions_limit(limit: int) -> None:
    """The global concurrency limit a drill takes a slot of, sized for this cell."""
    from prefect import get_client

    from drflow.drills import LIMIT_NAME

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, limit)


def warm_up_prefect() -> float:
    """Start the temporary Prefect server (a flow run); its start-up is not a drill's cost."""
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    started = time.perf_counter()
    warm_up()
    return time.perf_counter() - started


def rss_peak_mib() -> float:
    """Peak resident memory of this process (MiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    """A plain-text table (also valid Markdown)."""
    cells = [[str(c) for c in columns], *[[_fmt(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| "
        + " | ".join(
            c.rjust(w) if isinstance(v, int | float) else c.ljust(w)
            for c, v, w in zip(r, row, widths, strict=True)
        )
        + " |"
        for r, row in zip(cells[1:], rows, strict=True)
    ]
    return f"{title}\n\n" + "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def save(name: str, data: dict[str, Any]) -> Path:
    """Write ``results/<name>.json`` (with the machine) and return its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    info = {"machine": machine(), "prefect_database": prefect_database()}
    path.write_text(json.dumps({**info, **data}, indent=2, default=str) + "\n")
    return path
