"""``drflow plan validate|show``: recovery plans checked and shown, without VBR."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.tree import Tree

from drflow.plans import waves

from .common import PLAN_FILE, console, load_plan_or_exit

plan_app = typer.Typer(help="Recovery plans: check them and see their order.", no_args_is_help=True)


@plan_app.command("validate")
def validate(
    file: list[Path] = typer.Argument(..., help="Plan files (YAML): one or more."),
) -> None:
    """Check plans: every problem at once, each with its file and place. Exit 1 if any."""
    bad = 0
    for path in file:
        try:
            plan = load_plan_or_exit(path)
        except typer.Exit:
            bad += 1
            continue
        console.print(  # one line, however long the path: scripts grep it
            f"{escape(str(path))}: plan {plan.name!r} is valid: "
            f"{len(plan.workloads())} workloads in {len(plan.groups)} groups",
            soft_wrap=True,
            highlight=False,
        )
    if bad:
        raise typer.Exit(1)


@plan_app.command("show")
def show(file: Path = PLAN_FILE) -> None:
    """Show the order in which a plan would run, as a tree."""
    plan = load_plan_or_exit(file)
    tree = Tree(
        f"[bold]{plan.name}[/]: {escape(plan.description)} "
        f"(max {plan.max_parallel} at once, deadline {plan.deadline_minutes:g} min"
        + (f", sample {plan.sample}" if plan.sample else "")
        + ")"
    )
    for group in plan.groups:
        branch = tree.add(
            f"group [bold]{escape(group.name)}[/]"
            + (f" (max {group.max_parallel} at once)" if group.max_parallel else "")
        )
        for workload in group.workloads:
            rto = workload.rto_minutes or plan.defaults.rto_minutes
            rpo = workload.rpo_hours or plan.defaults.rpo_hours
            targets = ", ".join(
                part
                for part in (f"RTO {rto:g} min" if rto else "", f"RPO {rpo:g} h" if rpo else "")
                if part
            )
            after = f" after {', '.join(workload.depends_on)}" if workload.depends_on else ""
            branch.add(
                f"{workload.name} [dim]({workload.kind}{after}; {targets or 'no targets'})[/]"
            )
    console.print(tree)
    console.print("\n[bold]Start order[/] (each line waits for the ones above it):")
    for number, wave in enumerate(waves(plan), 1):
        console.print(f"  {number}. {', '.join(wave)}")
