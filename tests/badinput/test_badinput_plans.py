"""Door 1: plan files. Each file of ``corpus/plans`` is a broken plan whose ``# expect:`` lines
are the fragments its report must contain: the place (path in the file and line) and what is
wrong. ``plan validate`` and ``plan show`` answer 1 (the plan is invalid), ``drill`` 2 (a
mistake in the command: nothing is started, not even the embedded simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from drflow.cli import app

pytestmark = pytest.mark.badinput

CORPUS = Path(__file__).parent / "corpus" / "plans"
FILES = sorted(CORPUS.glob("*.yaml"))


def expectations(path: Path) -> list[str]:
    """The ``# expect:`` lines of a corpus file (read as bytes: some are not UTF-8 on purpose)."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 25
    assert all(expectations(path) for path in FILES)


@pytest.mark.parametrize(
    ("command", "code"), [("plan validate", 1), ("plan show", 1), ("drill", 2)]
)
@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_broken_plan_is_reported_with_its_places(
    path: Path, command: str, code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRFLOW_BADINPUT_NEVER_SET", raising=False)
    monkeypatch.delenv("DRFLOW_VBR_URL", raising=False)
    result = CliRunner().invoke(app, [*command.split(), str(path)])
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    header, *problems = result.stderr.splitlines()
    assert header == f"{path}: {len(problems)} problem(s)"
    expected = expectations(path)
    for fragment in expected:
        assert any(fragment in line for line in problems), (fragment, problems)
    for line in problems:  # one line per problem, each one expected: no noise
        assert any(fragment in line for fragment in expected), line
    assert "Traceback" not in result.output
