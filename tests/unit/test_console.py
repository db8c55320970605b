"""The command line's console prints expected failures without a traceback, others with one."""

from __future__ import annotations

import io
import logging
import sys

from prefect.logging.handlers import PrefectConsoleHandler

import drflow.flows.drill  # noqa: F401  (configures Prefect's logging before the tests add a handler)
from drflow._console import expected_failures_untraced
from drflow.vbr import VBRConfigError


def _log_failure(exc: BaseException) -> str:
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    api_records: list[logging.LogRecord] = []
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with expected_failures_untraced():
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
        with expected_failures_untraced():
            assert handler.formatter is not original
        assert handler.formatter is original
    finally:
        logging.getLogger().removeHandler(handler)
