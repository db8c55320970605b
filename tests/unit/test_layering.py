"""The packages of drflow keep to their layers: read from the source, every import included.

- A package's ``_private`` modules and names are its own: another top-level package imports what
  the package exports (from ``drflow.vbr``, ``drflow.tasks``, ... or a public module of theirs).
- ``drflow.vbr`` (the VBR client) and ``drflow.simulator`` (a stand-in VBR) never import Prefect.

Imports inside functions count too. Every offender is reported at once.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = SRC / "drflow"
NO_PREFECT = ("drflow.vbr", "drflow.simulator")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_package(name: str) -> str:
    """``drflow.vbr`` for ``drflow.vbr.api.vsphere``; ``drflow`` for a module at the root."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and (ROOT / parts[1]).is_dir() else "drflow"


def imports_of(source: str, name: str, *, is_package: bool = False) -> Iterator[tuple[str, int]]:
    """What module ``name`` imports, with the line, as absolute dotted names: the module of
    ``import module`` and of ``from module import ...`` when it is private, else each
    ``module.name`` imported from it."""
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            if private(base):
                yield base, node.lineno
                continue
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def private(dotted: str) -> bool:
    """Whether a dotted name goes through a ``_private`` module or name."""
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def offences_of(name: str, imported: Iterator[tuple[str, int]], where: str) -> Iterator[str]:
    home = top_package(name)
    for target, line in imported:
        if name.startswith(NO_PREFECT) and (target == "prefect" or target.startswith("prefect.")):
            yield f"{where}:{line}: {name} imports Prefect ({target})"
        if not target.startswith("drflow.") or top_package(target) == home:
            continue
        if private(target):
            yield f"{where}:{line}: {name} imports {target}, private to {top_package(target)}"


def modules() -> Iterator[tuple[str, str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        yield module_name(path), path.read_text(), path


def test_no_package_reaches_into_another_and_the_client_has_no_prefect() -> None:
    found = [
        offence
        for name, source, path in modules()
        for offence in offences_of(
            name,
            imports_of(source, name, is_package=path.name == "__init__.py"),
            str(path.relative_to(SRC)),
        )
    ]
    assert not found, "layering broken:\n" + "\n".join(found)


def test_function_level_and_relative_imports_are_caught() -> None:
    source = (
        "from ..vbr import _client\n"
        "def start():\n"
        "    from drflow.vbr._retry import IDEMPOTENT_METHODS\n"
        "    import drflow.vbr.api._base\n"
    )
    found = list(offences_of("drflow.tasks.probe", imports_of(source, "drflow.tasks.probe"), "p"))
    assert [line.split(": ", 1)[1] for line in found] == [
        "drflow.tasks.probe imports drflow.vbr._client, private to drflow.vbr",
        "drflow.tasks.probe imports drflow.vbr._retry, private to drflow.vbr",
        "drflow.tasks.probe imports drflow.vbr.api._base, private to drflow.vbr",
    ]
    assert list(offences_of("drflow.vbr.waiting", iter([("drflow.vbr._retry", 1)]), "p")) == []


def test_prefect_in_the_client_is_caught_inside_functions() -> None:
    source = "def later():\n    from prefect import get_run_logger\n"
    found = list(offences_of("drflow.vbr.probe", imports_of(source, "drflow.vbr.probe"), "p"))
    assert found == ["p:2: drflow.vbr.probe imports Prefect (prefect.get_run_logger)"]


def test_the_errors_module_is_a_leaf() -> None:
    """Every package may derive its exceptions from drflow.errors: it imports none of them."""
    source = (ROOT / "errors.py").read_text()
    assert [t for t, _ in imports_of(source, "drflow.errors") if t.startswith("drflow")] == []


def _parts_imported(name: str, source: str, is_package: bool) -> Iterator[str]:
    """The top-level parts of drflow that module ``name`` imports (any import, anywhere)."""
    for target, _ in imports_of(source, name, is_package=is_package):
        if target.startswith("drflow."):
            part = top_package(target)
            if part == "drflow":  # a module at the root: drflow.console, drflow.errors...
                part = ".".join(target.split(".")[:2])
            yield part


def part_of(name: str) -> str:
    """``drflow.vbr`` for a module of it; the module itself for one at the root."""
    part = top_package(name)
    return ".".join(name.split(".")[:2]) if part == "drflow" else part


def test_the_top_level_parts_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for name, source, path in modules():
        home = part_of(name)
        for part in _parts_imported(name, source, path.name == "__init__.py"):
            if part != home and part != "drflow":
                graph.setdefault(home, set()).add(part)

    def path_back(start: str, to: str, seen: set[str]) -> list[str] | None:
        for nxt in sorted(graph.get(start, ())):
            if nxt == to:
                return [start, nxt]
            if nxt not in seen:
                seen.add(nxt)
                rest = path_back(nxt, to, seen)
                if rest:
                    return [start, *rest]
        return None

    cycles = [c for part in sorted(graph) if (c := path_back(part, part, set()))]
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
    assert "drflow.flows" in graph["drflow.plans"]  # the check sees the layers it guards
