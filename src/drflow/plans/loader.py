"""Reading a plan file and saying everything that is wrong with it, with where and what to do."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drflow.errors import DrflowError
from drflow.flows import PLAN_KINDS

from .graph import find_cycle
from .model import PLAN_FIELDS, Plan


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan: where (a path in the file, and its line) and what."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class PlanError(DrflowError):
    """A plan file that cannot be used; ``problems`` lists every reason at once."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; raise :class:`PlanError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(str(path), [Problem("(file)", f"cannot read it: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise PlanError(
            str(path),
            [Problem("(file)", f"not UTF-8 text (byte {exc.start}): save the plan as UTF-8", line)],
        ) from None
    return parse_plan(text, str(path))


def parse_plan(text: str, source: str = "<plan>") -> Plan:
    """Validate a plan given as YAML text.

    ``${NAME}`` is replaced by the environment variable ``NAME`` (an unset one is a problem),
    ``${NAME:-default}`` by ``default`` when ``NAME`` is unset.
    """
    text, missing = _expand(text)
    problems: list[Problem] = []
    plan: Plan | None = None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem("(YAML)", f"not valid YAML: {problem}", line))
    else:
        if not isinstance(data, dict):
            empty = "the file is empty: " if data is None else ""
            problems.append(Problem("(top)", f"{empty}a plan is a mapping with name, groups, ..."))
        else:
            lines = _line_index(node)
            problems += _duplicate_keys(node)
            try:
                plan = Plan.model_validate(data)
            except ValidationError as exc:
                problems += _problems(exc, (), lines)
            problems += _workload_problems(data, lines)
            problems += _graph_problems(data, lines)
    if missing:  # what an unset variable's line says besides is only a consequence of it
        unset = {problem.line for problem in missing}
        problems = missing + [p for p in problems if p.line is None or p.line not in unset]
    if problems:  # in the order of the file
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise PlanError(source, _unique(problems))
    assert plan is not None
    return plan


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(text: str) -> tuple[str, list[Problem]]:
    missing: list[Problem] = []
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue

        def value(match: re.Match[str], number: int = number) -> str:
            name, default = match.group(1), match.group(2)
            if name not in os.environ and default is not None:
                return default
            if name not in os.environ:
                missing.append(
                    Problem(
                        "(environment)", f"${{{name}}} is used but {name} is not set", number + 1
                    )
                )
                return match.group(0)
            return os.environ[name]

        lines[number] = _VARIABLE.sub(value, line)
    return "".join(lines), missing


def workload_params(plan: Plan, name: str, mode: str = "drill") -> dict[str, Any]:
    """The parameters of one workload's flow: its own, the plan's defaults, the connection,
    and (in a drill) what makes it a rehearsal: isolated, and unmounted after verification."""
    workload = plan.workload(name)
    params = dict(workload.params)
    defaults = plan.defaults
    if defaults.checks and "checks" not in params:
        params["checks"] = [check.model_dump(mode="json") for check in defaults.checks]
    if defaults.timeout_minutes and "timeout_minutes" not in params:
        params["timeout_minutes"] = defaults.timeout_minutes
    connection = {**plan.vbr.connection(), **params.get("connection", {})}
    if connection:
        params["connection"] = connection
    if plan.outage_tolerance_minutes and "outage_tolerance_minutes" not in params:
        params["outage_tolerance_minutes"] = plan.outage_tolerance_minutes
    fields = PLAN_KINDS[workload.kind].params.model_fields
    if mode == "drill":
        params["then"] = "unmount"
        if "isolated" in fields:
            params.setdefault("isolated", True)
    else:  # a failover: production networks, and it stays (migrates when the plan says so)
        params["then"] = "migrate" if params.get("then") == "migrate" else "keep"
        if "isolated" in fields:
            params.setdefault("isolated", False)
    return params


def _workload_problems(data: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Each workload's flow parameters, validated by that flow's model."""
    problems: list[Problem] = []
    for g, group in enumerate(_list(data.get("groups"))):
        for w, raw in enumerate(_list(group.get("workloads") if isinstance(group, dict) else None)):
            if not isinstance(raw, dict) or raw.get("kind") not in PLAN_KINDS:
                continue  # the plan model already said what is wrong
            at = ("groups", g, "workloads", w)
            params = {k: v for k, v in raw.items() if k not in PLAN_FIELDS}
            params.setdefault("then", "unmount")
            try:
                PLAN_KINDS[raw["kind"]].params.model_validate(params)
            except ValidationError as exc:
                problems += _problems(exc, at, lines)
    return problems


def _graph_problems(data: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Unique names, known ``depends_on``, no cycle, ``sample`` within the plan: read from the
    file as written, so that they are reported with the plan's other problems."""
    problems: list[Problem] = []
    seen: dict[str, tuple[Any, ...]] = {}
    group_of: dict[str, int] = {}
    workloads: list[tuple[tuple[Any, ...], str, list[Any]]] = []
    for g, group in enumerate(_list(data.get("groups"))):
        for w, raw in enumerate(_list(group.get("workloads") if isinstance(group, dict) else None)):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue  # the plan model already said what is wrong
            at = ("groups", g, "workloads", w)
            name = raw["name"]
            workloads.append((at, name, _list(raw.get("depends_on"))))
            if name in seen:
                problems.append(
                    Problem(
                        _path((*at, "name")),
                        f"{name!r} is already the name of {_path(seen[name])}: "
                        "workload names must be unique",
                        lines.get((*at, "name")),
                    )
                )
                continue
            seen[name] = at
            group_of[name] = g
    for at, name, depends_on in workloads:
        for d, dep in enumerate(depends_on):
            where = (*at, "depends_on", d)
            if not isinstance(dep, str):
                continue
            if dep not in seen:
                problems.append(
                    Problem(
                        _path(where),
                        f"no workload is called {dep!r} (known: {', '.join(sorted(seen))})",
                        lines.get(where),
                    )
                )
            elif dep == name:
                problems.append(
                    Problem(_path(where), "a workload cannot depend on itself", lines.get(where))
                )
    if not problems:
        edges: dict[str, set[str]] = {}
        before: set[str] = set()
        for g in sorted(set(group_of.values())):
            names = {n for n, group in group_of.items() if group == g}
            for _, name, depends_on in workloads:
                if name in names:
                    edges[name] = {d for d in depends_on if isinstance(d, str)} | before
            before |= names
        cycle = find_cycle(edges)
        if cycle:
            first = seen[cycle[0]]
            across = len({group_of[n] for n in cycle}) > 1
            problems.append(
                Problem(
                    _path((*first, "depends_on")),
                    "dependency cycle: "
                    + " -> ".join(cycle)
                    + (
                        " (groups run in order: a workload cannot depend on one of a later group)"
                        if across
                        else ": remove one of these depends_on"
                    ),
                    lines.get((*first, "name")),
                )
            )
    sample = data.get("sample")
    if isinstance(sample, int) and not isinstance(sample, bool) and sample > len(seen):
        problems.append(
            Problem(
                "sample",
                f"sample is {sample} but the plan has {len(seen)} workloads",
                lines.get(("sample",)),
            )
        )
    return problems


def _problems(
    exc: ValidationError, prefix: tuple[Any, ...], lines: dict[tuple[Any, ...], int]
) -> list[Problem]:
    out = []
    for error in exc.errors():
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        loc = tuple(p for p in loc if p not in ("http", "tcp", "command"))  # union tags
        full = (*prefix, *loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}: check its spelling against the documentation"
        elif error["type"] == "missing":
            message = "required, but missing"
        elif error["type"] == "literal_error":
            message = f"{message}, got {error.get('input')!r}"
        elif error["type"] in ("model_type", "dict_type"):
            message = f"Input should be a mapping of keys and values, got {error.get('input')!r}"
        out.append(Problem(_path(full), message, _nearest_line(full, lines)))
    return out


def _nearest_line(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _line_index(node: yaml.Node | None, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Line (1-based) of every key and item of a YAML document, by its path."""
    lines: dict[tuple[Any, ...], int] = {}
    if node is None:
        return lines
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines.update(_line_index(value, path))
            lines[path] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_index(item, (*prefix, index)))
    return lines


def _duplicate_keys(node: yaml.Node | None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Keys written twice in one mapping: YAML keeps the last silently, a plan refuses both."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in first:
                problems.append(
                    Problem(
                        _path((*prefix, key.value)),
                        f"{key.value!r} is written twice (first on line {first[key.value]}): "
                        "keep one",
                        line,
                    )
                )
            first.setdefault(key.value, line)
            problems += _duplicate_keys(value, (*prefix, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, (*prefix, index))
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for problem in problems:
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            out.append(problem)
    return out
