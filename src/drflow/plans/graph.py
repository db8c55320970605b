"""The order a plan runs in: groups one after another, ``depends_on`` edges inside and across."""

from __future__ import annotations

from collections.abc import Iterable

from .model import Plan


def dependencies(plan: Plan) -> dict[str, set[str]]:
    """Each workload and the workloads it waits for: its ``depends_on`` plus every workload of
    the groups before its own."""
    before: set[str] = set()
    edges: dict[str, set[str]] = {}
    for group in plan.groups:
        names = {w.name for w in group.workloads}
        for workload in group.workloads:
            edges[workload.name] = set(workload.depends_on) | before
        before |= names
    return edges


def find_cycle(edges: dict[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a list of names (first == last), or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(edges.get(name, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep in edges and state.get(dep) is None:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(edges):
        if state.get(name) is None:
            found = visit(name)
            if found:
                return found
    return None


def waves(plan: Plan, only: set[str] | None = None) -> list[list[str]]:
    """Workloads in the order they may start: each wave only waits for earlier ones."""
    edges = {
        name: deps & (only if only is not None else set(deps))
        for name, deps in dependencies(plan).items()
        if only is None or name in only
    }
    done: set[str] = set()
    out: list[list[str]] = []
    while len(done) < len(edges):
        ready = sorted(n for n, deps in edges.items() if n not in done and deps <= done)
        if not ready:
            raise ValueError("the plan's dependencies form a cycle")
        out.append(ready)
        done |= set(ready)
    return out
