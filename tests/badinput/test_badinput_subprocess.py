"""End to end: a few rows of each door through the installed ``drflow`` command, in their own
processes (run at the same time), for what an in-process runner could hide: a traceback
printed by the interpreter, the exit status the shell sees, output the terminal wraps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.badinput

ROOT = Path(__file__).parents[2]
DRFLOW = str(Path(sys.executable).parent / "drflow")
CORPUS = Path(__file__).parent / "corpus"

# (id, arguments, extra environment, exit code, fragments of stderr)
ROWS = [
    (
        "plan-not-utf8",
        ["plan", "validate", str(CORPUS / "plans" / "not-utf8.yaml")],
        {},
        1,
        ["not-utf8.yaml: 1 problem(s)", "(file) (line 3): not UTF-8 text"],
    ),
    (
        "drill-cycle",
        ["drill", str(CORPUS / "plans" / "cycle.yaml")],
        {},
        2,
        ["dependency cycle: a -> b -> a"],
    ),
    (
        "run-params-missing-file",
        ["run", "vsphere-instant-recovery", "--params", "@/nonexistent/params.json"],
        {},
        2,
        ["--params: cannot read /nonexistent/params.json: No such file or directory"],
    ),
    (
        "drill-bad-environment",
        ["drill", "plans/tier1.yaml"],
        {"DRFLOW_VBR_READ_TIMEOUT": "slow"},
        2,
        ["DRFLOW_VBR_READ_TIMEOUT='slow': Input should be a valid number"],
    ),
]


def test_installed_command_fails_cleanly() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DRFLOW_VBR_")}
    base.update(
        DRFLOW_VBR_URL="http://127.0.0.1:9",
        DRFLOW_VBR_USERNAME="restore-operator",
        DRFLOW_VBR_PASSWORD="canary-pa55word",
        COLUMNS="60",  # a narrow terminal: messages must still be whole
    )
    processes = {
        row_id: subprocess.Popen(
            [DRFLOW, *args],
            cwd=ROOT,
            env={**base, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for row_id, args, extra, _, _ in ROWS
    }
    for row_id, _, _, code, fragments in ROWS:
        stdout, stderr = processes[row_id].communicate(timeout=120)
        assert processes[row_id].returncode == code, (row_id, stdout, stderr)
        error = " ".join(stderr.split())
        for fragment in fragments:
            assert fragment in error, (row_id, error)
        assert "Traceback" not in stdout + stderr, row_id
        assert "canary-pa55word" not in stdout + stderr, row_id
