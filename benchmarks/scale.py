"""5. Scale: memory and wall time of drills up to 1,000 VMs at the simulator's real durations.

Each drill runs in a process of its own (so its peak RSS is its own): 100 VMs 20 at once (the
target cell of benchmark 1) and 1,000 VMs 200 at once (issue 16: at most 1.5 x the ideal
schedule, peak RSS under 1 GiB). Both leave ``workload_runs`` at ``auto``: task runs of the
drill's run. The Prefect server (a process of its own) is not counted in the RSS."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._support import prepare_environment, rss_peak_mib, save, simulator, table, warm_up_prefect

TARGET_MIB = 1024
TARGET_RATIO = 1.5
FULL = [(100, 20, 1.0), (1000, 200, 1.0)]
QUICK = [(20, 10, 20.0), (60, 30, 20.0)]


def one(url: str, vms: int, concurrency: int, speed: float) -> dict[str, Any]:
    """Drill ``vms`` VMs in this process; the result with this process's peak RSS."""
    from ._drill import run_drill

    warm_up_prefect()
    result = run_drill(url, Path(tempfile.mkdtemp()), vms=vms, concurrency=concurrency, speed=speed)
    result["rss_peak_mib"] = round(rss_peak_mib(), 1)
    result["s_per_vm"] = round(result["wall_s"] / vms, 3)
    return result


def run(quick: bool) -> dict[str, Any]:
    """Drill each cell of ``QUICK`` or ``FULL``, each in a process of its own."""
    cells = QUICK if quick else FULL
    rows = []
    with simulator(max(vms for vms, _, _ in cells)) as url:
        for vms, concurrency, speed in cells:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.scale",
                    "--one",
                    url,
                    str(vms),
                    str(concurrency),
                    str(speed),
                ],
                stdout=subprocess.PIPE,  # its stderr (Prefect's logs) goes to ours
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"  {vms} VMs, {concurrency} at once, speed {speed:g}: {row['wall_s']}s "
                f"(ideal {row['ideal_s']}s, {row['ratio']}), RSS {row['rss_peak_mib']} MiB, "
                f"passed {row['passed']}",
                flush=True,
            )
    biggest = rows[-1]
    out = {
        "benchmark": "scale",
        "quick": quick,
        "target": f"<= {TARGET_RATIO} x ideal and < {TARGET_MIB} MiB RSS at {biggest['vms']} "
        f"VMs, {biggest['concurrency']} at once, speed {biggest['speed']:g}",
        "target_value": biggest["ratio"],
        "target_met": biggest["ratio"] <= TARGET_RATIO and biggest["rss_peak_mib"] < TARGET_MIB,
        "sizes": rows,
    }
    print(
        table(
            "Scale",
            ["VMs", "conc.", "speed", "wall s", "ideal s", "ratio", "peak RSS MiB", "calls/VM"],
            [
                [
                    r["vms"],
                    r["concurrency"],
                    r["speed"],
                    r["wall_s"],
                    r["ideal_s"],
                    r["ratio"],
                    r["rss_peak_mib"],
                    r["calls_per_vm"],
                ]
                for r in rows
            ],
        )
    )
    save("scale", out)
    return out


if __name__ == "__main__":
    prepare_environment()
    if "--one" in sys.argv:
        at = sys.argv.index("--one")
        url, vms, concurrency, speed = sys.argv[at + 1 : at + 5]
        print(json.dumps(one(url, int(vms), int(concurrency), float(speed))))
    else:
        run("--quick" in sys.argv)
