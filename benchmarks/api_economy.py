"""2. API economy: VBR calls per recovered VM over whole drills, against a naive client.

drflow's figures are the drills of benchmark 1 (counted by the simulator: ``/_sim/stats``
``requests``, every ``/api`` call including the token and the preflight); without them, the
target cell is drilled here. The naive client recovers VMs the obvious way with raw httpx: find
the restore point, start, GET the mount every second until mounted, unmount, GET every second
until gone.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from ._support import (
    PASSWORD,
    RESULTS,
    USERNAME,
    api_requests,
    prepare_environment,
    reset,
    save,
    set_speed,
    simulator,
    table,
    warm_up_prefect,
)

TARGET = 8.0
MOUNTS = "/api/v1/restore/instantRecovery/vSphere/vm"


def naive_recover(http: httpx.Client, vm: str) -> None:
    """One VM, polled every second: what a hand-written script does."""
    points = http.get("/api/v1/restorePoints", params={"nameFilter": vm, "limit": 1}).json()
    point = points["data"][0]["id"]
    body = {
        "restorePointId": point,
        "type": "OriginalLocation",
        "secureRestore": {"antivirusScanEnabled": False},
        "nicsEnabled": False,
        "powerUp": True,
        "reason": "naive benchmark",
    }
    session = http.post(MOUNTS, json=body).json()
    mount = f"{MOUNTS}/{session['id']}"
    while http.get(mount).json()["state"] != "Mounted":
        time.sleep(1)
    http.post(f"{mount}/unmount").raise_for_status()
    while http.get(mount).status_code != 404:
        time.sleep(1)


def run_naive(url: str, vms: int, concurrency: int, speed: float) -> dict[str, Any]:
    from drflow.simulator.estate import generated_vm_name

    reset(url)
    set_speed(url, speed)
    token = httpx.post(
        f"{url}/api/oauth2/token",
        data={"grant_type": "password", "username": USERNAME, "password": PASSWORD},
        headers={"x-api-version": "1.3-rev1"},
    ).json()["access_token"]
    headers = {"x-api-version": "1.3-rev1", "Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=30) as http,
        ThreadPoolExecutor(concurrency) as pool,
    ):
        list(pool.map(lambda i: naive_recover(http, generated_vm_name(i)), range(1, vms + 1)))
    calls = sum(api_requests(url).values())
    return {
        "vms": vms,
        "concurrency": concurrency,
        "speed": speed,
        "vbr_calls": calls,
        "calls_per_vm": round(calls / vms, 2),
    }


def run(quick: bool) -> dict[str, Any]:
    drills_file = RESULTS / "drill_overhead.json"
    drills: list[dict[str, Any]] = []
    if drills_file.exists():
        previous = json.loads(drills_file.read_text())
        if previous.get("quick") == quick:
            drills = previous["cells"]
    naive_vms, naive_speed = (5, 5.0) if quick else (20, 1.0)
    with simulator(max(naive_vms, 100 if not drills else 1)) as url:
        if not drills:
            from ._drill import run_drill

            warm_up_prefect()
            vms, concurrency, speed = (10, 5, 5.0) if quick else (100, 20, 1.0)
            drills = [
                run_drill(
                    url,
                    Path(tempfile.mkdtemp()),
                    vms=vms,
                    concurrency=concurrency,
                    speed=speed,
                )
            ]
            drills[0]["cell_vms"] = vms
        naive = run_naive(url, naive_vms, naive_vms, naive_speed)
    target_row = next(
        (d for d in drills if (d.get("cell_vms", d["vms"]), d["concurrency"]) == (100, 20)),
        drills[-1],
    )
    out = {
        "benchmark": "api_economy",
        "quick": quick,
        "target": f"<= {TARGET:g} VBR calls per recovered VM",
        "target_cell": {"vms": target_row["vms"], "concurrency": target_row["concurrency"]},
        "target_value": target_row["calls_per_vm"],
        "target_met": target_row["calls_per_vm"] <= TARGET,
        "drflow": [
            {
                k: d[k]
                for k in (
                    "vms",
                    "concurrency",
                    "speed",
                    "vbr_calls",
                    "calls_per_vm",
                    "calls_by_route",
                )
            }
            for d in drills
        ],
        "naive": naive,
    }
    rows = [
        ["drflow", d["vms"], d["concurrency"], d["speed"], d["vbr_calls"], d["calls_per_vm"]]
        for d in drills
    ]
    rows.append(
        [
            "naive (1 s polls)",
            naive["vms"],
            naive["concurrency"],
            naive["speed"],
            naive["vbr_calls"],
            naive["calls_per_vm"],
        ]
    )
    print(
        table(
            "API economy (VBR calls per recovered VM)",
            ["client", "VMs", "conc.", "speed", "calls", "per VM"],
            rows,
        )
    )
    save("api_economy", out)
    return out


if __name__ == "__main__":
    prepare_environment()
    run("--quick" in sys.argv)
