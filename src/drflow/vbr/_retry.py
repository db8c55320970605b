"""The one retry policy of the VBR client: what is retried, how long, how far apart.

What is retried (:func:`may_resend`), as long as the call's time allows:

- a connection that could not be made (the request never left): any method;
- 429 (honouring ``Retry-After``): any method, since the server refused the work;
- 500, 502, 503, 504, timeouts and dropped connections: only idempotent requests (GET, PUT,
  DELETE, and the POSTs the client marks so): resending a read is harmless. A POST that may
  have reached the server is never resent here: :mod:`drflow.vbr.adoption` first looks for
  what it may have started (:func:`answer_lost` tells when).

Other 4xx are never retried. How long: until the call's outage tolerance runs out, or the
budget around it (:mod:`drflow.vbr.budgets`), whichever comes first; the last try falls on that
limit. Waits grow exponentially with jitter up to a cap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential_jitter

from . import budgets
from ._exceptions import RateLimited, ServerError, VBRError, VBRTLSError, VBRTransportError

logger = logging.getLogger("drflow.vbr")

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says VBR is unavailable for now (an outage), not that the request is
    wrong: no connection, a timeout, a dropped connection, 429, 500/502/503/504."""
    return (
        isinstance(exc, RateLimited)
        or (isinstance(exc, ServerError) and exc.status_code in TRANSIENT_STATUSES)
        or (isinstance(exc, VBRTransportError) and not isinstance(exc, VBRTLSError))
    )


def answer_lost(exc: BaseException) -> bool:
    """Whether a request failed transiently after it may have reached VBR and been acted upon
    (its answer is lost): a start must then look for what it may have started."""
    return (
        isinstance(exc, VBRError)
        and is_transient(exc)
        and not isinstance(exc, RateLimited)
        and exc.request_sent
    )


def may_resend(exc: BaseException, method: str, idempotent: bool | None = None) -> bool:
    """Whether a ``method`` request that raised ``exc`` may be sent again as it is."""
    if not is_transient(exc):
        return False
    if not answer_lost(exc):
        return True
    return method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent


@dataclass
class RetryPolicy:
    """How far apart the client's tries are, and what they came to (for tests and benchmarks).

    How long a call keeps trying is not the policy's: it is the client's outage tolerance and
    the budget around the call.
    """

    initial_wait: float = 0.5
    """Seconds before the first retry; doubles each time."""
    max_wait: float = 10.0
    """Longest wait between two tries."""
    jitter: float = 0.5
    """Random seconds added to each wait, so that many clients do not retry in step."""
    max_retry_after: float = 60.0
    """A ``Retry-After`` longer than this is cut to it."""
    retries: int = field(default=0, compare=False)
    """Retries made so far by clients using this policy."""
    most_retries: int = field(default=0, compare=False)
    """The most retries one call has needed so far."""
    longest_retrying: float = field(default=0.0, compare=False)
    """The longest one call has kept retrying so far (seconds from its first try to its last),
    never more than its outage tolerance or budget."""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    """The clock the call's limit is measured on (tests move it with ``sleep``)."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How to wait between tries (tests record the waits instead)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def should_retry(self, exc: BaseException, method: str, idempotent: bool | None = None) -> bool:
        """Whether ``exc`` raised by a ``method`` request may be retried (:func:`may_resend`)."""
        return isinstance(exc, VBRError) and may_resend(exc, method, idempotent)

    def wait_seconds(self, state: RetryCallState) -> float:
        """The wait before the next try: ``Retry-After`` when given, else exponential."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after)
        return wait_exponential_jitter(
            multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
        )(state)

    def call(
        self,
        fn: Callable[[], T],
        *,
        method: str,
        describe: str,
        tolerance: float,
        idempotent: bool | None = None,
    ) -> T:
        """Run ``fn`` under this policy for at most ``tolerance`` seconds of retrying (and
        within the budget around the call); the last error is re-raised as is."""
        started = self.clock()
        limit = started + min(budgets.call_tolerance(tolerance), budgets.remaining())

        def wait(state: RetryCallState) -> float:
            return min(self.wait_seconds(state), max(0.0, limit - self.clock()))

        def before_sleep(state: RetryCallState) -> None:
            pause = state.next_action.sleep if state.next_action else 0.0
            with self._lock:
                self.retries += 1
                self.most_retries = max(self.most_retries, state.attempt_number)
                self.longest_retrying = max(self.longest_retrying, self.clock() + pause - started)
            logger.debug(
                "%s failed (%s); retry %d in %.2fs",
                describe,
                state.outcome.exception() if state.outcome else None,
                state.attempt_number,
                pause,
            )

        retrying = Retrying(
            retry=retry_if_exception(lambda exc: self.should_retry(exc, method, idempotent)),
            stop=lambda state: self.clock() >= limit,
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
            sleep=self.sleep,
        )
        return retrying(fn)
