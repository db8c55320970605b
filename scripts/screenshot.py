"""Screenshots of a drill for the README: in the Prefect UI, its run, report and charts; and
its audit report (HTML).

    uv run python scripts/screenshot.py     # writes docs/img/drill-run.png, drill-report.png,
                                            # drill-charts.png, drill-html-report.png

Needs Chromium from Debian (``apt-get install -y chromium``); installs nothing at run time.
Starts what is not given: a Prefect server with its UI on a free port (SQLite in a temporary
PREFECT_HOME) unless PREFECT_API_URL is set, and the VBR simulator unless DRFLOW_VBR_URL is set.
Then it runs ``drflow drill plans/tier1.yaml`` against them (``--drills`` times, so that the RTO
trend has points), writes the last drill's audit report with ``drflow report tier1 --html``, and
points headless Chromium at the run's page, its ``drill-tier1`` report and ``drill-tier1-charts``
artifacts, and the HTML report. Everything it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
PLAN = "plans/tier1.yaml"
REPORT_KEY = "drill-tier1"
CHARTS_KEY = "drill-tier1-charts"
SHOTS = ("drill-run.png", "drill-report.png", "drill-charts.png", "drill-html-report.png")


def log(message: str) -> None:
    print(f"screenshot: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def prefect_server(home: Path, timeout: float = 180.0) -> Iterator[str]:
    """``prefect server start`` with the UI; yields the API URL; stopped on exit."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_API_URL=api,  # what the UI calls; by default :4200's
    )
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with (home / "server.log").open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our interpreter running prefect
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(api):
            if server.poll() is not None:
                raise SystemExit(f"prefect server exited: see {home / 'server.log'}")
            if time.monotonic() > deadline:
                raise SystemExit(f"prefect server not healthy within {timeout:.0f}s")
            time.sleep(0.5)
        yield api
    finally:
        _stop(server)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def vbr(speed: float) -> Iterator[dict[str, str]]:
    """The VBR connection for the drill: DRFLOW_VBR_* as set, or an embedded simulator."""
    if os.environ.get("DRFLOW_VBR_URL"):
        yield {}
        return
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    config = SimulatorConfig(speed=speed)
    with SimulatorServer(config) as sim:
        yield {
            "DRFLOW_VBR_URL": sim.url,
            "DRFLOW_VBR_USERNAME": "restore-operator",
            "DRFLOW_VBR_PASSWORD": config.password,
            "DRFLOW_VBR_POLL_INITIAL": "0.2",
            "DRFLOW_VBR_POLL_MAX": "1",
        }


def drflow(api: str, vbr_env: dict[str, str], *args: str) -> None:
    """Run ``drflow ARGS`` against the Prefect API ``api`` and the VBR of ``vbr_env``."""
    env = {**os.environ, **vbr_env, "PREFECT_API_URL": api}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    command = shutil.which("drflow", path=str(Path(sys.executable).parent)) or "drflow"
    log(f"drflow {' '.join(args)}")
    subprocess.run([command, *args], cwd=REPO, env=env, check=True)  # noqa: S603


def latest(api: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The newest dr-drill run of the plan and its report and charts artifacts, by key."""
    with httpx.Client(base_url=api, timeout=30) as http:
        runs = http.post(
            "/flow_runs/filter",
            json={
                "flows": {"name": {"any_": ["dr-drill"]}},
                "flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}},
                "sort": "START_TIME_DESC",
                "limit": 1,
            },
        ).json()
        if not runs:
            raise SystemExit("no finished dr-drill run in the Prefect API")
        run = runs[0]
        deadline = time.monotonic() + 30
        while True:
            artifacts = http.post(
                "/artifacts/filter",
                json={
                    "artifacts": {
                        "key": {"any_": [REPORT_KEY, CHARTS_KEY]},
                        "flow_run_id": {"any_": [run["id"]]},
                    }
                },
            ).json()
            found = {artifact["key"]: artifact for artifact in artifacts}
            if len(found) == 2:
                return run, found
            if time.monotonic() > deadline:
                raise SystemExit(f"run {run['id']} has no {REPORT_KEY} or {CHARTS_KEY} artifact")
            time.sleep(1)


def screenshot(
    chromium: str, url: str, out: Path, size: str, budget_ms: int, profile: Path
) -> None:
    """Headless Chromium: render ``url`` (a JS app: let it run ``budget_ms`` of virtual time)
    and write a PNG of the window's ``size``."""
    args = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
        f"--virtual-time-budget={budget_ms}",
        f"--screenshot={out}",
        url,
    ]
    log(f"{url} -> {out}")
    result = subprocess.run(  # noqa: S603 - the Chromium the user pointed at
        args, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0 or not out.exists():
        raise SystemExit(f"chromium failed ({result.returncode}):\n{result.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--window-size", default="1400,1000", help="width,height in pixels")
    parser.add_argument(
        "--budget", type=int, default=15000, help="virtual time for the UI to render (ms)"
    )
    parser.add_argument("--speed", type=float, default=20.0, help="simulator speed")
    parser.add_argument(
        "--drills", type=int, default=3, help="drills to run first (the RTO trend's points)"
    )
    parser.add_argument(
        "--no-drill", action="store_true", help="shoot the newest drill already in the API"
    )
    parser.add_argument(
        "--report-size", default="900,2300", help="window of the HTML report (width,height)"
    )
    parser.add_argument(
        "--shots",
        default=",".join(SHOTS),
        help=f"which PNGs to write, comma separated (default: all of {', '.join(SHOTS)})",
    )
    args = parser.parse_args(argv)
    wanted = [name for name in args.shots.split(",") if name]
    if set(wanted) - set(SHOTS):
        parser.error(f"--shots: choose among {', '.join(SHOTS)}")
    if not (shutil.which(args.chromium) or Path(args.chromium).exists()):
        raise SystemExit(f"{args.chromium} not found: apt-get install -y chromium")
    args.out.mkdir(parents=True, exist_ok=True)

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="drflow-shot-")))
        api = os.environ.get("PREFECT_API_URL")
        if api:
            log(f"using the Prefect server at {api}")
        else:
            (tmp / "home").mkdir()
            api = stack.enter_context(prefect_server(tmp / "home"))
            log(f"started a Prefect server at {api}")
        vbr_env = stack.enter_context(vbr(args.speed))
        simulator = ["--simulator"] if vbr_env else []  # the simulator this script started
        for _ in range(0 if args.no_drill else args.drills):
            drflow(api, vbr_env, "drill", PLAN, *simulator)
        run, artifacts = latest(api)
        html = tmp / "report.html"
        drflow(api, vbr_env, "report", PLAN, "--run", run["id"], "--html", str(html))
        ui = api.removesuffix("/api")
        log(f"run {run['name']} ({run['state_type']})")
        shots = {
            "drill-run.png": (f"{ui}/runs/flow-run/{run['id']}", args.window_size),
            "drill-report.png": (
                f"{ui}/artifacts/artifact/{artifacts[REPORT_KEY]['id']}",
                args.window_size,
            ),
            "drill-charts.png": (
                f"{ui}/artifacts/artifact/{artifacts[CHARTS_KEY]['id']}",
                args.window_size,
            ),
            "drill-html-report.png": (html.as_uri(), args.report_size),
        }
        for name in wanted:
            url, size = shots[name]
            screenshot(args.chromium, url, args.out / name, size, args.budget, tmp / "chromium")
            log(f"{args.out / name}: {(args.out / name).stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
