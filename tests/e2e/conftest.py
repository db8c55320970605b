"""The end-to-end tests start real processes (Prefect server, worker, ``drflow up``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.e2e.support import sigterm_as_interrupt


@pytest.fixture(scope="session", autouse=True)
def _stop_children_on_sigterm() -> Iterator[None]:
    """A SIGTERM to pytest still runs the finalizers that stop the child processes."""
    with sigterm_as_interrupt():
        yield
