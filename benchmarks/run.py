"""Run every benchmark, each in a process of its own, and write ``benchmarks/RESULTS.md``.

``uv run python -m benchmarks``: the full set, about an hour on 2 cores (~2,400 workload
flow runs at ~1.5 s of Prefect each, plus the simulated operations).
``--quick``: small sizes, a few minutes, for development (RESULTS.md then says so).
``--only NAME ...`` runs some of them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import api_economy, prefect_overhead, scale
from ._support import CLIENT_RETRIES, RESULTS, ROOT, machine, postgres_for_prefect, table
from .drill_overhead import MASS_TARGET, SEQUENTIAL_VMS, SQLITE_CELL, SQLITE_TARGET, TARGET

BENCHMARKS = ["drill_overhead", "api_economy", "client_overhead", "prefect_overhead", "scale"]
TITLES = {
    "drill_overhead": "1. Drill overhead (wall / ideal)",
    "api_economy": "2. API economy (VBR calls per VM)",
    "client_overhead": "3. Client overhead (x raw httpx)",
    "prefect_overhead": "4. Prefect overhead (s per VM over direct calls)",
    "scale": "5. Scale (wall / ideal of the largest drill)",
    SQLITE_CELL: "1b. Drill overhead, target cell, Prefect on SQLite",
}
TIMEOUT_S = 90 * 60  # per benchmark: the drill matrix alone is about half an hour


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    parser.add_argument(
        "--database",
        choices=["auto", "postgresql", "sqlite"],
        default="auto",
        help="where the Prefect server keeps its state (auto: PostgreSQL when installed)",
    )
    args = parser.parse_args(argv)
    chosen = args.only or BENCHMARKS
    RESULTS.mkdir(exist_ok=True)
    for name in [*chosen, SQLITE_CELL]:
        (RESULTS / f"{name}.json").unlink(missing_ok=True)
    started = time.monotonic()
    failed = []
    with postgres_for_prefect(args.database) as database:
        env = _environment()
        for name in chosen:
            if not _run(name, ["--quick"] if args.quick else [], env):
                failed.append(name)
        if database == "postgresql" and "drill_overhead" in chosen and not args.quick:
            sqlite = {k: v for k, v in env.items() if k != "PREFECT_API_DATABASE_CONNECTION_URL"}
            sqlite["PREFECT_HOME"] = tempfile.mkdtemp(prefix="drflow-bench-prefect-")
            if not _run("drill_overhead", ["--sqlite-target-cell"], sqlite, title=SQLITE_CELL):
                failed.append(SQLITE_CELL)
    total = time.monotonic() - started
    write_results(args.quick, total, chosen)
    print(f"all done in {total / 60:.1f} min; figures in {ROOT / 'RESULTS.md'}")
    return 1 if failed else 0


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="drflow-bench-prefect-"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT.parent), env.get("PYTHONPATH")]))
    return env


def _run(name: str, options: list[str], env: dict[str, str], title: str | None = None) -> bool:
    """Run one benchmark in a process of its own (its log in ``results/``); whether it passed."""
    print(f"== {TITLES.get(title or name, title)} ==", flush=True)
    log = RESULTS / f"{title or name}.log"
    begun = time.monotonic()
    with log.open("w") as stderr:
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}", *options],
                cwd=ROOT.parent,
                env=env,
                stderr=stderr,
                timeout=TIMEOUT_S,
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = -1
    print(f"   ({time.monotonic() - begun:.0f} s)\n", flush=True)
    if code != 0:
        print(f"   {title or name} FAILED (exit {code}); see {log}", flush=True)
    return code == 0


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_results(quick: bool, total_s: float, ran: list[str]) -> Path:
    """(Re)write RESULTS.md from the JSON files of the benchmarks."""
    results = {name: _load(name) for name in BENCHMARKS}
    info = machine()
    lines = ["# drflow benchmarks", ""]
    if quick or any(r and r.get("quick") for r in results.values()):
        lines += [
            "> **QUICK MODE**: small sizes for development. These are not the figures of "
            "record; run `uv run python -m benchmarks` for them.",
            "",
        ]
    lines += [
        "Produced by `uv run python -m benchmarks` (see `benchmarks/`); each benchmark also "
        "writes `benchmarks/results/<name>.json`.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, {info['os']}",
        f"- Python {info['python']}, Prefect {info['prefect']}, httpx {info['httpx']}, "
        f"pydantic {info['pydantic']}",
        f"- Date: {info['date']}; this run took {total_s / 60:.1f} min"
        + (
            ""
            if ran == BENCHMARKS
            else f" for {', '.join(ran)} only (the others: an earlier run, dated in their JSON)"
        ),
        f"- Prefect: a temporary local server started by the benchmark, {_database(results)}; "
        "flow-run heartbeats at Prefect's default (180 s) unless a row says otherwise, "
        f"`PREFECT_CLIENT_MAX_RETRIES={CLIENT_RETRIES}` (SQLite answers 503 under bursts)",
        "",
        "## Against the targets",
        "",
    ]
    summary = []
    for name in BENCHMARKS:
        result = results[name]
        if result is None:
            summary.append([TITLES[name], "not run / failed", "", ""])
            continue
        met = result.get("target_met")
        verdict = "n/a" if met is None else ("met" if met else "NOT met")
        summary.append([TITLES[name], result.get("target_value"), result["target"], verdict])
    lines += [table("", ["benchmark", "figure", "target", "verdict"], summary).strip(), ""]
    lines += _goals(results)
    for name in BENCHMARKS:
        result = results[name]
        if result is not None:
            lines += [f"## {TITLES[name]}", "", *_details(name, result), ""]
    path = ROOT / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def _goals(results: dict[str, dict[str, Any] | None]) -> list[str]:
    """Issue 16's six figures (mass recovery), each from this run's results where it ran."""
    drills, scaled = results["drill_overhead"], results["scale"]
    sqlite, prefect = _load(SQLITE_CELL), results["prefect_overhead"]
    target = next(
        (
            c
            for c in (drills or {}).get("cells", [])
            if (c["cell_vms"], c["concurrency"]) == (100, 20)
        ),
        None,
    )
    mass = ((drills or {}).get("mass") or {}).get("ratio", {})
    biggest = scaled["sizes"][-1] if scaled else None

    def row(number: int, figure: str, value: Any, goal: str, met: bool | None) -> list[Any]:
        verdict = "not run" if value is None else ("met" if met else "NOT met")
        return [number, figure, "" if value is None else value, goal, verdict]

    rows = [
        row(
            1,
            "100 VMs, 20 at once, speed 1 (wall / ideal)",
            target and target["ratio"],
            f"<= {TARGET}",
            target is not None and target["ratio"] <= TARGET,
        ),
        row(
            2,
            "500 VMs, 100 at once, speed 1, task runs (without: "
            f"{mass.get('flow-runs', 'not run')})",
            mass.get("auto"),
            f"<= {MASS_TARGET}",
            mass.get("auto") is not None and mass["auto"] <= MASS_TARGET,
        ),
        row(
            3,
            "1,000 VMs, 200 at once, speed 1 (wall / ideal; peak RSS MiB "
            f"{biggest['rss_peak_mib'] if biggest else 'n/a'})",
            biggest and biggest["ratio"],
            f"<= {scale.TARGET_RATIO}, RSS < {scale.TARGET_MIB}",
            bool(scaled and scaled["target_met"]),
        ),
        row(
            4,
            "VBR calls per VM at the target cell (the drill of 1)",
            target and target["calls_per_vm"],
            f"<= {api_economy.TARGET:g} with 1 met",
            target is not None
            and target["calls_per_vm"] <= api_economy.TARGET
            and target["ratio"] <= TARGET,
        ),
        row(
            5,
            "Prefect overhead per VM, vSphere flow, heartbeats default (s)",
            prefect and prefect["target_value"],
            f"<= {prefect_overhead.TARGET}",
            bool(prefect and prefect["target_met"]),
        ),
        row(
            6,
            "100 VMs, 20 at once, Prefect on SQLite (wall / ideal)",
            sqlite and sqlite["target_value"],
            f"<= {SQLITE_TARGET}",
            bool(sqlite and sqlite["target_met"]),
        ),
    ]
    return [
        "## Issue 16: mass recovery",
        "",
        table("", ["#", "figure", "value", "goal", "verdict"], rows).strip(),
        "",
    ]


def _database(results: dict[str, dict[str, Any] | None]) -> str:
    kinds = sorted({r.get("prefect_database", "sqlite") for r in results.values() if r})
    if kinds == ["postgresql"]:
        return (
            "its state in a throw-away PostgreSQL cluster on this machine (what "
            "docs/scale-out.md advises for large drills; benchmark 1's target cell is also "
            "measured on SQLite, Prefect's default, below)"
        )
    return "its state in " + " and ".join(kinds).replace("sqlite", "SQLite (Prefect's default)")


def _details(name: str, r: dict[str, Any]) -> list[str]:
    if name == "drill_overhead":
        rows = [
            [
                c["cell_vms"],
                c["vms"],
                c["concurrency"],
                c["speed"],
                c.get("ran_as", "flow runs"),
                c["ideal_s"],
                c["wall_s"],
                c["ratio"],
                c["child_ideal_s"],
                c["child_mean_s"],
                c["passed"],
            ]
            for c in r["cells"]
        ]
        sqlite = _load(SQLITE_CELL)
        on_sqlite = (
            [
                "",
                f"The target cell again with Prefect on SQLite (its default), in a process of "
                f"its own: {sqlite['cells'][0]['wall_s']} s against {sqlite['cells'][0]['ideal_s']}"
                f" s = **{sqlite['target_value']}**.",
            ]
            if sqlite and sqlite.get("cells")
            else []
        )
        return [
            f"Ideal: `{r['formula']}`. Cells at concurrency 1 run the first "
            f"{SEQUENTIAL_VMS} VMs: one after another, a drill's ratio does not depend on its "
            "length. "
            "`child` is one workload's run (a child flow run, or a task run of the drill's "
            "run: `as`), its ideal one VM's operations.",
            "",
            table(
                "",
                [
                    "VMs",
                    "ran",
                    "conc.",
                    "speed",
                    "as",
                    "ideal s",
                    "wall s",
                    "wall/ideal",
                    "child ideal s",
                    "child mean s",
                    "passed",
                ],
                rows,
            ).strip(),
            *on_sqlite,
        ]
    if name == "api_economy":
        rows = [
            ["drflow", d["vms"], d["concurrency"], d["speed"], d["vbr_calls"], d["calls_per_vm"]]
            for d in r["drflow"]
        ]
        n = r["naive"]
        rows.append(
            [
                "naive, polls every 1 s",
                n["vms"],
                n["concurrency"],
                n["speed"],
                n["vbr_calls"],
                n["calls_per_vm"],
            ]
        )
        target = next(
            (
                d
                for d in r["drflow"]
                if d["vms"] == r["target_cell"]["vms"]
                and d["concurrency"] == r["target_cell"]["concurrency"]
            ),
            r["drflow"][-1],
        )
        by_route = [
            [k, v, round(v / target["vms"], 2)] for k, v in target["calls_by_route"].items()
        ]
        return [
            "Every `/api` request the simulator answered during the drill (token and "
            "preflight included), divided by the VMs recovered.",
            "",
            table("", ["client", "VMs", "conc.", "speed", "calls", "per VM"], rows).strip(),
            "",
            f"Calls of the {target['vms']}-VM drill at concurrency {target['concurrency']}, "
            "by route:",
            "",
            table("", ["route", "calls", "per VM"], by_route).strip(),
        ]
    if name == "client_overhead":
        return [
            f"Work per round: {r['work']}; {r['rounds']} alternating rounds, medians.",
            "",
            table(
                "",
                ["client", "median ms", "ratio"],
                [
                    ["raw httpx (JSON decode)", r["raw_httpx_median_ms"], 1.0],
                    ["drflow VBRClient (validated models)", r["drflow_median_ms"], r["ratio"]],
                ],
            ).strip(),
        ]
    if name == "prefect_overhead":
        return [
            f"{r['vms']} VMs one after another at speed {r['speed']:g}.",
            "",
            table(
                "",
                ["how", "s per VM", "over direct s"],
                [[k, v, r["overhead_per_vm_s"][k]] for k, v in r["per_vm_s"].items()],
            ).strip(),
        ]
    rows = [
        [
            s["vms"],
            s["concurrency"],
            s["speed"],
            s["wall_s"],
            s["ideal_s"],
            s["ratio"],
            s["rss_peak_mib"],
            s["calls_per_vm"],
            s["passed"],
        ]
        for s in r["sizes"]
    ]
    columns = ["VMs", "conc.", "speed", "wall s", "ideal s", "ratio", "peak RSS MiB", "calls/VM"]
    return [
        "Each drill in a process of its own (peak RSS of the drill's process; the Prefect "
        "server is another process).",
        "",
        table("", [*columns, "passed"], rows).strip(),
    ]


if __name__ == "__main__":
    sys.exit(main())
