"""3. Client overhead: drflow's VBRClient against raw httpx, same simulator, same requests.

Both sides log in once, then repeat the same work: GET one session, and list every vSphere
mount page by page (``skip``/``limit`` 200 over ``MOUNTS`` mounts). Raw httpx decodes the JSON;
drflow also validates every answer into its models. Rounds alternate between the two so that
the machine's noise falls on both; the figure is the ratio of the medians.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import httpx

from ._support import PASSWORD, USERNAME, prepare_environment, save, simulator, table

TARGET = 1.15
PAGE = 200


def raw_work(http: httpx.Client, session_id: str) -> int:
    for _ in range(2):
        http.get(f"/api/v1/sessions/{session_id}").raise_for_status().json()
    skip, seen = 0, 0
    while True:
        page = http.get(
            "/api/v1/restore/instantRecovery/vSphere/vm", params={"skip": skip, "limit": PAGE}
        ).json()
        seen += len(page["data"])
        skip += len(page["data"])
        if not page["data"] or skip >= page["pagination"]["total"]:
            return seen


def drflow_work(client: Any, session_id: str) -> int:
    for _ in range(2):
        client.sessions.get(session_id)
    return sum(1 for _ in client.vsphere.list_mounts())


def run(quick: bool) -> dict[str, Any]:
    from drflow.simulator.estate import estate_uuid, generated_vm_name
    from drflow.vbr import VBRClient, VBRSettings
    from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec

    mounts, rounds = (250, 10) if quick else (450, 40)
    with simulator(mounts, speed=1000) as url:
        settings = VBRSettings(url=url, username=USERNAME, password=PASSWORD)
        with VBRClient(settings) as client:
            sessions = [
                client.vsphere.start_instant_recovery(
                    InstantViVMOriginalLocationRecoverySpec(
                        restore_point_id=estate_uuid("restorePoint", generated_vm_name(i), 2),
                        secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
                        nics_enabled=False,
                        power_up=True,
                        reason="client overhead benchmark",
                    )
                )
                for i in range(1, mounts + 1)
            ]
            session_id = str(sessions[0].id)
            token = httpx.post(
                f"{url}/api/oauth2/token",
                data={"grant_type": "password", "username": USERNAME, "password": PASSWORD},
                headers={"x-api-version": "1.3-rev1"},
            ).json()["access_token"]
            headers = {
                "x-api-version": "1.3-rev1",
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
            }
            with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
                assert raw_work(http, session_id) == drflow_work(client, session_id) == mounts
                raw, ours = [], []
                for _ in range(rounds):
                    started = time.perf_counter()
                    raw_work(http, session_id)
                    raw.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    drflow_work(client, session_id)
                    ours.append(time.perf_counter() - started)
    ratio = statistics.median(ours) / statistics.median(raw)
    out = {
        "benchmark": "client_overhead",
        "quick": quick,
        "work": f"2 x GET session + list {mounts} mounts in pages of {PAGE} "
        f"({-(-mounts // PAGE)} GETs)",
        "rounds": rounds,
        "raw_httpx_median_ms": round(statistics.median(raw) * 1000, 2),
        "drflow_median_ms": round(statistics.median(ours) * 1000, 2),
        "ratio": round(ratio, 3),
        "target": f"<= {TARGET} x raw httpx",
        "target_value": round(ratio, 3),
        "target_met": ratio <= TARGET,
    }
    print(
        table(
            "Client overhead (one round of the same requests)",
            ["client", "median ms", "min ms", "ratio"],
            [
                ["raw httpx", out["raw_httpx_median_ms"], round(min(raw) * 1000, 2), 1.0],
                [
                    "drflow VBRClient",
                    out["drflow_median_ms"],
                    round(min(ours) * 1000, 2),
                    out["ratio"],
                ],
            ],
        )
    )
    save("client_overhead", out)
    return out


if __name__ == "__main__":
    prepare_environment()
    run("--quick" in sys.argv)
