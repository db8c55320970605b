"""The command line's console prints expected failures without a traceback, others with one."""

from __future__ import annotations

import io
import logging
import sys

from prefect.logging.handlers import PrefectConsoleHandler

import drflow.drills  # noqa: F401  (configures Prefect's logging before the tests add a handler)
from drflow.console import plain_console, plain_console_logs
from drflow.vbr import VBRConfigError


def _log_failure(exc: BaseException) -> str:
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    api_records: list[logging.LogRecord] = []
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with plain_console_logs():
            try:
                raise exc
            except BaseException:
                record = logging.LogRecord("t", logging.ERROR, __file__, 1, "it failed", (), None)
                record.exc_info = sys.exc_info()
                api_records.append(record)
                handler.handle(record)
    finally:
        root.removeHandler(handler)
    assert api_records[0].exc_info is not None  # what goes to the Prefect API keeps it
    return stream.getvalue()


def test_an_expected_failure_is_one_line():
    text = _log_failure(VBRConfigError("DRFLOW_VBR_URL: not a URL"))
    assert "it failed" in text
    assert "Traceback" not in text


def test_a_bug_keeps_its_traceback():
    text = _log_failure(KeyError("surprise"))
    assert "Traceback" in text
    assert "KeyError" in text


def test_the_console_formatter_is_restored():
    handler = PrefectConsoleHandler(stream=io.StringIO())
    original = logging.Formatter("%(message)s")
    handler.setFormatter(original)
    logging.getLogger().addHandler(handler)
    try:
        with plain_console_logs():
            assert handler.formatter is not original
        assert handler.formatter is original
    finally:
        logging.getLogger().removeHandler(handler)


FINGERPRINT = "69:4F:23:CD:03"  # rich would show ":CD:" as an emoji


def test_log_lines_are_printed_as_written():
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger().addHandler(handler)
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, FINGERPRINT, (), None)
    try:
        with plain_console_logs():
            handler.handle(record)
        handler.handle(record)
    finally:
        logging.getLogger().removeHandler(handler)
    inside, outside = stream.getvalue().splitlines()
    assert inside == FINGERPRINT
    assert outside != FINGERPRINT  # Prefect's own console, outside the block, is left as it was


def test_drflow_consoles_print_text_as_written():
    out = plain_console()
    with out.capture() as captured:
        out.print(f"server presented {FINGERPRINT}")
    assert captured.get().strip() == f"server presented {FINGERPRINT}"
