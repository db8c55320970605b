"""Prefect's API clients retry at least every :data:`LONGEST_WAIT` seconds.

Prefect's clients retry a request that failed (refused, 5xx, 429) after about 2, 4, 8 ... s
(``2 ** try``, with jitter: ``prefect.client.base``), without a ceiling. Through a restart of
the Prefect server, the engine's next try comes up to as long again after the server is back:
measured, a drill of four VMs whose server was down 68 s went on 69 s after it was back. With
the waits capped, a run's states catch up within :data:`LONGEST_WAIT` of the server's return.

The ceiling never shortens how long a request keeps trying: it applies only while
``PREFECT_CLIENT_MAX_RETRIES`` is at least :data:`.prefect_api.CLIENT_MAX_RETRIES` (what the
``drflow`` command sets, and what the README asks of workers), whose capped waits still add
up to ten minutes. With fewer retries (Prefect's default of 5, say) the waits are
Prefect's own: capped, they would give up within a minute.

Prefect has no setting for the ceiling (PrefectHQ/prefect#9735 made the number of tries one).
Its retry loops add the jitter with ``clamped_poisson_interval``, the one call between the
exponential and the wait; :func:`install` gives ``prefect.client.base`` one that caps the
average first. A ``Retry-After`` of the server is still honoured whatever its length, and with
``PREFECT_CLIENT_RETRY_JITTER_FACTOR=0`` Prefect skips that call: its waits are not capped.
Installed on the Prefect versions it was written against (:data:`FOR_PREFECT`).
"""

from __future__ import annotations

from collections.abc import Callable

import prefect
from prefect.client import base
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES

from .prefect_api import CLIENT_MAX_RETRIES

FOR_PREFECT = ("3.9.",)
"""The Prefect releases whose client this is written against."""
LONGEST_WAIT = 15.0
"""Longest average wait, in seconds, between two tries of a request to Prefect's API."""


def capped(jitter: Callable[..., float]) -> Callable[..., float]:
    """``jitter`` (Prefect's ``clamped_poisson_interval``) of an average of at most
    :data:`LONGEST_WAIT`, when the retries cover ten minutes with it."""

    def capped_jitter(average_interval: float, *args: object, **kwargs: object) -> float:
        if PREFECT_CLIENT_MAX_RETRIES.value() >= CLIENT_MAX_RETRIES:
            average_interval = min(average_interval, LONGEST_WAIT)
        return jitter(average_interval, *args, **kwargs)

    capped_jitter.capped = True  # type: ignore[attr-defined]
    return capped_jitter


def install() -> bool:
    """Cap the waits of Prefect's client retries (see the module docstring); True if done."""
    current = getattr(base, "clamped_poisson_interval", None)
    if getattr(current, "capped", False):
        return True
    if current is None or not prefect.__version__.startswith(FOR_PREFECT):
        return False
    base.clamped_poisson_interval = capped(current)
    return True
