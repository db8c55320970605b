"""The command line's console: text as written, a failure drflow expects in one line, and
Prefect's log lines above a live progress display.

Rich turns ``:name:`` into an emoji by default, so a certificate fingerprint such as
``...:23:CD:03:...`` would reach the operator as ``...:23💿03:...``, exactly where they compare
it character by character. Every console drflow prints to, its own and Prefect's log handler,
shows text as written.

Prefect logs the exception that ends a flow or task run with its traceback. That is right for
the Prefect UI, where an engineer may need it, but a recovery that failed because VBR refused
it (a missing role, an untrusted certificate, a failed check) is an answer, not a crash: the
terminal shows the message alone. A log line of drflow's that carries such a failure is printed
without its traceback; Prefect's own lines that only repeat it ("Encountered exception during
execution: RecoveryFailed(...)", "Task run failed with exception: MountFailed(...)") are not
printed at all: drflow's line and the run's final state ("Finished in state Failed('...')")
already say it. Only the console changes; the records that go to the Prefect API are untouched.

Prefect's console handler writes to the stream it was given when logging was configured, so
its lines would tear a live display (``console.status``) drawn on the same terminal: within
:func:`plain_console_logs` ``(above=console)`` they are printed through that console instead,
above the display.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from rich.console import Console
from rich.text import Text

from drflow.errors import DrflowError

PREFECT_REPEATS = ("Encountered exception during execution", "Task run failed with exception")
"""How Prefect's engine begins the lines that repeat a run's exception (with its traceback)."""


def plain_console(*, stderr: bool = False) -> Console:
    """A console for drflow's output: markup for drflow's own styling, no emoji codes."""
    return Console(stderr=stderr, emoji=False)


def expected(record: logging.LogRecord) -> bool:
    """Whether the record carries a failure drflow raised on purpose (a DrflowError)."""
    return bool(record.exc_info) and isinstance(record.exc_info[1], DrflowError)  # type: ignore[index]


class _Untraced(logging.Formatter):
    """Formats like ``inner``, without the traceback of an expected failure."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        if expected(record):
            record = copy.copy(record)
            record.exc_info = None
            record.exc_text = None
        return self._inner.format(record)


def _not_a_repeat(record: logging.LogRecord) -> bool:
    """False for Prefect's line that repeats an expected failure with its traceback."""
    return not (expected(record) and str(record.msg).startswith(PREFECT_REPEATS))


class _AsWritten:
    """Stands in for a handler's console: prints without emoji codes, otherwise the same; with
    ``above``, through that console (above its live display), in the handler's colours."""

    def __init__(self, inner: Console, above: Console | None = None):
        self._inner = inner
        self._above = above

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs = {**kwargs, "emoji": False}
        if self._above is None:
            self._inner.print(*objects, **kwargs)
            return
        with self._inner.capture() as captured:
            self._inner.print(*objects, **kwargs)
        self._above.print(Text.from_ansi(captured.get().rstrip("\n")), soft_wrap=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _console_handlers() -> list[Any]:
    """Prefect's console handlers, on the root logger and on any other (uvicorn's)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [
        logger
        for logger in list(logging.Logger.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)
    ]
    found: dict[int, Any] = {}
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler):
                found[id(handler)] = handler
    return list(found.values())


@contextmanager
def plain_console_logs(*, above: Console | None = None, quiet: bool = False) -> Iterator[None]:
    """Within the block, Prefect's console handlers print log lines as written, expected
    failures without their traceback (and without Prefect's lines that repeat them).

    ``above``: the console of a live display (``console.status``); when it is a terminal, log
    lines are printed through it, above the display, never into it. ``quiet``: no log line on
    the terminal at all (they still reach the Prefect API).
    """
    route = above if above is not None and above.is_terminal else None
    with ExitStack() as restore:
        for handler in _console_handlers():
            formatter, console, level = handler.formatter, handler.console, handler.level
            handler.setFormatter(_Untraced(formatter or logging.Formatter()))
            handler.console = _AsWritten(console, route)
            handler.addFilter(_not_a_repeat)
            if quiet:
                handler.setLevel(logging.CRITICAL + 1)
            restore.callback(_restore, handler, formatter, console, level)
        yield


def _restore(handler: Any, formatter: logging.Formatter | None, console: Any, level: int) -> None:
    handler.setFormatter(formatter)
    handler.console = console
    handler.removeFilter(_not_a_repeat)
    handler.setLevel(level)
