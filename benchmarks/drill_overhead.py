"""1. Drill overhead: wall time of whole drills against the ideal schedule.

Drills of the generated estate (vm00001...) against the simulator, at several sizes and
concurrencies. Ideal = ``ceil(vms / concurrency) * (start + mount + unmount) / speed``: the
simulator's operations of one VM (2 + 20 + 5 s at speed 1) back to back, in as many batches as
the concurrency limit allows, with no orchestration at all. The ratio wall / ideal is the
orchestration's cost. Cells whose VMs go one at a time run a prefix of the estate
(``SEQUENTIAL_VMS``): a sequential drill's wall time is the sum of its workloads', so its ratio
does not depend on how many there are (benchmark 5 shows the per-VM cost does not grow).

Each cell's plan leaves ``workload_runs`` at ``auto`` (workloads are task runs of the drill's
run from 50 VMs up) unless the cell names it: 500 VMs at 100 is drilled both ways.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from ._support import prepare_environment, save, simulator, table, warm_up_prefect

TARGET = 1.05
TARGET_CELL = (100, 20)
MASS_CELL = (500, 100, 1.0)
MASS_TARGET = 1.25
"""Issue 16: 500 VMs, 100 at once, at the simulator's real durations."""
SQLITE_TARGET = 1.3
SEQUENTIAL_VMS = 5

Cell = tuple[int, int, float, str]
"""(VMs, concurrency, speed, workload_runs): speeds keep every cell to a few minutes at most."""
FULL: list[Cell] = [
    (10, 1, 5.0, "auto"),
    (10, 20, 1.0, "auto"),
    (10, 100, 1.0, "auto"),
    (100, 1, 5.0, "auto"),
    (100, 20, 1.0, "auto"),
    (100, 100, 1.0, "auto"),
    (500, 1, 5.0, "auto"),
    (500, 20, 10.0, "auto"),
    (500, 100, 5.0, "auto"),
    (*MASS_CELL, "auto"),
    (*MASS_CELL, "flow-runs"),
]
QUICK: list[Cell] = [(4, 1, 10.0, "auto"), (10, 5, 5.0, "auto"), (60, 30, 5.0, "auto")]
SQLITE_CELL = "drill_overhead_sqlite"
"""Results of the target cell alone (``--sqlite-target-cell``), run by ``python -m benchmarks``
with Prefect on SQLite when the other figures were measured on PostgreSQL."""


def run(quick: bool, cells: list[Cell] | None = None) -> dict[str, Any]:
    from ._drill import run_drill

    name = "drill_overhead" if cells is None else SQLITE_CELL
    cells = cells or (QUICK if quick else FULL)
    biggest = max(cell[0] for cell in cells)
    workdir = Path(tempfile.mkdtemp(prefix="drflow-bench-plans-"))
    rows = []
    with simulator(biggest) as url:
        warm = warm_up_prefect()
        for vms, concurrency, speed, workload_runs in cells:
            ran = min(vms, SEQUENTIAL_VMS) if concurrency == 1 else vms
            result = run_drill(
                url,
                workdir,
                vms=ran,
                concurrency=concurrency,
                speed=speed,
                workload_runs=workload_runs,
            )
            result["cell_vms"] = vms
            rows.append(result)
            print(
                f"  {vms} VMs (ran {ran}) at concurrency {concurrency}, speed {speed:g}, "
                f"{result['ran_as']}: {result['wall_s']}s / ideal {result['ideal_s']}s "
                f"= {result['ratio']}",
                flush=True,
            )
            out = _summary(quick, warm, rows, SQLITE_TARGET if name == SQLITE_CELL else TARGET)
            save(name, out)  # after every cell: a cell that stalls loses only itself
    print(
        table(
            "Drill overhead (wall / ideal schedule)",
            [
                "VMs",
                "ran",
                "conc.",
                "speed",
                "as",
                "ideal s",
                "wall s",
                "ratio",
                "child s",
                "passed",
            ],
            [
                [
                    r["cell_vms"],
                    r["vms"],
                    r["concurrency"],
                    r["speed"],
                    r["ran_as"],
                    r["ideal_s"],
                    r["wall_s"],
                    r["ratio"],
                    r["child_mean_s"],
                    r["passed"],
                ]
                for r in rows
            ],
        )
    )
    return out


def _summary(quick: bool, warm: float, rows: list[dict[str, Any]], target: float) -> dict[str, Any]:
    target_row = next((r for r in rows if (r["cell_vms"], r["concurrency"]) == TARGET_CELL), None)
    mass = {
        r["workload_runs"]: r["ratio"]
        for r in rows
        if (r["cell_vms"], r["concurrency"], r["speed"]) == MASS_CELL
    }
    return {
        "benchmark": "drill_overhead",
        "quick": quick,
        "heartbeats": "Prefect default (PREFECT_FLOWS_HEARTBEAT_FREQUENCY=180)",
        "prefect_warm_up_s": round(warm, 1),
        "formula": "ideal = ceil(vms / concurrency) * (start 2 + mount 20 + unmount 5 s) / speed",
        "target": f"wall / ideal <= {target} at {TARGET_CELL[0]} VMs, concurrency {TARGET_CELL[1]}",
        "target_value": target_row["ratio"] if target_row else None,
        "target_met": (target_row["ratio"] <= target) if target_row else None,
        "mass": {"cell": list(MASS_CELL), "target": MASS_TARGET, "ratio": mass} if mass else None,
        "cells": rows,
    }


if __name__ == "__main__":
    prepare_environment()
    if "--sqlite-target-cell" in sys.argv:
        run(False, [cell for cell in FULL if cell[:2] == TARGET_CELL])  # as the PostgreSQL run
    else:
        run("--quick" in sys.argv)
