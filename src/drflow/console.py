"""The command line's console: text as written, and a failure drflow expects in one line.

Rich turns ``:name:`` into an emoji by default, so a certificate fingerprint such as
``...:23:CD:03:...`` would reach the operator as ``...:23💿03:...``, exactly where they compare
it character by character. Every console drflow prints to, its own and Prefect's log handler,
shows text as written.

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
from typing import Any

from rich.console import Console


def plain_console(*, stderr: bool = False) -> Console:
    """A console for drflow's output: markup for drflow's own styling, no emoji codes."""
    return Console(stderr=stderr, emoji=False)


def _expected() -> tuple[type[BaseException], ...]:
    from drflow.drills import DrillFailed, NotReady
    from drflow.flows.engine import RecoveryFailed, RecoveryProblem, Unverified
    from drflow.vbr import VBRError

    return (VBRError, RecoveryFailed, DrillFailed, NotReady, RecoveryProblem, Unverified)


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


class _AsWritten:
    """Stands in for a handler's console: prints without emoji codes, otherwise the same."""

    def __init__(self, inner: Console):
        self._inner = inner

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self._inner.print(*objects, **{**kwargs, "emoji": False})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def plain_console_logs() -> Iterator[None]:
    """Within the block, Prefect's console handlers print log lines as written, and expected
    failures without their traceback."""
    from prefect.logging.handlers import PrefectConsoleHandler

    expected = _expected()
    swapped: list[tuple[PrefectConsoleHandler, logging.Formatter | None, Console]] = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            swapped.append((handler, handler.formatter, handler.console))
            handler.setFormatter(_Untraced(handler.formatter or logging.Formatter(), expected))
            handler.console = _AsWritten(handler.console)  # type: ignore[assignment]
    try:
        yield
    finally:
        for handler, formatter, inner in swapped:
            handler.setFormatter(formatter)
            handler.console = inner
