"""One TLS context for Prefect's API clients, not a new one per client.

Prefect makes a new API client for most calls (a task run's creation, the release of a
concurrency slot, an artifact), and each makes its TLS context with
``ssl.create_default_context(cafile=...)`` (``prefect.client.orchestration``), which loads the
CA bundle: about 20 ms of CPU, even when the API is plain HTTP. Measured, a fifth of the CPU
of a 20-VM drill. PrefectHQ/prefect#19106 (open) lets callers pass one context; httpx's own
default context has the same cost (encode/httpx#3473, open).

:func:`install` gives that module an ``ssl`` whose ``create_default_context(cafile=...)``
answers one context per CA file, made at its first use; any other call (Prefect's insecure
context, which it then changes) is the standard library's. It does so only on the Prefect
versions it was written against (:data:`FOR_PREFECT`). A CA file changed while a process runs
is read again by processes started after. Drop this module once Prefect reuses its context.
"""

from __future__ import annotations

import ssl
import threading
from types import ModuleType
from typing import Any

import prefect
from prefect.client import orchestration

FOR_PREFECT = ("3.9.",)
"""The Prefect releases whose client this is written against."""


class _SharedContexts:
    """The ``ssl`` module as ``prefect.client.orchestration`` sees it, its verified contexts
    made once per CA file."""

    def __init__(self, module: ModuleType) -> None:
        self._ssl = module
        self._made: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def create_default_context(self, *args: Any, **kwargs: Any) -> ssl.SSLContext:
        cafile = kwargs.get("cafile")
        if args or set(kwargs) != {"cafile"} or not isinstance(cafile, str):
            return self._ssl.create_default_context(*args, **kwargs)
        with self._lock:
            if cafile not in self._made:
                self._made[cafile] = self._ssl.create_default_context(cafile=cafile)
            return self._made[cafile]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ssl, name)


def install() -> bool:
    """Share Prefect's API clients' TLS contexts where it is safe to (see the module
    docstring); True if it is in place."""
    current = getattr(orchestration, "ssl", None)
    if isinstance(current, _SharedContexts):
        return True
    if current is not ssl or not prefect.__version__.startswith(FOR_PREFECT):
        return False
    orchestration.ssl = _SharedContexts(ssl)
    return True
