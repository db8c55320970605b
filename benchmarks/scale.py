"""5. Scale: memory and wall time of drills up to 1,000 VMs.

Each size is drilled in a process of its own (so its peak RSS is its own), ``CONCURRENCY``
workloads at once, with the simulator sped up so that the largest finishes in minutes. Time
per VM at each size shows whether a workload costs more as the drill grows; the Prefect server
(a process of its own) is not counted in the RSS."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._support import prepare_environment, rss_peak_mib, save, simulator, table, warm_up_prefect

TARGET_MIB = 2048
CONCURRENCY = 50
SPEED = 20.0


def one(url: str, vms: int, concurrency: int, speed: float) -> dict[str, Any]:
    """Drill ``vms`` VMs in this process; the result with this process's peak RSS."""
    from ._drill import run_drill

    warm_up_prefect()
    result = run_drill(url, Path(tempfile.mkdtemp()), vms=vms, concurrency=concurrency, speed=speed)
    result["rss_peak_mib"] = round(rss_peak_mib(), 1)
    result["s_per_vm"] = round(result["wall_s"] / vms, 3)
    return result


def run(quick: bool, sizes: list[int] | None = None) -> dict[str, Any]:
    """Drill each size (default 100 and 1,000 VMs; ``--sizes N ...`` to choose)."""
    default, concurrency = ([20, 50], 10) if quick else ([100, 1000], CONCURRENCY)
    sizes = sizes or default
    rows = []
    with simulator(max(sizes)) as url:
        for vms in sizes:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.scale",
                    "--one",
                    url,
                    str(vms),
                    str(concurrency),
                    str(SPEED),
                ],
                stdout=subprocess.PIPE,  # its stderr (Prefect's logs) goes to ours
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"  {vms} VMs: {row['wall_s']}s, {row['s_per_vm']} s/VM, "
                f"RSS {row['rss_peak_mib']} MiB, passed {row['passed']}",
                flush=True,
            )
    biggest = rows[-1]
    per_vm = [r["s_per_vm"] for r in rows]
    out = {
        "benchmark": "scale",
        "quick": quick,
        "concurrency": concurrency,
        "speed": SPEED,
        "target": f"< {TARGET_MIB} MiB RSS at {biggest['vms']} VMs; time per VM not growing",
        "target_value": biggest["rss_peak_mib"],
        "target_met": biggest["rss_peak_mib"] < TARGET_MIB and per_vm[-1] <= per_vm[0] * 1.25,
        "sizes": rows,
    }
    print(
        table(
            f"Scale (concurrency {concurrency}, speed {SPEED:g})",
            ["VMs", "wall s", "ideal s", "s per VM", "peak RSS MiB", "calls/VM", "passed"],
            [
                [
                    r["vms"],
                    r["wall_s"],
                    r["ideal_s"],
                    r["s_per_vm"],
                    r["rss_peak_mib"],
                    r["calls_per_vm"],
                    r["passed"],
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
        chosen = sys.argv[sys.argv.index("--sizes") + 1 :] if "--sizes" in sys.argv else []
        run("--quick" in sys.argv, [int(n) for n in chosen if n.isdigit()])
