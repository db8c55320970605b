"""The command line's console: a failure drflow expects is told in one line, not a traceback.

Prefect logs the exception that ends a flow or task run with its traceback. That is right for
the Prefect UI, where an engineer may need it, but a recovery that failed because VBR refused
it (a missing role, an untrusted certificate, a failed check) is an answer, not a crash: the
terminal shows the message alone. Only the console's formatter changes; the records that go to
the Prefect API keep their tracebacks.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager


def _expected() -> tuple[type[BaseException], ...]:
    from drflow.flows._handover import HandoverFailed
    from drflow.flows._report import RecoveryFailed
    from drflow.flows.drill import DrillFailed
    from drflow.vbr import VBRError

    return (VBRError, RecoveryFailed, DrillFailed, HandoverFailed)


class _Untraced(logging.Formatter):
    """Formats like ``inner``, without the traceback of an expected failure."""

    def __init__(self, inner: logging.Formatter, expected: tuple[type[BaseException], ...]):
        super().__init__()
        self._inner = inner
        self._expected = expected

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and isinstance(record.exc_info[1], self._expected):
            record = copy.copy(record)
            record.exc_info = None
            record.exc_text = None
        return self._inner.format(record)


@contextmanager
def expected_failures_untraced() -> Iterator[None]:
    """Within the block, console handlers print expected failures without their traceback."""
    from prefect.logging.handlers import PrefectConsoleHandler

    expected = _expected()
    swapped: list[tuple[logging.Handler, logging.Formatter | None]] = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            swapped.append((handler, handler.formatter))
            handler.setFormatter(_Untraced(handler.formatter or logging.Formatter(), expected))
    try:
        yield
    finally:
        for handler, formatter in swapped:
            handler.setFormatter(formatter)
