"""The operator's terminal: Prefect's log lines above the live progress line, never into it;
expected failures in one line, without Prefect's lines that repeat them; the demo quiet; the
temporary server's settings; where a run is and where its report will be; the flows listed in
full in ``drflow run --help``."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from prefect.logging.handlers import PrefectConsoleHandler
from rich.console import Console
from typer.testing import CliRunner

import drflow.drills  # noqa: F401  (configures Prefect's logging before the tests add a handler)
from drflow.cli import app
from drflow.cli.app import TEMPORARY_SERVER
from drflow.cli.where import no_ui, run_url, ui_url
from drflow.console import plain_console_logs
from drflow.flows import FLOWS, RecoveryFailed, RecoveryReport
from drflow.vbr import MountFailed

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def handler() -> Iterator[tuple[PrefectConsoleHandler, io.StringIO]]:
    """A Prefect console handler on the root logger, writing to its own stream (the terminal's
    stderr, as Prefect's logging configuration gives it)."""
    stream = io.StringIO()
    added = PrefectConsoleHandler(stream=stream)
    added.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(added)
    try:
        yield added, stream
    finally:
        root.removeHandler(added)


def _emit(handler: PrefectConsoleHandler, message: str, exc: BaseException | None = None) -> None:
    record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, message, (), None)
    if exc is not None:
        try:
            raise exc
        except BaseException:
            record.exc_info = sys.exc_info()
    handler.handle(record)


# --- item 7: log lines above the live display -----------------------------------------------------


def test_log_lines_are_printed_above_a_live_status_not_into_it(handler) -> None:
    _, stderr = handler
    terminal = io.StringIO()
    live = Console(file=terminal, force_terminal=True, width=60, emoji=False)
    line = "Task run 'wait-for-mount[web01]' - web01 is Mounted on esx01.lab.local"
    with (
        live.status("vsphere-instant-recovery[web01]: waiting (15%)"),
        plain_console_logs(above=live),
    ):
        logging.getLogger("drflow.test").warning(line)
    assert stderr.getvalue() == ""  # not written past the live display
    shown = ANSI.sub("", terminal.getvalue())
    assert f"WARNING {line}" in shown  # whole: the display is cleared, the line printed, redrawn
    logging.getLogger("drflow.test").warning("after the block")
    assert "after the block" in stderr.getvalue()  # the handler's own stream again


def test_without_a_terminal_log_lines_stay_on_their_stream(handler) -> None:
    _, stderr = handler
    piped = io.StringIO()
    live = Console(file=piped, force_terminal=False, emoji=False)
    with live.status("working"), plain_console_logs(above=live):
        logging.getLogger("drflow.test").warning("to stderr")
    assert "to stderr" in stderr.getvalue()
    assert "to stderr" not in piped.getvalue()


# --- item 5: expected failures in one line --------------------------------------------------------


def test_prefects_repeat_of_an_expected_failure_is_not_printed(handler) -> None:
    added, stream = handler
    report = RecoveryReport(workload="broken01", then="unmount", reason="mount failed: no host")
    failed = MountFailed("instant recovery of broken01", "no host")
    with plain_console_logs():
        _emit(added, "Encountered exception during execution: %r", RecoveryFailed(report))
        _emit(added, "Task run failed with exception: MountFailed('...') - Retries are exhausted",
              failed)  # fmt: skip
        _emit(added, "recovery of broken01 failed: mount failed: no host")
        _emit(added, "Finished in state Failed('Task run encountered an exception MountFailed')")
    text = stream.getvalue()
    assert "Encountered exception" not in text
    assert "Task run failed with exception" not in text
    assert "Traceback" not in text
    assert "recovery of broken01 failed: mount failed: no host" in text
    assert "Finished in state Failed" in text


def test_prefects_line_for_a_bug_keeps_its_traceback(handler) -> None:
    added, stream = handler
    with plain_console_logs():
        _emit(added, "Encountered exception during execution: %r", KeyError("surprise"))
    assert "Encountered exception during execution" in stream.getvalue()
    assert "Traceback" in stream.getvalue()


def test_quiet_prints_no_log_line_and_restores_the_level(handler) -> None:
    added, stream = handler
    level = added.level
    with plain_console_logs(quiet=True):
        logging.getLogger("drflow.test").error("not on the terminal")
    assert stream.getvalue() == ""
    assert added.level == level
    assert not added.filters  # the filter is gone with the block


# --- item 6: the temporary server's settings ------------------------------------------------------


PROBE = """
import os, sys
import drflow.cli.app
module = sys.modules["drflow.cli.app"]
from prefect.settings import (
    PREFECT_SERVER_ANALYTICS_ENABLED as analytics,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as startup,
)

def command():
    print(os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED"), analytics.value(), startup.value())
    raise SystemExit(0)  # as typer ends

module.app = command
module.main()
"""


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "false False 90"),  # what the temporary server is started with
        ({"PREFECT_SERVER_ANALYTICS_ENABLED": "true"}, "true True 90"),  # the operator's choice
        ({"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "5"}, "false False 5"),
    ],
)
def test_commands_start_the_temporary_server_without_telemetry_unless_told(
    tmp_path, environment: dict[str, str], expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DRFLOW_"))}
    env.update(PREFECT_HOME=str(tmp_path), **environment)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == expected
    assert set(TEMPORARY_SERVER) == {
        "PREFECT_SERVER_ANALYTICS_ENABLED",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
    }


# --- item 1: where the run is ---------------------------------------------------------------------


def test_the_ui_address_follows_prefects_settings() -> None:
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None, PREFECT_UI_URL: None}):
        assert ui_url() is None
        assert run_url("abc") is None
    with temporary_settings(updates={PREFECT_API_URL: "http://10.0.0.5:4300/api"}):
        assert ui_url() == "http://10.0.0.5:4300"
        assert run_url("abc") == "http://10.0.0.5:4300/runs/flow-run/abc"
    with temporary_settings(
        updates={PREFECT_API_URL: "http://127.0.0.1:4200/api", PREFECT_UI_URL: "https://dr.lab/"}
    ):
        assert run_url("abc") == "https://dr.lab/runs/flow-run/abc"


def test_without_a_server_it_says_how_to_get_a_ui() -> None:
    text = no_ui("1234")
    assert "no Prefect UI" in text
    assert "prefect server start" in text
    assert "http://127.0.0.1:4200/runs/flow-run/1234" in text
    assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in text


def test_every_flow_knows_where_its_report_will_be() -> None:
    from drflow.cli.live import report_of_run
    from drflow.flows.registry import KINDS

    for kind in KINDS.values():
        required = {
            name: _example(name) for name, field in kind.params.model_fields.items()
            if field.is_required()
        }  # fmt: skip
        if "allow_overwrite" in kind.params.model_fields:  # original location: must say so
            required["allow_overwrite"] = True
        params = kind.params.model_validate(required)
        where = " ".join(report_of_run(kind.flow, params))
        name = kind.strategy(params).name
        assert "recovery-" in where, kind.name
        assert re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") in where, kind.name


def _example(field: str) -> object:
    return {
        "vm": "web01",
        "share": "\\\\fs01\\finance",
        "bucket": "invoices",
        "tenant": "contoso.onmicrosoft.com",
        "cluster": {"vcenter": "vcenter01.lab.local", "name": "DR cluster"},
    }.get(field, "x")


# --- item 10: flows in full in --help -------------------------------------------------------------


def test_run_help_lists_each_flow_with_its_whole_summary() -> None:
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for name, entry in FLOWS.items():
        summary = " ".join(entry.flow.description.split("\n\n")[0].split())
        assert f"{name}: {summary}" in text, name
    # the one that was cut mid-sentence
    assert "migrate (with an Auto, Manual or Scheduled switchover), keep it or ask." in text


def test_help_params_shows_the_whole_description() -> None:
    result = CliRunner().invoke(
        app, ["run", "file-level-restore", "--help-params"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "rejected credentials unmount and fail the run" in " ".join(result.output.split())
    assert "--keep-minutes" in result.output


def test_every_flow_summary_is_a_whole_sentence() -> None:
    # the epilog shows each docstring's first paragraph: it must end its sentence
    for name, entry in FLOWS.items():
        summary = " ".join(entry.flow.description.split("\n\n")[0].split())
        assert summary.endswith("."), name
